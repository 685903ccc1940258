//! Where the adj-rib-out keeps its routes: every `Change` once, in an arena
//! (`Store`), and the maps that order and find them (`IdMap`) hold only
//! 32-bit ids. A route announced from the configuration is then one arena
//! entry shared by the cache, its pending bucket and the latest-change index,
//! instead of three copies with three copies of its key.
//!
//! `IdMap` keys are the route keys (`Change::key`), computed from the stored
//! change when a lookup needs them rather than stored: an open-addressing
//! table of (32-bit hash, position) pairs, positions into an
//! insertion-ordered list of ids with Python `dict` semantics (re-assigning
//! a key keeps its place; removing then re-inserting moves it to the end).

use super::change::Change;
use super::fxhash::hash32;

/// An arena id.
pub type Id = u32;

/// The arena: reference-counted changes, freed slots reused.
#[derive(Debug, Default)]
pub struct Store {
    /// Kept apart from `refs`: together they would pad each entry by 8 octets.
    changes: Vec<Option<Change>>,
    /// Holders of each change: the cache, buckets, the latest-change index,
    /// refresh lists.
    refs: Vec<u32>,
    free: Vec<Id>,
}

impl Store {
    pub fn reserve(&mut self, additional: usize) {
        let more = additional.saturating_sub(self.free.len());
        self.changes.reserve(more);
        self.refs.reserve(more);
    }

    /// Store `change`; the caller holds the one reference.
    pub fn add(&mut self, change: Change) -> Id {
        if let Some(id) = self.free.pop() {
            if let (Some(slot), Some(refs)) = (self.changes.get_mut(id as usize), self.refs.get_mut(id as usize)) {
                *slot = Some(change);
                *refs = 1;
                return id;
            }
        }
        self.changes.push(Some(change));
        self.refs.push(1);
        (self.changes.len() - 1) as Id
    }

    pub fn retain(&mut self, id: Id) {
        if let Some(refs) = self.refs.get_mut(id as usize) {
            *refs += 1;
        }
    }

    /// Drop one reference; the change goes with the last.
    pub fn release(&mut self, id: Id) {
        let (Some(slot), Some(refs)) = (self.changes.get_mut(id as usize), self.refs.get_mut(id as usize)) else {
            return;
        };
        *refs = refs.saturating_sub(1);
        if *refs == 0 && slot.is_some() {
            *slot = None;
            self.free.push(id);
        }
    }

    pub fn get(&self, id: Id) -> Option<&Change> {
        self.changes.get(id as usize).and_then(Option::as_ref)
    }

    /// Number of live changes.
    pub fn live(&self) -> usize {
        self.changes.len() - self.free.len()
    }

    /// Forget everything (no holder is left).
    pub fn clear(&mut self) {
        self.changes.clear();
        self.refs.clear();
        self.free.clear();
    }

    /// The key of `id` in `out`; false when `id` holds nothing.
    fn key_into(&self, id: Id, out: &mut Vec<u8>) -> bool {
        match self.get(id) {
            Some(c) => {
                c.key_bytes(out);
                true
            }
            None => false,
        }
    }
}

/// A free table cell.
const EMPTY: u64 = u64::MAX;
/// A cell whose entry was removed (probing goes on past it).
const TOMB: u64 = u64::MAX - 1;
/// A removed position of the ordered list.
const DEAD: Id = Id::MAX;

/// An insertion-ordered map from route key to arena id.
#[derive(Debug, Default)]
pub struct IdMap {
    /// Ids in insertion order, `DEAD` where removed.
    order: Vec<Id>,
    /// `hash << 32 | position in order`, or EMPTY / TOMB; power-of-two size.
    table: Vec<u64>,
    live: usize,
    /// Live cells plus tombstones.
    used: usize,
    /// `order[..indexed]` is in the table; the rest was appended by
    /// `push_new` and is indexed by the next lookup that needs it (a bulk
    /// load whose round takes everything never needs it).
    indexed: usize,
}

/// A key's place in an `IdMap`, from `IdMap::find`.
#[derive(Debug)]
pub struct Spot {
    hash: u32,
    probe: Probe,
}

/// Where a lookup ended: the cell holding the key, or the cell to fill.
#[derive(Debug)]
enum Probe {
    Found { cell: usize, pos: usize },
    Vacant { cell: usize },
}

impl IdMap {
    pub fn new() -> IdMap {
        IdMap::default()
    }

    pub fn with_capacity(n: usize) -> IdMap {
        let mut m = IdMap::new();
        m.order.reserve(n);
        // Exactly enough: a bulk load of `n` never grows it.
        m.rehash(n * 4 / 3 + 8);
        m
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn clear(&mut self) {
        self.order.clear();
        self.table.clear();
        self.live = 0;
        self.used = 0;
        self.indexed = 0;
    }

    /// The ids in insertion order.
    pub fn ids(&self) -> impl Iterator<Item = Id> + '_ {
        self.order.iter().copied().filter(|&id| id != DEAD)
    }

