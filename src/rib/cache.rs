//! What a RIB has seen, per family then route key (ExaBGP's `rib/cache.py`),
//! shared by the adj-rib-in and the adj-rib-out. Disabled (the neighbor's
//! `adj-rib-in false` / `adj-rib-out false`), it remembers nothing.

use crate::bgp::iana::Family;
use crate::bgp::message::update::Action;

use super::change::{Change, RouteKey};
use super::ordered::OrderedMap;
use super::pyset;

#[derive(Debug, Default)]
pub struct Cache {
    enabled: bool,
    /// The neighbor's families, in its configuration order.
    pub families: Vec<Family>,
    /// Per family (in order of first use), the routes by key.
    seen: Vec<(Family, OrderedMap<RouteKey, Change>)>,
}

impl Cache {
    pub fn new(enabled: bool, families: Vec<Family>) -> Cache {
        Cache { enabled, families, seen: Vec::new() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn clear_cache(&mut self) {
        self.seen.clear();
    }

    /// Forget the families no longer configured.
    pub fn delete_cached_family(&mut self, families: &[Family]) {
        self.seen.retain(|(f, _)| families.contains(f));
    }

    fn family(&self, family: Family) -> Option<&OrderedMap<RouteKey, Change>> {
        self.seen.iter().find(|(f, _)| *f == family).map(|(_, m)| m)
    }

    /// Number of routes held.
    pub fn len(&self) -> usize {
        self.seen.iter().map(|(_, m)| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The routes held, for `families` (all configured ones when `None`,
    /// walked in configuration order; otherwise in Python set order, as
    /// ExaBGP intersects them with a set), announces only unless
    /// `withdrawals` (the cache never holds withdrawals anyway).
    pub fn cached_changes<'a>(
        &'a self,
        families: Option<&[Family]>,
        withdrawals: bool,
    ) -> impl Iterator<Item = &'a Change> + 'a {
        let order = match families {
            None => self.families.clone(),
            Some(list) => pyset::intersection(list, &self.families),
        };
        order
            .into_iter()
            .filter_map(move |f| self.family(f))
            .flat_map(|m| m.values())
            .filter(move |c| withdrawals || c.action == Action::Announce)
    }

    /// The route under `key` if it is held.
    pub fn get(&self, family: Family, key: &RouteKey) -> Option<&Change> {
        self.family(family).and_then(|m| m.get(key))
    }

    /// Whether `change` is an announce identical (attributes and next-hop)
    /// to the one already held: re-sending it would be a no-op.
    pub fn in_cache(&self, change: &Change, key: &RouteKey) -> bool {
        if !self.enabled || change.action == Action::Withdraw {
            return false;
        }
        match self.get(change.family(), key) {
            Some(cached) => {
                (std::rc::Rc::ptr_eq(&cached.attributes, &change.attributes) || cached.attributes == change.attributes)
                    && cached.nexthop == change.nexthop
            }
            None => false,
        }
    }

    /// Record an announce, forget a withdrawn route.
    pub fn update_cache(&mut self, change: &Change, key: &RouteKey) {
        if !self.enabled {
            return;
        }
        let family = change.family();
        let slot = self.seen.iter().position(|(f, _)| *f == family);
        match change.action {
            Action::Announce => {
                let map = match slot {
                    Some(i) => &mut self.seen[i].1,
                    None => {
                        self.seen.push((family, OrderedMap::new()));
                        match self.seen.last_mut() {
                            Some(last) => &mut last.1,
                            None => return,
                        }
                    }
                };
                map.insert(key.clone(), change.clone());
            }
            Action::Withdraw => {
                if let Some(i) = slot {
                    self.seen[i].1.remove(key);
                }
            }
        }
    }
}
