//! The adj-rib-in of one neighbor (ExaBGP's `rib/incoming.py`): the routes
//! received, when the neighbor's `adj-rib-in` is on, for `show adj-rib in`.
//! Cleared when the session goes down.

use std::rc::Rc;

use crate::bgp::attribute::NextHop;
use crate::bgp::iana::Family;
use crate::bgp::message::update::{Action, Update};

use super::cache::Cache;
use super::change::Change;

#[derive(Debug)]
pub struct AdjRibIn {
    cache: Cache,
}

impl AdjRibIn {
    pub fn new(adj_rib_in: bool, families: Vec<Family>) -> AdjRibIn {
        AdjRibIn { cache: Cache::new(adj_rib_in, families) }
    }

    pub fn set_families(&mut self, families: Vec<Family>) {
        self.cache.delete_cached_family(&families);
        self.cache.families = families;
    }

    /// Forget everything (session down, `clear adj-rib in`).
    pub fn clear(&mut self) {
        self.cache.clear_cache();
    }

    /// Record a received UPDATE: withdrawals remove, announces replace, in
    /// ExaBGP's NLRI order (classic withdrawn, classic announced,
    /// MP_UNREACH_NLRI, MP_REACH_NLRI). A copy of `update_owned`.
    pub fn update(&mut self, update: &Update) {
        if self.cache.enabled() {
            self.update_owned(update.clone());
        }
    }

    /// As `update`, the routes and attributes moved into the RIB.
    pub fn update_owned(&mut self, update: Update) {
        if !self.cache.enabled() {
            return;
        }
        let Update { withdrawn, attributes, announced, mp_unreach, mp_reach, .. } = update;
        let classic = attributes.next_hop().map_or(NextHop::None, NextHop::Ip);
        let attributes = Rc::new(attributes);
        for n in &withdrawn {
            self.cache.remove(n);
        }
        self.cache.insert_routes(announced, classic, &attributes);
        for n in mp_unreach.iter().flat_map(|m| m.nlris.iter()) {
            self.cache.remove(n);
        }
        if let Some(m) = mp_reach {
            match m.nexthop {
                // ExaBGP decodes such an NLRI once per address: the
                // link-local one is kept (in the first one's place).
                NextHop::Ipv6LinkLocal { global, link_local } => {
                    for n in m.nlris {
                        self.cache.insert(Change::announce(n.clone(), NextHop::Ip(global.into()), attributes.clone()));
                        self.cache.insert(Change::announce(n, NextHop::Ip(link_local.into()), attributes.clone()));
                    }
                }
                nexthop => self.cache.insert_routes(m.nlris, nexthop, &attributes),
            }
        }
    }

    /// Record one route (`update_cache`).
    pub fn record(&mut self, change: Change) {
        self.cache.update_cache(change);
    }

    /// The routes held, for `families` (all configured when `None`), for
    /// `show adj-rib in`.
    pub fn cached_changes<'a>(&'a self, families: Option<&[Family]>) -> impl Iterator<Item = &'a Change> + 'a {
        self.cache.cached_changes(families, false).filter(|c| c.action == Action::Announce)
    }

    pub fn len(&self) -> usize {
        self.cache.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }
}
