//! An attribute we do not interpret, kept as raw bytes with its flags
//! (RFC 4271 §5: optional transitive attributes are passed on with the
//! Partial bit set, §9).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Generic {
    pub code: u8,
    pub flags: u8,
    pub data: Vec<u8>,
}

/// ExaBGP's text form: `0x` and lower-case hex.
impl fmt::Display for Generic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in &self.data {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_lower_case_hex() {
        let g = Generic { code: 99, flags: 0xe0, data: vec![0xab, 0x01] };
        assert_eq!(g.to_string(), "0xab01");
    }
}
