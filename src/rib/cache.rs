//! What the adj-rib-in has seen, per family then route key (ExaBGP's
//! `rib/cache.py`). Disabled (the neighbor's `adj-rib-in false`), it
//! remembers nothing.
//!
//! Each family keeps its routes once, in insertion order (Python `dict`
//! semantics: replacing a route keeps its place, withdrawing then
//! re-announcing moves it to the end), and an open-addressing table of
//! (32-bit hash, position) cells. Keys are not stored: a lookup compares
//! the key of the route at a matching cell, computed from its NLRI.
//!
//! The keys come from peers, so the hash must resist crafted collisions:
//! it is SipHash-1-3 keyed by a per-cache `RandomState` (std's
//! `DefaultHasher`), computed once per route over the key's bytes; growing
//! the table reuses the stored hashes instead of hashing every key again.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use crate::bgp::iana::Family;
use crate::bgp::message::update::Action;
use crate::bgp::nlri::Nlri;

use super::change::Change;
use super::pyset;

/// A free table cell.
const EMPTY: u64 = u64::MAX;
/// A cell whose route was removed (probing goes on past it).
const TOMB: u64 = u64::MAX - 1;

#[derive(Debug, Default)]
pub struct Cache {
    enabled: bool,
    /// The neighbor's families, in its configuration order.
    pub families: Vec<Family>,
    /// Per family, in order of first use.
    seen: Vec<Routes>,
    hasher: RandomState,
    /// The key looked up, and the key of a route it is compared with.
    key: Vec<u8>,
    other: Vec<u8>,
}

/// The routes of one family.
#[derive(Debug)]
struct Routes {
    family: Family,
    /// Insertion order; `None` where a route was removed.
    slots: Vec<Option<Change>>,
    /// `hash << 32 | slot`, or EMPTY / TOMB.
    table: Vec<u64>,
    live: usize,
    /// Live cells plus tombstones.
    used: usize,
}

/// Where a lookup ended: the cell holding the key, or the cell to fill.
enum Probe {
    Found { cell: usize, slot: usize },
    Vacant { cell: usize },
}

/// The cell a hash starts probing at (any table size).
fn home(h: u32, len: usize) -> usize {
    ((h as u64 * len as u64) >> 32) as usize
}

fn next(i: usize, len: usize) -> usize {
    if i + 1 >= len {
        0
    } else {
        i + 1
    }
}

impl Routes {
    fn new(family: Family) -> Routes {
        Routes { family, slots: Vec::new(), table: Vec::new(), live: 0, used: 0 }
    }

    fn probe(&self, key: &[u8], h: u32, other: &mut Vec<u8>) -> Probe {
        let len = self.table.len();
        if len == 0 {
            return Probe::Vacant { cell: usize::MAX };
        }
        let mut i = home(h, len);
        let mut first_tomb = None;
        for _ in 0..len {
            let Some(&cell) = self.table.get(i) else { break };
            if cell == EMPTY {
                return Probe::Vacant { cell: first_tomb.unwrap_or(i) };
            }
            if cell == TOMB {
                first_tomb.get_or_insert(i);
            } else if (cell >> 32) as u32 == h {
                let slot = (cell & 0xffff_ffff) as usize;
                if let Some(Some(c)) = self.slots.get(slot) {
                    c.key_bytes(other);
                    if other.as_slice() == key {
                        return Probe::Found { cell: i, slot };
                    }
                }
            }
            i = next(i, len);
        }
        Probe::Vacant { cell: first_tomb.unwrap_or(usize::MAX) }
    }

    fn get(&self, key: &[u8], h: u32, other: &mut Vec<u8>) -> Option<&Change> {
        match self.probe(key, h, other) {
            Probe::Found { slot, .. } => self.slots.get(slot).and_then(Option::as_ref),
            Probe::Vacant { .. } => None,
        }
    }

    /// `d[key] = change`: an existing key keeps its place.
    fn insert(&mut self, key: &[u8], h: u32, change: Change, other: &mut Vec<u8>) {
        if (self.used + 1) * 4 > self.table.len() * 3 {
            self.rehash((self.live + 1).max(16) * 2);
        }
        match self.probe(key, h, other) {
            Probe::Found { slot, .. } => {
                if let Some(s) = self.slots.get_mut(slot) {
                    *s = Some(change);
                }
            }
            Probe::Vacant { cell } => {
                let slot = self.slots.len();
                if let Some(c) = self.table.get_mut(cell) {
                    if *c == EMPTY {
                        self.used += 1;
                    }
                    *c = (h as u64) << 32 | slot as u64;
                    self.slots.push(Some(change));
                    self.live += 1;
                }
            }
        }
    }

