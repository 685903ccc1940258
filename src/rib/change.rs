//! `Change`: one route the RIB holds (ExaBGP's `rib/change.py`), and the
//! keys the RIB files it under.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::bgp::attribute::{Attributes, NextHop};
use crate::bgp::iana::Family;
use crate::bgp::message::update::{Action, RouteRef};
use crate::bgp::nlri::Nlri;

/// A route with its next-hop, attributes (shared: thousands of routes point
/// at one set) and whether it is announced or withdrawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub nlri: Nlri,
    pub nexthop: NextHop,
    pub attributes: Rc<Attributes>,
    pub action: Action,
}

impl Change {
    pub fn new(nlri: Nlri, nexthop: NextHop, attributes: Rc<Attributes>, action: Action) -> Change {
        Change { nlri, nexthop, attributes, action }
    }

    pub fn announce(nlri: Nlri, nexthop: NextHop, attributes: Rc<Attributes>) -> Change {
        Change::new(nlri, nexthop, attributes, Action::Announce)
    }

    pub fn withdraw(nlri: Nlri, nexthop: NextHop, attributes: Rc<Attributes>) -> Change {
        Change::new(nlri, nexthop, attributes, Action::Withdraw)
    }

    pub fn family(&self) -> Family {
        self.nlri.family()
    }

    /// The RIB key (ExaBGP's `Change.index()`: family then `nlri.index()`),
    /// built in `scratch` so that no allocation happens for short keys.
    pub fn key(&self, scratch: &mut Vec<u8>) -> RouteKey {
        scratch.clear();
        self.nlri.index(scratch);
        RouteKey::new(scratch)
    }

    /// The RIB key's bytes in `out` (cleared first): what `key` wraps.
    pub fn key_bytes(&self, out: &mut Vec<u8>) {
        out.clear();
        self.nlri.index(out);
    }

    pub fn route_ref(&self) -> RouteRef<'_> {
        RouteRef { nlri: &self.nlri, nexthop: &self.nexthop, action: self.action }
    }
}

/// Longest key kept inline: ipv6 with path-id and a label stack fit.
const INLINE: usize = 38;

/// A route's RIB key. Unicast and VPN keys (the million-route case) are
/// stored inline; longer ones (flow, BGP-LS) go to the heap.
#[derive(Clone)]
pub enum RouteKey {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl RouteKey {
    pub fn new(key: &[u8]) -> RouteKey {
        if key.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..key.len()].copy_from_slice(key);
            RouteKey::Inline { len: key.len() as u8, bytes }
        } else {
            RouteKey::Heap(key.into())
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            RouteKey::Inline { len, bytes } => bytes.get(..*len as usize).unwrap_or(&[]),
            RouteKey::Heap(b) => b,
        }
    }
}

impl PartialEq for RouteKey {
    fn eq(&self, other: &RouteKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for RouteKey {}

impl Hash for RouteKey {
    // Only the bytes in use: hashing the whole inline array would cost
    // more than the lookup.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.as_bytes())
    }
}

impl fmt::Debug for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Attributes as a map key, compared by value (ExaBGP's
/// `attributes.index()`); hashing is skipped when the caller hands the same
/// `Rc` again (see `AdjRibOut`'s last-bucket shortcut).
#[derive(Clone, Debug)]
pub struct AttrKey(pub Rc<Attributes>);

impl PartialEq for AttrKey {
    fn eq(&self, other: &AttrKey) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for AttrKey {}

impl Hash for AttrKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_inline_and_heap() {
        let short = RouteKey::new(&[0, 1, 1, 0, 24, 10, 0, 0]);
        assert!(matches!(short, RouteKey::Inline { len: 8, .. }));
        assert_eq!(short.as_bytes(), &[0, 1, 1, 0, 24, 10, 0, 0]);
        assert_eq!(short, RouteKey::new(&[0, 1, 1, 0, 24, 10, 0, 0]));
        assert_ne!(short, RouteKey::new(&[0, 1, 1, 0, 24, 10, 0]));
        let long = RouteKey::new(&[7u8; 60]);
        assert!(matches!(long, RouteKey::Heap(_)));
        assert_eq!(long.as_bytes(), &[7u8; 60][..]);
        assert_eq!(format!("{short:?}"), "00010100180a0000");
    }

    #[test]
    fn attr_key_by_value() {
        let a = AttrKey(Rc::new(Attributes::new()));
        let b = AttrKey(Rc::new(Attributes::new()));
        assert_eq!(a, b);
    }
}
