//! Row identities: the (rrname, rrtype, rdata, bailiwick) of an RR row and the
//! (qname, qtype, rcode) of a negative row, packed into one byte string each.
//!
//! The packed form is what the aggregation cache hashes and what batches carry, so building
//! one costs a single allocation. Layout of an [`RrKey`]:
//!
//! ```text
//! u8 rrname_len | rrname (canonical wire) | u16 rrtype (BE) | u8 bailiwick_len | bailiwick | rdata
//! ```
//!
//! `bailiwick_len` is 0 when the bailiwick is unknown (a canonical name is never empty: even
//! the root is one byte). Names are canonical: uncompressed, lowercased wire format.

use hark_dns::RrType;

/// Why bytes could not be read back as a key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The packed key ended before a field it announces.
    #[error("packed key is {len} bytes, too short for its {field}")]
    Short {
        /// The field that did not fit.
        field: &'static str,
        /// The packed key's length.
        len: usize,
    },
    /// A name longer than the 255 octets DNS allows.
    #[error("name of {len} octets exceeds the 255-octet limit")]
    NameTooLong {
        /// The name's length in octets.
        len: usize,
    },
}

/// The packed identity of one RR row: rrname, rrtype, bailiwick and rdata.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RrKey(Box<[u8]>);

/// A borrowed view of the fields of an [`RrKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RrKeyParts<'a> {
    /// Owner name, canonical wire.
    pub rrname: &'a [u8],
    /// Record type.
    pub rrtype: RrType,
    /// The zone whose servers vouched for the record, canonical wire; `None` when unknown.
    pub bailiwick: Option<&'a [u8]>,
    /// Canonical rdata.
    pub rdata: &'a [u8],
}

fn name_len(name: &[u8]) -> Result<u8, KeyError> {
    u8::try_from(name.len()).map_err(|_| KeyError::NameTooLong { len: name.len() })
}

impl RrKey {
    /// Packs the fields into a key, appending into `scratch` first so callers can reuse it.
    pub fn pack_into(parts: &RrKeyParts<'_>, out: &mut Vec<u8>) -> Result<(), KeyError> {
        let bailiwick = parts.bailiwick.unwrap_or(&[]);
        out.reserve(4 + parts.rrname.len() + bailiwick.len() + parts.rdata.len());
        out.push(name_len(parts.rrname)?);
        out.extend_from_slice(parts.rrname);
        out.extend_from_slice(&parts.rrtype.0.to_be_bytes());
        out.push(name_len(bailiwick)?);
        out.extend_from_slice(bailiwick);
        out.extend_from_slice(parts.rdata);
        Ok(())
    }

    /// Packs the fields into a new key.
    pub fn new(parts: &RrKeyParts<'_>) -> Result<RrKey, KeyError> {
        let mut out = Vec::new();
        RrKey::pack_into(parts, &mut out)?;
        Ok(RrKey(out.into_boxed_slice()))
    }

    /// Takes already packed bytes (as written by [`RrKey::pack_into`]), checking the layout.
    pub fn from_packed(bytes: Box<[u8]>) -> Result<RrKey, KeyError> {
        unpack(&bytes)?;
        Ok(RrKey(bytes))
    }

    /// The packed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The fields of this key.
    pub fn parts(&self) -> RrKeyParts<'_> {
        // The constructor checked the layout, so unpacking cannot fail; fall back to an
        // empty view rather than panic if that invariant were ever broken.
        unpack(&self.0).unwrap_or(RrKeyParts {
            rrname: &[],
            rrtype: RrType(0),
            bailiwick: None,
            rdata: &[],
        })
    }
}

impl std::borrow::Borrow<[u8]> for RrKey {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for RrKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts().fmt(f)
    }
}

