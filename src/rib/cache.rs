//! What the adj-rib-in has seen, per family then route key (ExaBGP's
//! `rib/cache.py`). Disabled (the neighbor's `adj-rib-in false`), it
//! remembers nothing.
//!
//! Each family keeps its routes once, in insertion order (Python `dict`
//! semantics: replacing a route keeps its place, withdrawing then
//! re-announcing moves it to the end), and an open-addressing table of
//! (32-bit hash, position) cells. Keys are not stored: a lookup compares
//! the key of the route at a matching cell, computed from its NLRI. The key
//! of a unicast or multicast prefix (the bulk of any table) is a fixed
//! array (path-id, length, address), built without allocating; other
//! families use ExaBGP's index bytes (`Nlri::index`). Within one family
//! both tell routes apart exactly as `Nlri::index` does.
//!
//! The keys come from peers, so the hash must resist crafted collisions:
//! it is SipHash-1-3 (std's `DefaultHasher` algorithm) with secret random
//! keys per cache, computed once per route over 16 octets (an IPv4 prefix)
//! or the key's bytes. It is written out here for whole keys because std's
//! streaming hasher cost twice as much per route; growing the table reuses
//! the stored hashes instead of hashing every key again. A seeded multiply
//! hasher would be cheaper still, but resists crafted collisions far less.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use std::rc::Rc;

use crate::bgp::attribute::{Attributes, NextHop};
use crate::bgp::iana::Family;
use crate::bgp::message::update::Action;
use crate::bgp::nlri::Nlri;

use super::change::Change;
use super::pyset;

/// A free table cell (zero: a new table is zeroed memory, not written).
const EMPTY: u64 = 0;
/// A cell whose route was removed (probing goes on past it).
const TOMB: u64 = 1;
/// Live cells hold `hash << 32 | (slot + SLOT_BASE)`, never EMPTY or TOMB.
const SLOT_BASE: u64 = 2;

fn live(cell: u64) -> bool {
    cell & 0xffff_ffff >= SLOT_BASE
}

fn cell_slot(cell: u64) -> usize {
    ((cell & 0xffff_ffff) - SLOT_BASE) as usize
}

fn make_cell(h: u32, slot: usize) -> u64 {
    (h as u64) << 32 | (slot as u64 + SLOT_BASE)
}

/// A route's key within its family's table.
#[derive(Debug, Default)]
struct Key {
    /// A prefix: path-id flag and id, length, address (zero-padded).
    inet: Option<[u8; 22]>,
    /// Any other NLRI: its index bytes.
    bytes: Vec<u8>,
    /// Not built yet for the NLRI looked up (built on the first hash match:
    /// most inserts never compare keys).
    stale: bool,
}

impl Key {
    fn set(&mut self, nlri: &Nlri) {
        self.stale = false;
        match nlri {
            Nlri::Inet(n) => {
                let mut k = [0u8; 22];
                if let Some(id) = n.path_id {
                    k[0] = 1;
                    k[1..5].copy_from_slice(&id.to_be_bytes());
                }
                k[5] = n.prefix.len();
                let addr = n.prefix.packed_addr();
                if let Some(dst) = k.get_mut(6..6 + addr.len()) {
                    dst.copy_from_slice(addr);
                }
                self.inet = Some(k);
            }
            other => {
                self.inet = None;
                self.bytes.clear();
                other.index(&mut self.bytes);
            }
        }
    }

    fn same(&self, other: &Key) -> bool {
        match (&self.inet, &other.inet) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.bytes == other.bytes,
            _ => false,
        }
    }

    fn hash(&self, keys: (u64, u64)) -> u32 {
        let h = match &self.inet {
            // The last six octets are only set for IPv6.
            Some(k) => match k.get(16..).is_some_and(|rest| rest.iter().all(|&b| b == 0)) {
                true => sip13(keys, k.get(..16).unwrap_or(k)),
                false => sip13(keys, k),
            },
            None => sip13(keys, &self.bytes),
        };
        (h >> 32) as u32
    }
}