    /// Take every id out, in insertion order, leaving the map empty (the
    /// references move to the caller).
    pub fn take_ids(&mut self) -> Vec<Id> {
        let mut ids = std::mem::take(&mut self.order);
        ids.retain(|&id| id != DEAD);
        self.clear();
        ids
    }

    /// Find `key` (hash `h`). `scratch` receives stored keys.
    fn probe(&self, store: &Store, key: &[u8], h: u32, scratch: &mut Vec<u8>) -> Probe {
        let len = self.table.len();
        let mut i = home(h, len);
        let mut first_tomb = None;
        for _ in 0..self.table.len() {
            let Some(&cell) = self.table.get(i) else { break };
            if cell == EMPTY {
                return Probe::Vacant { cell: first_tomb.unwrap_or(i) };
            }
            if cell == TOMB {
                first_tomb.get_or_insert(i);
            } else if (cell >> 32) as u32 == h {
                let pos = (cell & 0xffff_ffff) as usize;
                if let Some(&id) = self.order.get(pos) {
                    if store.key_into(id, scratch) && scratch.as_slice() == key {
                        return Probe::Found { cell: i, pos };
                    }
                }
            }
            i = next(i, len);
        }
        Probe::Vacant { cell: first_tomb.unwrap_or(usize::MAX) }
    }

    /// Append `id`, whose key the caller knows is absent, without
    /// touching the table.
    pub fn push_new(&mut self, id: Id) {
        self.order.push(id);
        self.live += 1;
    }

    /// Put the ids appended by `push_new` in the table.
    pub fn index(&mut self, store: &Store, scratch: &mut Vec<u8>) {
        while let Some(&id) = self.order.get(self.indexed) {
            let pos = self.indexed;
            self.indexed += 1;
            if id == DEAD || !store.key_into(id, scratch) {
                continue;
            }
            let h = hash32(scratch);
            if (self.used + 1) * 4 > self.table.len() * 3 {
                self.rehash(table_size(self.live + 1));
            }
            let len = self.table.len();
            let mut i = home(h, len);
            while self.table.get(i).is_some_and(|&c| c < TOMB) {
                i = next(i, len);
            }
            if let Some(c) = self.table.get_mut(i) {
                if *c == EMPTY {
                    self.used += 1;
                }
                *c = (h as u64) << 32 | pos as u64;
            }
        }
    }

    /// The id under `key`. Ids not indexed yet are compared one by one:
    /// call `index` first where that could be many.
    pub fn get(&self, store: &Store, key: &[u8], scratch: &mut Vec<u8>) -> Option<Id> {
        if self.live == 0 {
            return None;
        }
        if let Probe::Found { pos, .. } = self.probe(store, key, hash32(key), scratch) {
            return self.order.get(pos).copied();
        }
        let tail = self.order.get(self.indexed..).unwrap_or(&[]);
        tail.iter().copied().find(|&id| id != DEAD && store.key_into(id, scratch) && scratch.as_slice() == key)
    }

    /// `d[key] = id`: an existing key keeps its place; the id it held is
    /// returned (its reference moves to the caller).
    pub fn insert(&mut self, store: &Store, key: &[u8], id: Id, scratch: &mut Vec<u8>) -> Option<Id> {
        let spot = self.find(store, key, scratch);
        self.insert_at(spot, id)
    }

    /// Where `key` is or would go, for a later `insert_at` with no store
    /// change in between that touches this map: one probe where a caller
    /// looks a key up and then assigns it (the adj-rib-out's cache check).
    pub fn find(&mut self, store: &Store, key: &[u8], scratch: &mut Vec<u8>) -> Spot {
        self.index(store, scratch);
        let h = hash32(key);
        if (self.used + 1) * 4 > self.table.len() * 3 {
            self.rehash(table_size(self.live + 1));
        }
        Spot { hash: h, probe: self.probe(store, key, h, scratch) }
    }

    /// The id at `spot`, if the key was there.
    pub fn at(&self, spot: &Spot) -> Option<Id> {
        match spot.probe {
            Probe::Found { pos, .. } => self.order.get(pos).copied(),
            Probe::Vacant { .. } => None,
        }
    }

    /// `insert` at a `spot` from `find`.
    pub fn insert_at(&mut self, spot: Spot, id: Id) -> Option<Id> {
        let h = spot.hash;
        match spot.probe {
            Probe::Found { pos, .. } => self.order.get_mut(pos).map(|slot| std::mem::replace(slot, id)),
            Probe::Vacant { cell } => {
                let pos = self.order.len();
                if let Some(c) = self.table.get_mut(cell) {
                    if *c == EMPTY {
                        self.used += 1;
                    }
                    *c = (h as u64) << 32 | pos as u64;
                    self.order.push(id);
                    self.live += 1;
                    self.indexed = self.order.len();
                }
                None
            }
        }
    }

