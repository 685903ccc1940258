//! Graceful restart capability, code 64 (RFC 4724 §3).
//!
//! ```text
//! +--------------------------------------------------+
//! | Restart Flags (4 bits) | Restart Time (12 bits)  |
//! +--------------------------------------------------+
//! | AFI (16 bits) | SAFI (8 bits) | AF Flags (8 bits)|   repeated
//! +--------------------------------------------------+
//! ```

use std::fmt::{self, Write};

use crate::bgp::iana::{Afi, Family, Safi};
use crate::bgp::notify::Notify;

use super::undecodable;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graceful {
    /// The four restart flag bits (0x8 is R, "restarting").
    pub restart_flags: u8,
    /// Seconds, 12 bits.
    pub restart_time: u16,
    /// Per family, the AF flags keeping only the forwarding bit (0x80), as
    /// ExaBGP does; a repeated family replaces its flags in place.
    pub families: Vec<(Family, u8)>,
}

impl Graceful {
    /// RFC 4724 §3: the "Restart State" (R) bit.
    pub const RESTART_STATE: u8 = 0x08;
    /// RFC 4724 §3: the "Forwarding State" (F) bit.
    pub const FORWARDING_STATE: u8 = 0x80;
    pub const TIME_MASK: u16 = 0x0FFF;

    /// What ExaBGP announces: forwarding state kept for every configured family.
    pub fn new(restarted: bool, time: u16, families: &[Family]) -> Graceful {
        let mut g = Graceful {
            restart_flags: if restarted { Self::RESTART_STATE } else { 0 },
            restart_time: time & Self::TIME_MASK,
            families: Vec::new(),
        };
        for f in families {
            g.set_family(*f, Self::FORWARDING_STATE);
        }
        g
    }

    fn set_family(&mut self, family: Family, flags: u8) {
        let flags = flags & Self::FORWARDING_STATE;
        match self.families.iter_mut().find(|(f, _)| *f == family) {
            Some(entry) => entry.1 = flags,
            None => self.families.push((family, flags)),
        }
    }

    /// Apply one received value (a second code-64 capability updates the first).
    pub fn merge(&mut self, data: &[u8]) -> Result<(), Notify> {
        let (head, mut rest) = match data {
            [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
            _ => return Err(undecodable()),
        };
        self.restart_flags = (head >> 12) as u8;
        self.restart_time = head & Self::TIME_MASK;
        while !rest.is_empty() {
            match rest {
                [a, b, s, flags, tail @ ..] => {
                    self.set_family(Family::new(Afi(u16::from_be_bytes([*a, *b])), Safi(*s)), *flags);
                    rest = tail;
                }
                _ => return Err(undecodable()),
            }
        }
        Ok(())
    }

    pub fn value(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(2 + 4 * self.families.len());
        let head = ((self.restart_flags as u16) << 12) | (self.restart_time & Self::TIME_MASK);
        v.extend_from_slice(&head.to_be_bytes());
        for (f, flags) in &self.families {
            v.extend_from_slice(&f.afi.0.to_be_bytes());
            v.push(f.safi.0);
            v.push(*flags);
        }
        v
    }

    /// ExaBGP's rendering, whose labels are swapped: the per-family forwarding
    /// bit shows as `"restart"` and the R flag as `"forwarding"`.
    ///
    /// `{ "name": "graceful restart", "time": 120, "address-family-flags": { "ipv4/unicast": [ "restart" ] }, "restart-flags": [ "forwarding" ]  }`
    pub fn json(&self, out: &mut String) {
        let _ = write!(out, "{{ \"name\": \"graceful restart\", \"time\": {}, \"address-family-flags\": {{ ", self.restart_time);
        for (i, (f, flags)) in self.families.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let mark = if flags & Self::FORWARDING_STATE != 0 { " \"restart\"" } else { "" };
            let _ = write!(out, "\"{}/{}\": [{} ] ", f.afi, f.safi, mark);
        }
        out.push_str("}, \"restart-flags\": [");
        out.push_str(if self.restart_flags & Self::RESTART_STATE != 0 { " \"forwarding\" " } else { " " });
        out.push_str("]  }");
    }
}

impl fmt::Display for Graceful {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graceful Restart Flags {:#x} Time {} ", self.restart_flags, self.restart_time)?;
        for (i, (fam, flags)) in self.families.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}/{}={:#x}", fam.afi, fam.safi, flags)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_renderings() {
        let bytes = [0x80, 0x78, 0, 1, 1, 0x80, 0, 2, 1, 0x00];
        let mut g = Graceful::default();
        g.merge(&bytes).unwrap();
        assert_eq!(g.restart_flags, 8);
        assert_eq!(g.restart_time, 120);
        assert_eq!(g.value(), bytes.to_vec());
        let mut s = String::new();
        g.json(&mut s);
        assert_eq!(
            s,
            r#"{ "name": "graceful restart", "time": 120, "address-family-flags": { "ipv4/unicast": [ "restart" ] , "ipv6/unicast": [ ] }, "restart-flags": [ "forwarding" ]  }"#
        );
        assert_eq!(g.to_string(), "Graceful Restart Flags 0x8 Time 120 ipv4/unicast=0x80 ipv6/unicast=0x0");
    }

    #[test]
    fn live_sample_shape() {
        let g = Graceful::new(false, 120, &[Family::IPV4_UNICAST]);
        let mut s = String::new();
        g.json(&mut s);
        assert_eq!(
            s,
            r#"{ "name": "graceful restart", "time": 120, "address-family-flags": { "ipv4/unicast": [ "restart" ] }, "restart-flags": [ ]  }"#
        );
        assert_eq!(g.value(), vec![0x00, 0x78, 0, 1, 1, 0x80]);
    }

    #[test]
    fn malformed() {
        let mut g = Graceful::default();
        assert!(g.merge(&[0x00]).is_err());
        assert!(g.merge(&[0x00, 0x10, 0, 1, 1]).is_err());
        g.merge(&[0x00, 0x10]).unwrap();
        assert!(g.families.is_empty());
    }
}