/// SipHash-1-3 of `data` under the 128-bit key `(k0, k1)`.
fn sip13((k0, k1): (u64, u64), data: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    let compress = |v: &mut [u64; 4], m: u64| {
        v[3] ^= m;
        round(v);
        v[0] ^= m;
    };
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        compress(&mut v, u64::from_le_bytes(w));
    }
    // The last 0-7 octets, little-endian, with the length in the top octet
    // (byte by byte: a copy of variable size would be a call).
    let mut last = (data.len() as u64) << 56;
    for (i, &b) in chunks.remainder().iter().enumerate() {
        last |= (b as u64) << (8 * i);
    }
    compress(&mut v, last);
    v[2] ^= 0xff;
    round(&mut v);
    round(&mut v);
    round(&mut v);
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// Two secret words from std's per-process random keys.
fn random_keys() -> (u64, u64) {
    let state = RandomState::new();
    let mut a = state.build_hasher();
    a.write_u8(0);
    let mut b = state.build_hasher();
    b.write_u8(1);
    (a.finish(), b.finish())
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            enabled: false,
            families: Vec::new(),
            seen: Vec::new(),
            keys: random_keys(),
            key: Key::default(),
            other: Key::default(),
            hashes: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct Cache {
    enabled: bool,
    /// The neighbor's families, in its configuration order.
    pub families: Vec<Family>,
    /// Per family, in order of first use.
    seen: Vec<Routes>,
    /// The SipHash key.
    keys: (u64, u64),
    /// The key looked up, and the key of a route it is compared with.
    key: Key,
    other: Key,
    /// `insert_routes`'s hashes (kept for its allocation).
    hashes: Vec<u32>,
}

/// The routes of one family.
#[derive(Debug)]
struct Routes {
    family: Family,
    /// Insertion order; `None` where a route was removed.
    slots: Vec<Option<Change>>,
    /// `make_cell(hash, slot)`, or EMPTY / TOMB.
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

/// Cells for `n` routes: a table grows when half full (linear probing
/// gets long past that), so this leaves room for as many again.
fn table_size(n: usize) -> usize {
    n.max(16) * 4
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

    fn probe(&self, nlri: &Nlri, key: &mut Key, h: u32, other: &mut Key) -> Probe {
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
                let slot = cell_slot(cell);
                if let Some(Some(c)) = self.slots.get(slot) {
                    if key.stale {
                        key.set(nlri);
                    }
                    other.set(&c.nlri);
                    if other.same(key) {
                        return Probe::Found { cell: i, slot };
                    }
                }
            }
            i = next(i, len);
        }
        Probe::Vacant { cell: first_tomb.unwrap_or(usize::MAX) }
    }

    fn get(&self, nlri: &Nlri, key: &mut Key, h: u32, other: &mut Key) -> Option<&Change> {
        match self.probe(nlri, key, h, other) {
            Probe::Found { slot, .. } => self.slots.get(slot).and_then(Option::as_ref),
            Probe::Vacant { .. } => None,
        }
    }

    /// Room for `more` routes without growing the table.
    fn reserve(&mut self, more: usize) {
        if (self.used + more) * 2 > self.table.len() {
            self.rehash(table_size(self.live + more));
        }
        self.slots.reserve(more);
    }

    /// `d[key] = change`: an existing key keeps its place.
    fn insert(&mut self, key: &mut Key, h: u32, change: Change, other: &mut Key) {
        if (self.used + 1) * 2 > self.table.len() {
            self.rehash(table_size(self.live + 1));
        }
        match self.probe(&change.nlri, key, h, other) {
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
                    *c = make_cell(h, slot);
                    self.slots.push(Some(change));
                    self.live += 1;
                }
            }
        }
    }

    /// `d.pop(key, None)`.
    fn remove(&mut self, nlri: &Nlri, key: &mut Key, h: u32, other: &mut Key) {
        let Probe::Found { cell, slot } = self.probe(nlri, key, h, other) else { return };
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
            if live(*c) {
                let slot = remap.get(cell_slot(*c)).copied().unwrap_or(0);
                *c = make_cell((*c >> 32) as u32, slot as usize);
            }
        }
        self.rehash(table_size(self.live));
    }

    /// A table of `size` cells holding the live entries, without tombstones.
    fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.table, vec![EMPTY; size]);
        self.used = 0;
        for c in old {
            if !live(c) {
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

    /// The key of `nlri` in `self.key`, and its hash.
    fn hash_key(&mut self, nlri: &Nlri) -> u32 {
        self.key.set(nlri);
        self.key.hash(self.keys)
    }

    /// The route held for `nlri`, if any.
    pub fn get(&mut self, nlri: &Nlri) -> Option<&Change> {
        let h = self.hash_key(nlri);
        let family = nlri.family();
        let routes = self.seen.iter().find(|r| r.family == family)?;
        routes.get(nlri, &mut self.key, h, &mut self.other)
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
            routes.insert(&mut self.key, h, change, &mut self.other);
        }
    }

    /// Record the announces of one UPDATE field, all with `nexthop` and
    /// `attributes`: the same as `insert` for each, in order. The hashes
    /// come first, then each route's first table cell is read in a tight
    /// loop: those reads do not depend on each other, so their cache misses
    /// (a table of a million routes is far larger than the caches) overlap
    /// instead of stalling each insert in turn.
    pub fn insert_routes(&mut self, nlris: Vec<Nlri>, nexthop: NextHop, attributes: &Rc<Attributes>) {
        if !self.enabled {
            return;
        }
        let Some(family) = nlris.first().map(Nlri::family) else { return };
        let i = match self.seen.iter().position(|r| r.family == family) {
            Some(i) => i,
            None => {
                self.seen.push(Routes::new(family));
                self.seen.len() - 1
            }
        };
        if let Some(routes) = self.seen.get_mut(i) {
            routes.reserve(nlris.len());
        }
        let mut hashes = std::mem::take(&mut self.hashes);
        hashes.clear();
        for n in &nlris {
            let h = self.hash_key(n);
            hashes.push(h);
        }
        // A tight loop of independent reads: many misses in flight at once.
        if let Some(routes) = self.seen.get(i) {
            let len = routes.table.len();
            let touched = hashes.iter().fold(0u64, |acc, &h| acc ^ routes.table.get(home(h, len)).copied().unwrap_or(0));
            std::hint::black_box(touched);
        }
        for (n, &h) in nlris.into_iter().zip(hashes.iter()) {
            let change = Change::announce(n, nexthop, attributes.clone());
            match self.seen.get_mut(i).filter(|r| r.family == change.family()) {
                Some(routes) => {
                    // Its key is built only if a hash matches.
                    self.key.stale = true;
                    routes.insert(&mut self.key, h, change, &mut self.other);
                }
                // Another family in the same field: the one-by-one path.
                None => self.insert(change),
            }
        }
        self.hashes = hashes;
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
            routes.remove(nlri, &mut self.key, h, &mut self.other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn sip13_is_std_siphash() {
        // std's `DefaultHasher::new()` is SipHash-1-3 under the zero key.
        let data: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for len in 0..=data.len() {
            let mut std = std::collections::hash_map::DefaultHasher::new();
            std.write(&data[..len]);
            assert_eq!(sip13((0, 0), &data[..len]), std.finish(), "{len}");
        }
        assert_ne!(random_keys(), random_keys());
    }

    #[test]
    fn insert_routes_is_insert_in_order() {
        let attributes = Rc::new(Attributes::default());
        let hop = NextHop::Ip("0.0.0.1".parse().unwrap());
        let mut one = Cache::new(true, vec![Family::IPV4_UNICAST]);
        let mut all = Cache::new(true, vec![Family::IPV4_UNICAST]);
        for round in 0..3u32 {
            // Overlapping rounds: replacements keep their places.
            let nlris: Vec<Nlri> = (round * 300..round * 300 + 500).map(|i| v4(i << 8, 24)).collect();
            for n in &nlris {
                one.insert(Change::announce(n.clone(), hop, attributes.clone()));
            }
            all.insert_routes(nlris, hop, &attributes);
            assert_eq!(held(&one), held(&all));
        }
        assert_eq!(all.len(), 1100);
        all.insert_routes(Vec::new(), hop, &attributes);
        let mut off = Cache::new(false, vec![Family::IPV4_UNICAST]);
        off.insert_routes(vec![v4(0, 8)], hop, &attributes);
        assert!(off.is_empty());
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

    #[test]
    fn path_ids_and_ipv6_are_keys() {
        let mut c = Cache::new(true, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);
        let with_id = |id: Option<u32>| {
            let mut n = v4(0x0a00_0000, 24);
            if let Nlri::Inet(i) = &mut n {
                i.path_id = id;
            }
            n
        };
        c.insert(announce(with_id(None), 1));
        c.insert(announce(with_id(Some(1)), 1));
        c.insert(announce(with_id(Some(2)), 1));
        c.insert(announce(with_id(Some(1)), 2));
        assert_eq!(c.len(), 3);
        let v6 = |s: &str, len: u8| {
            Nlri::Inet(Inet { family: Family::IPV6_UNICAST, path_id: None, prefix: Prefix::new(s.parse().unwrap(), len).unwrap() })
        };
        c.insert(announce(v6("2001:db8::", 32), 1));
        c.insert(announce(v6("2001:db8:0:0:1::", 80), 1));
        c.insert(announce(v6("2001:db8::", 32), 3));
        assert_eq!(c.len(), 5);
        c.remove(&v6("2001:db8:0:0:1::", 80));
        assert_eq!(c.cached_changes(Some(&[Family::IPV6_UNICAST]), false).count(), 1);
        assert!(c.get(&v6("2001:db8::", 32)).is_some());
    }
}
