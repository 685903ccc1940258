//! NOTIFICATION received from the peer (RFC 4271 §4.5), with the RFC 8203 /
//! RFC 9003 shutdown communication of Cease 2 and 4 decoded the way ExaBGP
//! reports it. One we send is a `crate::bgp::notify::Notify`.
//!
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! | Error code    | Error subcode |   Data (variable)             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use std::fmt::{self, Write};

use bytes::{BufMut, BytesMut};

use crate::bgp::notify::{code_name, is_shutdown_communication, subcode_name, Notify};

/// ExaBGP refuses shutdown communications longer than RFC 8203's 128 octets,
/// although RFC 9003 §2 allows 255.
pub const SHUTDOWN_COMMUNICATION_MAX: usize = 128;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub code: u8,
    pub subcode: u8,
    /// The data octets as they were on the wire.
    pub raw: Vec<u8>,
    /// The data as ExaBGP shows it: for a received Cease 2/4, a sentence about
    /// the shutdown communication; otherwise the raw octets.
    pub data: Vec<u8>,
}

impl Notification {
    pub fn unpack(body: &[u8]) -> Result<Notification, Notify> {
        match body {
            [code, subcode, raw @ ..] => Ok(Notification {
                code: *code,
                subcode: *subcode,
                raw: raw.to_vec(),
                data: shown_data(*code, *subcode, raw),
            }),
            _ => Err(crate::bgp::framing::bad_length(3, crate::bgp::framing::HEADER_LEN + body.len())),
        }
    }

    /// A NOTIFICATION we send, for the API: its data is shown as is.
    pub fn from_notify(n: &Notify) -> Notification {
        Notification { code: n.code, subcode: n.subcode, raw: n.data.clone(), data: n.data.clone() }
    }

    pub fn pack_body(&self, out: &mut BytesMut) {
        out.put_u8(self.code);
        out.put_u8(self.subcode);
        out.put_slice(&self.raw);
    }

    /// `"notification": { "code": 6, "subcode": 2, "data": "0x…", "message": "…" } `
    /// (ExaBGP's trailing space included). ExaBGP does not escape `message`;
    /// here it is a proper JSON string, invalid UTF-8 replaced.
    pub fn json(&self, out: &mut String) {
        let _ = write!(out, "\"notification\": {{ \"code\": {}, \"subcode\": {}, \"data\": \"", self.code, self.subcode);
        crate::json::hex_0x(out, &self.data);
        out.push_str("\", \"message\": ");
        crate::json::string(out, &String::from_utf8_lossy(&self.data));
        out.push_str(" } ");
    }

    /// `notification code 6 subcode 2 data 0x…`
    pub fn text(&self, out: &mut String) {
        let _ = write!(out, "notification code {} subcode {} data ", self.code, self.subcode);
        crate::json::hex_0x(out, &self.data);
    }
}

/// ExaBGP's log form: `Cease / Administrative Shutdown / Shutdown Communication: "…"`.
impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = subcode_name(self.code, self.subcode).unwrap_or("unknow reason");
        write!(f, "{} / {}", code_name(self.code), sub)?;
        if !self.data.is_empty() {
            write!(f, " / {}", String::from_utf8_lossy(&self.data))?;
        }
        Ok(())
    }
}

fn hex(data: &[u8]) -> String {
    let mut s = String::new();
    crate::json::hex_0x(&mut s, data);
    s
}

/// RFC 9003 §2: a length octet, then that many octets of UTF-8.
fn shown_data(code: u8, subcode: u8, raw: &[u8]) -> Vec<u8> {
    if !is_shutdown_communication(code, subcode) {
        return raw.to_vec();
    }
    let (len, rest) = match raw.split_first() {
        // Shutdown without a communication, the old way.
        None => return Vec::new(),
        Some((len, rest)) => (*len as usize, rest),
    };
    if len == 0 {
        return b"empty Shutdown Communication.".to_vec();
    }
    if rest.len() < len {
        return format!("invalid Shutdown Communication (buffer underrun) length : {len} [{}]", hex(rest)).into_bytes();
    }
    if len > SHUTDOWN_COMMUNICATION_MAX {
        return format!("invalid Shutdown Communication (too large) length : {len} [{}]", hex(rest)).into_bytes();
    }
    let text = match std::str::from_utf8(&rest[..len]) {
        Ok(t) => t.replace(['\r', '\n'], " "),
        Err(_) => {
            return format!("invalid Shutdown Communication (invalid UTF-8) length : {len} [{}]", hex(rest)).into_bytes()
        }
    };
    let mut shown = format!("Shutdown Communication: \"{text}\"");
    let trailer = &rest[len..];
    if !trailer.is_empty() {
        shown.push_str(", trailing data: ");
        shown.push_str(&hex(trailer));
    }
    shown.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(body: &[u8]) -> Notification {
        Notification::unpack(body).unwrap()
    }

    #[test]
    fn round_trip() {
        for body in [&b"\x06\x04\x14Administrative Reset"[..], b"\x01\x00can not", b"\x04\x00"] {
            let mut out = BytesMut::new();
            n(body).pack_body(&mut out);
            assert_eq!(&out[..], body);
        }
    }

    #[test]
    fn shutdown_communication_forms() {
        assert_eq!(n(b"\x06\x02\x05hello").data, b"Shutdown Communication: \"hello\"");
        assert_eq!(n(b"\x06\x02\x03a\r\nb").data, b"Shutdown Communication: \"a  \", trailing data: 0x62");
        assert_eq!(n(b"\x06\x04").data, b"");
        assert_eq!(n(b"\x06\x04\x00").data, b"empty Shutdown Communication.");
        assert_eq!(n(b"\x06\x02\x05ab").data, b"invalid Shutdown Communication (buffer underrun) length : 5 [0x6162]");
        let mut big = vec![6u8, 2, 129];
        big.extend_from_slice(&[b'a'; 129]);
        assert!(n(&big).data.starts_with(b"invalid Shutdown Communication (too large) length : 129 [0x6161"));
        assert_eq!(n(b"\x06\x02\x01\xff").data, b"invalid Shutdown Communication (invalid UTF-8) length : 1 [0xFF]");
        // Other codes are kept raw.
        assert_eq!(n(b"\x06\x03\x01\xff").data, b"\x01\xff");
    }

    #[test]
    fn renderings() {
        let x = n(b"\x06\x04\x14Administrative Reset");
        let mut s = String::new();
        x.json(&mut s);
        assert_eq!(
            s,
            r#""notification": { "code": 6, "subcode": 4, "data": "0x53687574646F776E20436F6D6D756E69636174696F6E3A202241646D696E69737472617469766520526573657422", "message": "Shutdown Communication: \"Administrative Reset\"" } "#
        );
        s.clear();
        x.text(&mut s);
        assert!(s.starts_with("notification code 6 subcode 4 data 0x5368"));
        assert_eq!(x.to_string(), "Cease / Administrative Reset / Shutdown Communication: \"Administrative Reset\"");
        let sent = Notification::from_notify(&Notify::cease(4));
        s.clear();
        sent.json(&mut s);
        assert_eq!(
            s,
            r#""notification": { "code": 6, "subcode": 4, "data": "0x1441646D696E697374726174697665205265736574", "message": "\u0014Administrative Reset" } "#
        );
    }

    #[test]
    fn too_short() {
        let e = Notification::unpack(&[6]).unwrap_err();
        assert_eq!((e.code, e.subcode), (1, 2));
    }
}
