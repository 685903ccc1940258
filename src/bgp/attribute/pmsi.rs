//! PMSI_TUNNEL (RFC 6514 §5): optional transitive.
//!
//! ```text
//! +-------+-------------+-----------------+------------------+
//! | flags | tunnel type | MPLS label (3)  | tunnel id (var)  |
//! +-------+-------------+-----------------+------------------+
//! ```

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code, subcode, Notify};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pmsi {
    pub flags: u8,
    pub tunnel_type: u8,
    /// The three label octets as received (label << 4 | TC/S bits).
    pub raw_label: u32,
    pub tunnel: Vec<u8>,
}

impl Pmsi {
    pub const NO_TUNNEL: u8 = 0;
    pub const INGRESS_REPLICATION: u8 = 6;

    pub fn unpack(data: &[u8]) -> Result<Pmsi, Notify> {
        let [flags, tunnel_type, a, b, c, tunnel @ ..] = data else {
            return Err(Notify::with_data(code::UPDATE_MESSAGE, subcode::ATTRIBUTE_LENGTH_ERROR, data));
        };
        Ok(Pmsi {
            flags: *flags,
            tunnel_type: *tunnel_type,
            raw_label: u32::from_be_bytes([0, *a, *b, *c]),
            tunnel: tunnel.to_vec(),
        })
    }

    pub fn pack(&self, out: &mut BytesMut) {
        out.put_u8(self.flags);
        out.put_u8(self.tunnel_type);
        out.put_slice(&self.raw_label.to_be_bytes()[1..]);
        out.put_slice(&self.tunnel);
    }

    pub fn label(&self) -> u32 {
        self.raw_label >> 4
    }

    fn type_name(&self) -> &'static str {
        match self.tunnel_type {
            0 => "notunnel",
            1 => "rsvp-tep2mplsp",
            2 => "mldpp2mplsp",
            3 => "pim-ssmtree",
            4 => "pim-smtree",
            5 => "bidir-pimtree",
            6 => "ingressreplication",
            7 => "mldpmp2mplsp",
            _ => "unknown",
        }
    }
}

/// `pmsi:<type>:<flags>:<label>:<tunnel>`, ExaBGP's string for text and JSON.
impl fmt::Display for Pmsi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pmsi:{}:{}:", self.type_name(), self.flags)?;
        if self.raw_label != 0 {
            write!(f, "{}({})", self.label(), self.raw_label)?;
        } else {
            f.write_str("0")?;
        }
        f.write_str(":")?;
        match (self.tunnel_type, self.tunnel.len()) {
            (Pmsi::NO_TUNNEL, _) | (_, 0) => Ok(()),
            (Pmsi::INGRESS_REPLICATION, 4) => {
                let t = &self.tunnel;
                write!(f, "{}", Ipv4Addr::new(t[0], t[1], t[2], t[3]))
            }
            (Pmsi::INGRESS_REPLICATION, 16) => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&self.tunnel);
                write!(f, "{}", Ipv6Addr::from(a))
            }
            _ => {
                f.write_str("0x")?;
                for b in &self.tunnel {
                    write!(f, "{b:02X}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_ingress_replication() {
        let wire = [0u8, 6, 0, 0x64, 0x01, 10, 0, 0, 1];
        let p = Pmsi::unpack(&wire).unwrap();
        let mut out = BytesMut::new();
        p.pack(&mut out);
        assert_eq!(&out[..], &wire);
        assert_eq!(p.to_string(), "pmsi:ingressreplication:0:1600(25601):10.0.0.1");
        assert!(Pmsi::unpack(&[0, 6, 0]).is_err());
    }
}