    /// `d.pop(key, None)` (the reference moves to the caller).
    pub fn remove(&mut self, store: &Store, key: &[u8], scratch: &mut Vec<u8>) -> Option<Id> {
        if self.live == 0 {
            return None;
        }
        self.index(store, scratch);
        let Probe::Found { cell, pos } = self.probe(store, key, hash32(key), scratch) else { return None };
        if let Some(c) = self.table.get_mut(cell) {
            *c = TOMB;
        }
        let id = self.order.get_mut(pos).map(|slot| std::mem::replace(slot, DEAD));
        self.live -= 1;
        let dead = self.order.len() - self.live;
        if dead > 32 && dead > self.live {
            self.compact();
        }
        id
    }

    /// Drop the removed positions and rebuild the table.
    fn compact(&mut self) {
        let mut remap = Vec::with_capacity(self.order.len());
        let mut next = 0u64;
        for &id in &self.order {
            remap.push(next);
            if id != DEAD {
                next += 1;
            }
        }
        self.order.retain(|&id| id != DEAD);
        self.indexed = self.order.len();
        for c in self.table.iter_mut() {
            if *c < TOMB {
                let pos = (*c & 0xffff_ffff) as usize;
                *c = (*c & !0xffff_ffff) | remap.get(pos).copied().unwrap_or(0);
            }
        }
        self.rehash(table_size(self.live));
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
}

/// Cells for `n` entries: 3/4 full at most, so `n` more fit before the
/// next growth doubles it (any size: cells are picked by multiplication).
fn table_size(n: usize) -> usize {
    n.max(8) * 8 / 3
}

/// The first cell for hash `h` in a table of `len` cells.
#[inline]
fn home(h: u32, len: usize) -> usize {
    ((h as u64 * len as u64) >> 32) as usize
}

/// Linear probing, wrapping around.
#[inline]
fn next(i: usize, len: usize) -> usize {
    if i + 1 >= len {
        0
    } else {
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::bgp::attribute::{Attributes, NextHop};
    use crate::bgp::nlri::{Inet, Nlri, Prefix};

    fn change(i: u32) -> Change {
        let prefix = Prefix::new(std::net::Ipv4Addr::from(0x0a00_0000 + (i << 8)).into(), 24).unwrap();
        Change::announce(
            Nlri::Inet(Inet { family: crate::bgp::iana::Family::IPV4_UNICAST, path_id: None, prefix }),
            NextHop::None,
            Rc::new(Attributes::new()),
        )
    }

    fn key(c: &Change) -> Vec<u8> {
        let mut k = Vec::new();
        c.key_bytes(&mut k);
        k
    }

    #[test]
    fn dict_semantics_and_refcounts() {
        let mut store = Store::default();
        let mut map = IdMap::new();
        let mut scratch = Vec::new();
        let mut ids = Vec::new();
        for i in 0..1000 {
            let c = change(i);
            let k = key(&c);
            let id = store.add(c);
            assert_eq!(map.insert(&store, &k, id, &mut scratch), None);
            ids.push(id);
        }
        assert_eq!(map.len(), 1000);
        // Re-assigning keeps the place.
        let again = change(0);
        let k0 = key(&again);
        let id = store.add(again);
        assert_eq!(map.insert(&store, &k0, id, &mut scratch), Some(ids[0]));
        store.release(ids[0]);
        assert_eq!(map.ids().next(), Some(id));
        // Removing most of them compacts and keeps the order and lookups.
        for i in 0..900 {
            let k = key(&change(i));
            let got = map.remove(&store, &k, &mut scratch).unwrap();
            store.release(got);
        }
        assert_eq!(map.len(), 100);
        assert_eq!(store.live(), 100);
        assert_eq!(map.ids().collect::<Vec<_>>(), ids[900..].to_vec());
        for i in 900..1000 {
            assert_eq!(map.get(&store, &key(&change(i)), &mut scratch), Some(ids[i as usize]));
        }
        assert_eq!(map.get(&store, &key(&change(5)), &mut scratch), None);
        // Back at the end once removed and re-inserted.
        let k = key(&change(900));
        let got = map.remove(&store, &k, &mut scratch).unwrap();
        assert_eq!(map.insert(&store, &k, got, &mut scratch), None);
        assert_eq!(map.ids().last(), Some(got));
        // Appended without the table: found all the same, then indexed.
        let mut lazy = IdMap::new();
        for i in 2000..2100 {
            let c = change(i);
            lazy.push_new(store.add(c));
        }
        let probe_key = key(&change(2050));
        assert!(lazy.get(&store, &probe_key, &mut scratch).is_some());
        let got = lazy.remove(&store, &probe_key, &mut scratch).unwrap();
        assert_eq!(lazy.len(), 99);
        assert_eq!(lazy.get(&store, &probe_key, &mut scratch), None);
        assert_eq!(lazy.insert(&store, &probe_key, got, &mut scratch), None);
        assert_eq!(lazy.ids().last(), Some(got));
        assert!(lazy.get(&store, &key(&change(2001)), &mut scratch).is_some());
        // Freed slots are reused.
        let fresh = store.add(change(7));
        assert!(fresh < 1000);
        assert_eq!(map.take_ids().len(), 100);
        assert!(map.is_empty());
    }
}