    /// `d.pop(key, None)`.
    fn remove(&mut self, key: &[u8], h: u32, other: &mut Vec<u8>) {
        let Probe::Found { cell, slot } = self.probe(key, h, other) else { return };
        if let Some(c) = self.table.get_mut(cell) {
            *c = TOMB;
        }
        if let Some(s) = self.slots.get_mut(slot) {
            *s = None;
        }
        self.live -= 1;
        let dead = self.slots.len() - self.live;
        if dead > 32 && dead > self.live {
            self.compact();
        }
    }

    /// Drop the removed slots and rebuild the table from the stored hashes.
    fn compact(&mut self) {
        let mut remap = Vec::with_capacity(self.slots.len());
        let mut next = 0u64;
        for s in &self.slots {
            remap.push(next);
            if s.is_some() {
                next += 1;
            }
        }
        self.slots.retain(Option::is_some);
        for c in self.table.iter_mut() {
            if *c < TOMB {
                let slot = (*c & 0xffff_ffff) as usize;
                *c = (*c & !0xffff_ffff) | remap.get(slot).copied().unwrap_or(0);
            }
        }
        self.rehash((self.live + 1).max(16) * 2);
    }

    /// A table of `size` cells holding the live entries, without tombstones.
    fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.table, vec![EMPTY; size]);
        self.used = 0;
        for c in old {
            if c >= TOMB {
                continue;
            }
            let mut i = home((c >> 32) as u32, size);
            while self.table.get(i).is_some_and(|&x| x != EMPTY) {
                i = next(i, size);
            }
            if let Some(cell) = self.table.get_mut(i) {
                *cell = c;
                self.used += 1;
            }
        }
    }

    fn values(&self) -> impl Iterator<Item = &Change> + '_ {
        self.slots.iter().filter_map(Option::as_ref)
    }
}