/// Reads the fields of packed key bytes.
pub fn unpack(bytes: &[u8]) -> Result<RrKeyParts<'_>, KeyError> {
    let short = |field| KeyError::Short {
        field,
        len: bytes.len(),
    };
    let (&rrname_len, rest) = bytes.split_first().ok_or(short("rrname length"))?;
    let (rrname, rest) = rest
        .split_at_checked(usize::from(rrname_len))
        .ok_or(short("rrname"))?;
    let (rrtype, rest) = rest.split_at_checked(2).ok_or(short("rrtype"))?;
    let rrtype = RrType(u16::from_be_bytes([rrtype[0], rrtype[1]]));
    let (&bailiwick_len, rest) = rest.split_first().ok_or(short("bailiwick length"))?;
    let (bailiwick, rdata) = rest
        .split_at_checked(usize::from(bailiwick_len))
        .ok_or(short("bailiwick"))?;
    Ok(RrKeyParts {
        rrname,
        rrtype,
        bailiwick: (bailiwick_len > 0).then_some(bailiwick),
        rdata,
    })
}

/// The identity of a negative row: a question that got NXDOMAIN or NODATA.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct NegativeKey {
    /// The name asked for, canonical wire.
    pub qname: Box<[u8]>,
    /// The type asked for.
    pub qtype: RrType,
    /// The response code: 3 (NXDOMAIN), or 0 (NOERROR) for NODATA.
    pub rcode: u16,
}

/// DNS response codes hark names when it prints negative rows.
pub mod rcode {
    /// NOERROR: with an empty answer section this is a NODATA answer.
    pub const NOERROR: u16 = 0;
    /// NXDOMAIN: the name does not exist.
    pub const NXDOMAIN: u16 = 3;

    /// The mnemonic of a response code, as DNS tools print it.
    pub fn name(rcode: u16) -> String {
        match rcode {
            0 => "NOERROR".into(),
            1 => "FORMERR".into(),
            2 => "SERVFAIL".into(),
            3 => "NXDOMAIN".into(),
            4 => "NOTIMP".into(),
            5 => "REFUSED".into(),
            other => format!("RCODE{other}"),
        }
    }

    /// What a negative row with this rcode means: `NXDOMAIN` or `NODATA`.
    pub fn negative_kind(rcode: u16) -> String {
        if rcode == NOERROR {
            "NODATA".into()
        } else {
            name(rcode)
        }
    }

    /// Parses `NXDOMAIN`, `NODATA`/`NOERROR`, other mnemonics or a number.
    pub fn parse(text: &str) -> Option<u16> {
        let upper = text.to_ascii_uppercase();
        match upper.as_str() {
            "NODATA" | "NOERROR" => Some(NOERROR),
            "FORMERR" => Some(1),
            "SERVFAIL" => Some(2),
            "NXDOMAIN" => Some(NXDOMAIN),
            "NOTIMP" => Some(4),
            "REFUSED" => Some(5),
            _ => upper.strip_prefix("RCODE").unwrap_or(&upper).parse().ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack_round_trip() {
        let parts = RrKeyParts {
            rrname: b"\x03www\x07example\x03com\x00",
            rrtype: RrType(1),
            bailiwick: Some(b"\x07example\x03com\x00"),
            rdata: &[192, 0, 2, 1],
        };
        let key = RrKey::new(&parts).expect("packs");
        assert_eq!(key.parts(), parts);
    }

    #[test]
    fn unknown_bailiwick_is_none() {
        let parts = RrKeyParts {
            rrname: b"\x00",
            rrtype: RrType(2),
            bailiwick: None,
            rdata: b"\x01a\x00",
        };
        let key = RrKey::new(&parts).expect("packs");
        assert_eq!(key.parts().bailiwick, None);
        assert_eq!(key.parts().rdata, b"\x01a\x00");
    }

    #[test]
    fn short_bytes_are_rejected() {
        assert!(matches!(unpack(&[]), Err(KeyError::Short { .. })));
        assert!(matches!(unpack(&[5, 1, 2]), Err(KeyError::Short { .. })));
        assert!(matches!(
            unpack(&[1, 0, 0]),
            Err(KeyError::Short {
                field: "rrtype",
                ..
            })
        ));
        assert!(RrKey::from_packed(vec![1, 0, 0, 1, 9].into_boxed_slice()).is_err());
    }

    #[test]
    fn rcode_names_parse_back() {
        for code in 0..=5 {
            assert_eq!(rcode::parse(&rcode::name(code)), Some(code));
        }
        assert_eq!(rcode::parse("nodata"), Some(0));
        assert_eq!(rcode::parse("RCODE17"), Some(17));
        assert_eq!(rcode::negative_kind(0), "NODATA");
    }
}
