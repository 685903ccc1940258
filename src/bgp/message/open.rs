//! OPEN (RFC 4271 §4.2, RFC 5492, RFC 9072).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+
//! |    Version    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     My Autonomous System      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |           Hold Time           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                         BGP Identifier                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Opt Parm Len  |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |             Optional Parameters (variable)                    |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Only the version is checked while decoding; the AS, identifier and hold
//! time are checked by `capability::negotiate`, where ExaBGP checks them.

use std::fmt::Write;
use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use crate::bgp::capability::{Capabilities, KeyStyle};
use crate::bgp::notify::{code, subcode, Notify};

use super::undecodable;

/// RFC 6793 §9: the 2-octet AS placed in My-AS when ours does not fit.
pub const AS_TRANS: u16 = 23456;
pub const BGP_VERSION: u8 = 4;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Open {
    pub version: u8,
    /// Ours: the real AS (sent as AS_TRANS when above 65535). Received: the
    /// 2-octet My-AS field; the 4-octet AS is in the capabilities.
    pub asn: u32,
    pub hold_time: u16,
    pub router_id: Ipv4Addr,
    pub capabilities: Capabilities,
}

impl Open {
    /// Fixed part of the body, plus the Opt Parm Len octet.
    pub const MIN_LEN: usize = 10;

    pub fn new(asn: u32, hold_time: u16, router_id: Ipv4Addr, capabilities: Capabilities) -> Open {
        Open { version: BGP_VERSION, asn, hold_time, router_id, capabilities }
    }

    pub fn unpack(body: &[u8]) -> Result<Open, Notify> {
        if body.len() < Self::MIN_LEN - 1 {
            return Err(undecodable(1));
        }
        if body[0] != BGP_VERSION {
            // RFC 4271 §6.2: Unsupported Version Number (ExaBGP sends a sentence).
            let text = format!("version number: {}", body[0]);
            return Err(Notify::with_text(code::OPEN_MESSAGE, subcode::UNSUPPORTED_VERSION_NUMBER, &text));
        }
        let asn = u16::from_be_bytes([body[1], body[2]]) as u32;
        let hold_time = u16::from_be_bytes([body[3], body[4]]);
        let router_id = Ipv4Addr::new(body[5], body[6], body[7], body[8]);
        let capabilities = Capabilities::unpack(&body[9..])?;
        Ok(Open { version: body[0], asn, hold_time, router_id, capabilities })
    }

    /// The 2-octet My-AS field: AS_TRANS when the AS needs 4 octets (RFC 6793 §4.1).
    pub fn my_as(&self) -> u16 {
        u16::try_from(self.asn).unwrap_or(AS_TRANS)
    }

    pub fn pack_body(&self, out: &mut BytesMut) {
        out.put_u8(self.version);
        out.put_u16(self.my_as());
        out.put_u16(self.hold_time);
        out.put_slice(&self.router_id.octets());
        self.capabilities.pack(out);
    }

    /// `"open": { "version": 4, "asn": 65533, "hold_time": 180, "router_id": "10.0.0.2", "capabilities": { … } }`.
    /// ExaBGP keys the capabilities by name for an OPEN it sends and by code
    /// for one it receives.
    pub fn json(&self, out: &mut String, keys: KeyStyle) {
        let _ = write!(
            out,
            "\"open\": {{ \"version\": {}, \"asn\": {}, \"hold_time\": {}, \"router_id\": \"{}\", \"capabilities\": ",
            self.version, self.asn, self.hold_time, self.router_id
        );
        self.capabilities.json(out, keys);
        out.push_str(" }");
    }

    /// `open version 4 asn 65001 hold_time 9 router_id 1.1.1.1 capabilities [multiprotocol(ipv4 unicast), …]`
    pub fn text(&self, out: &mut String) {
        let _ = write!(
            out,
            "open version {} asn {} hold_time {} router_id {} capabilities [{}]",
            self.version,
            self.asn,
            self.hold_time,
            self.router_id,
            self.capabilities.to_string().to_lowercase()
        );
    }
}

/// ExaBGP's log line: `OPEN version=4 asn=23456 hold_time=180 router_id=… capabilities=[…]`
/// (the AS as it goes on the wire).
impl std::fmt::Display for Open {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OPEN version={} asn={} hold_time={} router_id={} capabilities=[{}]",
            self.version,
            self.my_as(),
            self.hold_time,
            self.router_id,
            self.capabilities
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::capability::LocalCapabilities;
    use crate::bgp::iana::Family;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    const HOSTNAME_BODY: &str = "04FFFD00B40A000002340206010400010001020641040000FFFD022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D";
    const SOFTWARE_BODY: &str = "04FFFD00B40A000002280206010400010001020641040000FFFD02164B14134578614247502F352E302E302D302B74657374";

    fn local() -> LocalCapabilities {
        LocalCapabilities {
            families: vec![Family::IPV4_UNICAST],
            local_as: 65533,
            asn4: true,
            ..Default::default()
        }
    }