impl Cache {
    pub fn new(enabled: bool, families: Vec<Family>) -> Cache {
        Cache { enabled, families, ..Cache::default() }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn clear_cache(&mut self) {
        self.seen.clear();
    }

    /// Forget the families no longer configured.
    pub fn delete_cached_family(&mut self, families: &[Family]) {
        self.seen.retain(|r| families.contains(&r.family));
    }

    fn family(&self, family: Family) -> Option<&Routes> {
        self.seen.iter().find(|r| r.family == family)
    }

    /// Number of routes held.
    pub fn len(&self) -> usize {
        self.seen.iter().map(|r| r.live).sum()
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
            .flat_map(|r| r.values())
            .filter(move |c| withdrawals || c.action == Action::Announce)
    }

    /// The key bytes of `nlri` in `self.key` and their hash.
    fn hash_key(&mut self, nlri: &Nlri) -> u32 {
        self.key.clear();
        nlri.index(&mut self.key);
        let mut h = self.hasher.build_hasher();
        h.write(&self.key);
        (h.finish() >> 32) as u32
    }

    /// The route held for `nlri`, if any.
    pub fn get(&mut self, nlri: &Nlri) -> Option<&Change> {
        let h = self.hash_key(nlri);
        let family = nlri.family();
        let routes = self.seen.iter().find(|r| r.family == family)?;
        routes.get(&self.key, h, &mut self.other)
    }

    /// Record an announce (replacing the route of the same key, which keeps
    /// its place), forget a withdrawn route.
    pub fn update_cache(&mut self, change: Change) {
        if !self.enabled {
            return;
        }
        match change.action {
            Action::Announce => self.insert(change),
            Action::Withdraw => self.remove(&change.nlri),
        }
    }

    /// Record an announce.
    pub fn insert(&mut self, change: Change) {
        if !self.enabled {
            return;
        }
        let h = self.hash_key(&change.nlri);
        let family = change.family();
        let i = match self.seen.iter().position(|r| r.family == family) {
            Some(i) => i,
            None => {
                self.seen.push(Routes::new(family));
                self.seen.len() - 1
            }
        };
        if let Some(routes) = self.seen.get_mut(i) {
            routes.insert(&self.key, h, change, &mut self.other);
        }
    }

    /// Forget the route of `nlri`'s key.
    pub fn remove(&mut self, nlri: &Nlri) {
        if !self.enabled {
            return;
        }
        let family = nlri.family();
        if !self.seen.iter().any(|r| r.family == family) {
            return;
        }
        let h = self.hash_key(nlri);
        if let Some(routes) = self.seen.iter_mut().find(|r| r.family == family) {
            routes.remove(&self.key, h, &mut self.other);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::bgp::attribute::{Attributes, NextHop};
    use crate::bgp::nlri::cidr::Prefix;
    use crate::bgp::nlri::inet::Inet;

    fn v4(i: u32, len: u8) -> Nlri {
        Nlri::Inet(Inet {
            family: Family::IPV4_UNICAST,
            path_id: None,
            prefix: Prefix::new(std::net::Ipv4Addr::from(i).into(), len).unwrap(),
        })
    }

    fn announce(n: Nlri, hop: u32) -> Change {
        Change::announce(n, NextHop::Ip(std::net::Ipv4Addr::from(hop).into()), Rc::new(Attributes::default()))
    }

    fn held(c: &Cache) -> Vec<Nlri> {
        c.cached_changes(None, false).map(|c| c.nlri.clone()).collect()
    }

    #[test]
    fn dict_order_replace_and_remove() {
        let mut c = Cache::new(true, vec![Family::IPV4_UNICAST]);
        c.insert(announce(v4(0x0a00_0000, 24), 1));
        c.insert(announce(v4(0x0a00_0100, 24), 1));
        c.insert(announce(v4(0x0a00_0200, 24), 1));
        // Replaced: keeps its place, holds the new next-hop.
        c.insert(announce(v4(0x0a00_0000, 24), 2));
        assert_eq!(held(&c), vec![v4(0x0a00_0000, 24), v4(0x0a00_0100, 24), v4(0x0a00_0200, 24)]);
        assert_eq!(c.get(&v4(0x0a00_0000, 24)).map(|c| c.nexthop), Some(NextHop::Ip("0.0.0.2".parse().unwrap())));
        // Same address, other length: another key.
        assert!(c.get(&v4(0x0a00_0000, 16)).is_none());
        // Removed then re-announced: at the end.
        c.remove(&v4(0x0a00_0000, 24));
        assert_eq!(c.len(), 2);
        c.update_cache(announce(v4(0x0a00_0000, 24), 3));
        assert_eq!(held(&c), vec![v4(0x0a00_0100, 24), v4(0x0a00_0200, 24), v4(0x0a00_0000, 24)]);
        // A withdrawal through `update_cache`; removing the absent is a no-op.
        let mut w = announce(v4(0x0a00_0100, 24), 0);
        w.action = Action::Withdraw;
        c.update_cache(w);
        c.remove(&v4(0x0b00_0000, 8));
        assert_eq!(held(&c), vec![v4(0x0a00_0200, 24), v4(0x0a00_0000, 24)]);
        c.clear_cache();
        assert!(c.is_empty());
    }

    #[test]
    fn growth_and_compaction_keep_order_and_lookups() {
        let mut c = Cache::new(true, vec![Family::IPV4_UNICAST]);
        for i in 0..5000u32 {
            c.insert(announce(v4(i << 8, 24), i));
        }
        assert_eq!(c.len(), 5000);
        for i in 0..4900u32 {
            c.remove(&v4(i << 8, 24));
        }
        assert_eq!(c.len(), 100);
        let expected: Vec<Nlri> = (4900..5000u32).map(|i| v4(i << 8, 24)).collect();
        assert_eq!(held(&c), expected);
        for i in 4900..5000u32 {
            assert_eq!(c.get(&v4(i << 8, 24)).map(|c| c.nexthop.ip()), Some(Some(std::net::Ipv4Addr::from(i).into())));
        }
        for i in 0..4900u32 {
            assert!(c.get(&v4(i << 8, 24)).is_none());
        }
        // Re-announced after the compaction: appended, found again.
        c.insert(announce(v4(7 << 8, 24), 7));
        assert_eq!(held(&c).last(), Some(&v4(7 << 8, 24)));
        assert_eq!(c.len(), 101);
    }

    #[test]
    fn disabled_keeps_nothing() {
        let mut c = Cache::new(false, vec![Family::IPV4_UNICAST]);
        c.insert(announce(v4(0x0a00_0000, 24), 1));
        c.update_cache(announce(v4(0x0a00_0100, 24), 1));
        assert!(c.is_empty());
        assert!(!c.enabled());
    }

    #[test]
    fn families_apart() {
        let mut c = Cache::new(true, vec![Family::IPV4_UNICAST, Family::IPV4_MULTICAST]);
        let mut m = v4(0x0a00_0000, 24);
        if let Nlri::Inet(i) = &mut m {
            i.family = Family::IPV4_MULTICAST;
        }
        c.insert(announce(v4(0x0a00_0000, 24), 1));
        c.insert(announce(m.clone(), 1));
        assert_eq!(c.len(), 2);
        assert_eq!(c.cached_changes(Some(&[Family::IPV4_MULTICAST]), false).count(), 1);
        c.delete_cached_family(&[Family::IPV4_UNICAST]);
        assert_eq!(held(&c), vec![v4(0x0a00_0000, 24)]);
    }
}
