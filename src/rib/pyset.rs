//! The iteration order of a Python `set` of `(afi, safi)` tuples.
//!
//! ExaBGP walks families through sets when it re-sends the adj-rib-out
//! (`resend`, `withdraw`, the re-advertisement after a reconnect) and when it
//! frames a refresh with BoRR/EoRR, so the order of those messages is the
//! order of CPython's hash table (CPython 3.8+ tuple hash, `setobject.c`
//! probing). Families are small ints, whose hash is their value.

use crate::bgp::iana::Family;

const XXPRIME_1: u64 = 11400714785074694791;
const XXPRIME_2: u64 = 14029467366897019727;
const XXPRIME_5: u64 = 2870177450012600261;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;
const MINSIZE: usize = 8;

/// CPython's `hash((afi, safi))` on a 64-bit build.
fn tuple_hash(f: Family) -> u64 {
    let mut acc = XXPRIME_5;
    for lane in [f.afi.0 as u64, f.safi.0 as u64] {
        acc = acc.wrapping_add(lane.wrapping_mul(XXPRIME_2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(XXPRIME_1);
    }
    acc = acc.wrapping_add(2u64 ^ (XXPRIME_5 ^ 3527539));
    if acc == u64::MAX {
        return 1546275796;
    }
    acc
}

/// Insert into `table` (no duplicate check: callers add distinct keys).
fn insert_clean(table: &mut [Option<(Family, u64)>], f: Family, hash: u64) {
    let mask = table.len() - 1;
    let mut perturb = hash;
    let mut i = (hash as usize) & mask;
    loop {
        if table[i].is_none() {
            table[i] = Some((f, hash));
            return;
        }
        if i + LINEAR_PROBES <= mask {
            for j in 1..=LINEAR_PROBES {
                if table[i + j].is_none() {
                    table[i + j] = Some((f, hash));
                    return;
                }
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb as usize)) & mask;
    }
}

/// The order in which a set built by adding `items` (in this order) yields
/// them. Duplicates are dropped.
pub fn set_order(items: impl IntoIterator<Item = Family>) -> Vec<Family> {
    let mut table: Vec<Option<(Family, u64)>> = vec![None; MINSIZE];
    let mut used = 0usize;
    for f in items {
        if table.iter().flatten().any(|(g, _)| *g == f) {
            continue;
        }
        insert_clean(&mut table, f, tuple_hash(f));
        used += 1;
        let mask = table.len() - 1;
        // setobject.c: grow once the table is 3/5 full, to 4x the entries.
        if used * 5 >= mask * 3 {
            let mut size = MINSIZE;
            while size <= used * 4 {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for (g, h) in old.into_iter().flatten() {
                insert_clean(&mut table, g, h);
            }
        }
    }
    table.into_iter().flatten().map(|(f, _)| f).collect()
}

/// `set(requested).intersection(known)`, in set order: the families of
/// `requested` that are in `known`.
pub fn intersection(requested: &[Family], known: &[Family]) -> Vec<Family> {
    set_order(requested.iter().copied().filter(|f| known.contains(f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::iana::{Afi, Safi};

    #[test]
    fn hash_matches_cpython() {
        // python3 -c 'print(hash((1, 1)))' on 64-bit CPython 3.8+
        assert_eq!(tuple_hash(Family::new(Afi(1), Safi(1))) as i64, 8389048192121911274);
    }

    #[test]
    fn collisions_depend_on_insertion_order() {
        // (2, 1) and (1, 133) share slot 5 of an 8-slot table; CPython 3.11
        // `s = set(); s.add(x) ...` gives these orders.
        let v4 = Family::IPV4_UNICAST;
        let v6 = Family::IPV6_UNICAST;
        let flow = Family::IPV4_FLOW;
        assert_eq!(set_order([v4, v6, flow]), vec![flow, v4, v6]);
        assert_eq!(set_order([flow, v6, v4]), vec![v4, v6, flow]);
        assert_eq!(set_order([v4, v4]), vec![v4]);
    }

    fn fam(list: &[(u16, u8)]) -> Vec<Family> {
        list.iter().map(|&(a, s)| Family::new(Afi(a), Safi(s))).collect()
    }

    #[test]
    fn order_matches_cpython_with_resizes() {
        // list(set(fs)) printed by CPython 3.11.
        let fs = fam(&[
            (1, 1),
            (2, 1),
            (1, 2),
            (2, 2),
            (1, 4),
            (2, 4),
            (1, 128),
            (2, 128),
            (1, 133),
            (2, 133),
            (1, 134),
            (2, 134),
            (25, 65),
            (25, 70),
            (1, 132),
            (1, 5),
            (2, 5),
            (16388, 71),
            (16388, 72),
            (1, 85),
            (2, 85),
        ]);
        let expected = fam(&[
            (16388, 72),
            (2, 2),
            (2, 5),
            (25, 65),
            (1, 128),
            (1, 134),
            (2, 133),
            (1, 85),
            (16388, 71),
            (2, 4),
            (1, 2),
            (2, 1),
            (1, 5),
            (25, 70),
            (1, 133),
            (1, 1),
            (1, 4),
            (2, 128),
            (1, 132),
            (2, 134),
            (2, 85),
        ]);
        assert_eq!(set_order(fs.iter().copied()), expected);
        assert_eq!(set_order(fs.iter().rev().copied()), expected);
        assert_eq!(set_order(fs[..5].iter().copied()), fam(&[(1, 2), (2, 1), (1, 1), (1, 4), (2, 2)]));
        assert_eq!(intersection(&fs[..5], &fs[1..3]), fam(&[(1, 2), (2, 1)]));
    }
}
