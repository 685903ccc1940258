//! A fast, non-cryptographic hasher (the multiply-rotate scheme of rustc's
//! FxHash) for the RIB's maps. Route keys come from our own configuration
//! and helpers, not from peers, so SipHash's flooding resistance buys
//! nothing there and costs a large share of a bulk load.

use std::hash::{BuildHasher, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Clone, Copy, Debug, Default)]
pub struct FxBuildHasher;

impl BuildHasher for FxBuildHasher {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher { hash: 0 }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length tells "ab" from "ab\0".
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64)
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i as u64)
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64)
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i)
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64)
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The 32-bit hash of a route key for `super::store::IdMap` (the high half:
/// the multiply mixes the input into those bits best).
#[inline]
pub fn hash32(bytes: &[u8]) -> u32 {
    let mut h = FxHasher::default();
    h.write(bytes);
    // A final avalanche (MurmurHash3's fmix64): the table probes on these
    // bits and compares them before any key, so every input bit must count.
    let mut x = h.finish() ^ bytes.len() as u64;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    (x >> 32) as u32
}

pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_inputs_distinct_hashes() {
        let mut seen = std::collections::HashSet::new();
        for a in 0..=255u8 {
            for len in 1..=12usize {
                let mut key = vec![0u8; len];
                key[len - 1] = a;
                assert!(seen.insert(hash32(&key)), "{key:?}");
            }
        }
        assert_ne!(hash32(b"ab"), hash32(b"ab\0"));
        let mut m: FxHashMap<u32, u32> = FxHashMap::default();
        m.insert(1, 2);
        assert_eq!(m.get(&1), Some(&2));
    }
}