    #[test]
    fn conf_hostname_is_built_and_round_trips() {
        let mut l = local();
        l.host_name = Some("my-host-name".into());
        l.domain_name = Some("my-domain-name.com".into());
        let open = Open::new(65533, 180, Ipv4Addr::new(10, 0, 0, 2), l.build());
        let mut out = BytesMut::new();
        open.pack_body(&mut out);
        assert_eq!(&out[..], &hex(HOSTNAME_BODY)[..]);
        let back = Open::unpack(&out).unwrap();
        let mut again = BytesMut::new();
        back.pack_body(&mut again);
        assert_eq!(again, out);
    }

    #[test]
    fn conf_cap_software_version_is_built_and_round_trips() {
        let mut l = local();
        l.software_version = Some("5.0.0-0+test".into());
        let open = Open::new(65533, 180, Ipv4Addr::new(10, 0, 0, 2), l.build());
        let mut out = BytesMut::new();
        open.pack_body(&mut out);
        assert_eq!(&out[..], &hex(SOFTWARE_BODY)[..]);
        let back = Open::unpack(&out).unwrap();
        let mut again = BytesMut::new();
        back.pack_body(&mut again);
        assert_eq!(again, out);
    }

    #[test]
    fn four_octet_as_goes_out_as_trans() {
        let mut l = local();
        l.local_as = 4_200_000_000;
        let open = Open::new(4_200_000_000, 180, Ipv4Addr::new(10, 0, 0, 2), l.build());
        let mut out = BytesMut::new();
        open.pack_body(&mut out);
        assert_eq!(&out[1..3], &AS_TRANS.to_be_bytes());
        let back = Open::unpack(&out).unwrap();
        assert_eq!(back.asn, AS_TRANS as u32);
        assert_eq!(back.capabilities.asn4(), Some(4_200_000_000));
        assert!(open.to_string().starts_with("OPEN version=4 asn=23456 hold_time=180 router_id=10.0.0.2 capabilities=[Multiprotocol(ipv4 unicast), ASN4(4200000000)"));
    }

    #[test]
    fn bad_version_is_2_1() {
        let mut body = hex(SOFTWARE_BODY);
        body[0] = 3;
        let e = Open::unpack(&body).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 1));
        assert_eq!(e.data, b"version number: 3");
    }

    #[test]
    fn renderings() {
        let open = Open::unpack(&hex(HOSTNAME_BODY)).unwrap();
        let mut s = String::new();
        open.json(&mut s, KeyStyle::Codes);
        assert_eq!(
            s,
            r#""open": { "version": 4, "asn": 65533, "hold_time": 180, "router_id": "10.0.0.2", "capabilities": { "1": { "name": "multiprotocol", "families": [ "ipv4/unicast" ] }, "65": { "name": "asn4", "asn4": 65533 }, "73": { "host-name": "my-host-name", "domain-name": "my-domain-name.com" } } }"#
        );
        s.clear();
        open.text(&mut s);
        assert_eq!(
            s,
            "open version 4 asn 65533 hold_time 180 router_id 10.0.0.2 capabilities [multiprotocol(ipv4 unicast), asn4(65533), hostname(my-host-name my-domain-name.com)]"
        );
    }

    #[test]
    fn bare_open_without_parameters_is_accepted() {
        let open = Open::unpack(&hex("04FDE900B40A00000200")).unwrap();
        assert!(open.capabilities.is_empty());
        assert!(Open::unpack(&hex("04FDE900B40A000002")).unwrap().capabilities.is_empty());
    }

    /// OPEN bodies generated at random and decoded by the reference
    /// implementation (testdata/open-reference.txt: `hex|ok|json|text`,
    /// `hex|err|code|subcode|data-hex` or `hex|exc|<python exception>`).
    #[test]
    fn agrees_with_the_reference_on_generated_opens() {
        let corpus = include_str!("testdata/open-reference.txt");
        let mut checked = 0;
        for line in corpus.lines() {
            let mut f = line.splitn(5, '|');
            let body = hex(f.next().unwrap());
            let got = Open::unpack(&body);
            match f.next().unwrap() {
                "ok" => {
                    let open = got.unwrap_or_else(|e| panic!("{line}: {e}"));
                    let mut js = String::new();
                    open.json(&mut js, KeyStyle::Codes);
                    let expected = f.next().unwrap();
                    // ExaBGP does not escape strings; we do (valid JSON).
                    if !expected.contains('\\') {
                        assert_eq!(js, expected, "{line}");
                    }
                    let mut text = String::new();
                    open.text(&mut text);
                    assert_eq!(text, f.next().unwrap(), "{line}");
                }
                "err" => {
                    let e = got.expect_err(line);
                    let code: u8 = f.next().unwrap().parse().unwrap();
                    let subcode: u8 = f.next().unwrap().parse().unwrap();
                    assert_eq!((e.code, e.subcode), (code, subcode), "{line}");
                    assert_eq!(e.data, hex(f.next().unwrap()), "{line}");
                }
                _ => {
                    // A Python exception: ExaBGP answers 1/0. An OPEN without
                    // optional parameters is accepted here on purpose.
                    if body.len() <= Open::MIN_LEN {
                        continue;
                    }
                    let e = got.expect_err(line);
                    assert_eq!((e.code, e.subcode), (1, 0), "{line}");
                    assert_eq!(e.data, b"can not decode update message of type \"1\"");
                }
            }
            checked += 1;
        }
        assert!(checked > 300);
    }
}
