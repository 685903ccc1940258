//! An insertion-ordered map with Python `dict` semantics: assigning to an
//! existing key keeps its place, removing and re-inserting moves it to the
//! end. ExaBGP's UPDATE order follows its dicts, so ours must too.
//!
//! Values live in a `Vec` (tombstones on removal, compacted when they
//! outnumber the live entries); the `HashMap` maps key to slot, so each key
//! is stored once.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// `S`: the hasher; SipHash by default (keys from peers), the adj-rib-out
/// uses `super::fxhash::FxBuildHasher` (keys from us).
#[derive(Clone, Debug)]
pub struct OrderedMap<K, V, S = RandomState> {
    slots: Vec<Option<V>>,
    index: HashMap<K, usize, S>,
}

impl<K, V, S: Default> Default for OrderedMap<K, V, S> {
    fn default() -> Self {
        OrderedMap { slots: Vec::new(), index: HashMap::default() }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher + Default> OrderedMap<K, V, S> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.index.get(key).and_then(|&i| self.slots.get(i)).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        match self.index.get(key) {
            Some(&i) => self.slots.get_mut(i).and_then(Option::as_mut),
            None => None,
        }
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.index.contains_key(key)
    }

    /// `d[key] = value`: an existing key keeps its position.
    pub fn insert(&mut self, key: K, value: V) {
        // One hash per insert: this is the hot path of a bulk load.
        match self.index.entry(key) {
            Entry::Occupied(e) => {
                if let Some(slot) = self.slots.get_mut(*e.get()) {
                    *slot = Some(value);
                }
            }
            Entry::Vacant(e) => {
                e.insert(self.slots.len());
                self.slots.push(Some(value));
            }
        }
    }

    /// `d.setdefault(key, make())`: the slot of the value, for `slot_mut`.
    pub fn slot_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> usize {
        match self.index.entry(key) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let i = self.slots.len();
                e.insert(i);
                self.slots.push(Some(make()));
                i
            }
        }
    }

    /// The value in `slot`. Slots stay valid until the map is cleared,
    /// drained or has an entry removed.
    pub fn slot_mut(&mut self, slot: usize) -> Option<&mut V> {
        self.slots.get_mut(slot).and_then(Option::as_mut)
    }

    /// `d.pop(key, None)`.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.index.remove(key)?;
        let value = self.slots.get_mut(i).and_then(Option::take);
        self.maybe_compact();
        value
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.index.clear();
    }

    /// Live values in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.slots.iter().filter_map(Option::as_ref)
    }

    /// Live values in insertion order, mutable.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.slots.iter_mut().filter_map(Option::as_mut)
    }

    /// Take every value out, in insertion order, leaving the map empty.
    pub fn drain_values(&mut self) -> impl Iterator<Item = V> {
        self.index.clear();
        std::mem::take(&mut self.slots).into_iter().flatten()
    }

    /// Slots are dense again when tombstones outnumber live entries.
    fn maybe_compact(&mut self) {
        let live = self.index.len();
        let dead = self.slots.len() - live;
        if dead <= 32 || dead <= live {
            return;
        }
        let mut remap = vec![usize::MAX; self.slots.len()];
        let mut next = 0;
        for (old, slot) in self.slots.iter().enumerate() {
            if slot.is_some() {
                remap[old] = next;
                next += 1;
            }
        }
        self.slots.retain(Option::is_some);
        for i in self.index.values_mut() {
            *i = remap.get(*i).copied().unwrap_or(usize::MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dict_order() {
        let mut m: OrderedMap<_, _> = OrderedMap::new();
        m.insert("a", 1);
        m.insert("b", 2);
        m.insert("c", 3);
        m.insert("a", 4); // keeps its place
        assert_eq!(m.values().copied().collect::<Vec<_>>(), vec![4, 2, 3]);
        assert_eq!(m.remove(&"a"), Some(4));
        m.insert("a", 5); // back at the end
        assert_eq!(m.values().copied().collect::<Vec<_>>(), vec![2, 3, 5]);
        assert_eq!(m.get(&"b"), Some(&2));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn compaction_keeps_order_and_lookups() {
        let mut m: OrderedMap<_, _> = OrderedMap::new();
        for i in 0..1000u32 {
            m.insert(i, i);
        }
        for i in 0..900u32 {
            assert_eq!(m.remove(&i), Some(i));
        }
        assert_eq!(m.len(), 100);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), (900..1000).collect::<Vec<_>>());
        for i in 900..1000u32 {
            assert_eq!(m.get(&i), Some(&i));
        }
        let slot = m.slot_or_insert_with(5, || 0);
        *m.slot_mut(slot).unwrap() += 7;
        assert_eq!(m.get(&5), Some(&7));
        assert_eq!(m.slot_or_insert_with(5, || 100), slot);
        assert_eq!(m.drain_values().count(), 101);
        assert!(m.is_empty());
    }
}
