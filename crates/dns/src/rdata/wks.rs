//! WKS (RFC 1035 §3.4.2): the IP protocol and port bitmap fields, on the
//! wire and in text.
//!
//! The rdata is a 4-octet IPv4 address, a 1-octet IP protocol number and a
//! bitmap of ports: bit 0 (the most significant bit) of the first octet
//! stands for port 0, the next bit for port 1, and so on. The text is what
//! dig and BIND print, `192.0.2.1 6 25 80`: the address, the protocol as a
//! number and each port whose bit is set, ascending. As input the protocol
//! may also be `tcp` or `udp` (any case), and ports may come in any order
//! and repeat; service names such as `smtp` are refused.
//!
//! The canonical bitmap has no trailing zero octets, so one set of ports has
//! one canonical form; text always reads back to that form.

use super::present::sep;

/// Field name for a bad protocol token in [`super::RdataError::BadToken`].
pub(super) const PROTOCOL: &str = "protocol (a number 0-255, tcp or udp)";

/// Field name for a bad port token in [`super::RdataError::BadToken`].
pub(super) const PORT: &str = "port (a number 0-65535; service names are not accepted)";

/// The longest bitmap that names only ports up to 65535.
const MAX_BITMAP: usize = 65_536 / 8;

/// IP protocol number of TCP.
const TCP: u8 = 6;

/// IP protocol number of UDP.
const UDP: u8 = 17;

/// The canonical form of a wire bitmap: `bitmap` without its trailing zero
/// octets. Fails with the offset (within `bitmap`) of the first octet past
/// port 65535 when a port above 65535 is set.
pub(super) fn canonical_ports(bitmap: &[u8]) -> Result<&[u8], usize> {
    let used = bitmap
        .iter()
        .rposition(|&byte| byte != 0)
        .map_or(0, |i| i + 1);
    if used > MAX_BITMAP {
        return Err(MAX_BITMAP);
    }
    Ok(bitmap.get(..used).unwrap_or(&[]))
}

/// Appends the port numbers set in `bitmap`, ascending, each after [`sep`].
/// `None` when `bitmap` is not canonical (see [`canonical_ports`]): its
/// text would not read back to the same bytes.
pub(super) fn present_ports(bitmap: &[u8], out: &mut String, start: usize) -> Option<()> {
    if canonical_ports(bitmap).ok()?.len() != bitmap.len() {
        return None;
    }
    for (index, &byte) in bitmap.iter().enumerate() {
        for bit in 0..8 {
            if byte & (0x80 >> bit) != 0 {
                sep(out, start);
                out.push_str(&(index * 8 + bit).to_string());
            }
        }
    }
    Some(())
}

/// Reads an IP protocol: a decimal number 0–255, or `tcp` or `udp` in any
/// case.
pub(super) fn parse_protocol(token: &str) -> Option<u8> {
    if token.eq_ignore_ascii_case("tcp") {
        Some(TCP)
    } else if token.eq_ignore_ascii_case("udp") {
        Some(UDP)
    } else {
        parse_decimal(token)
    }
}

/// Reads a port: a decimal number 0–65535.
pub(super) fn parse_port(token: &str) -> Option<u16> {
    parse_decimal(token)
}

/// Reads a token of ASCII digits only (no sign, no spaces) as a number.
fn parse_decimal<T: std::str::FromStr>(token: &str) -> Option<T> {
    if !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// Appends the canonical bitmap of `ports` (any order, repeats allowed):
/// just long enough for the highest port, empty when there are none.
pub(super) fn push_ports(ports: &[u16], out: &mut Vec<u8>) {
    let Some(&highest) = ports.iter().max() else {
        return;
    };
    let mut bitmap = vec![0u8; usize::from(highest) / 8 + 1];
    for &port in ports {
        if let Some(byte) = bitmap.get_mut(usize::from(port) / 8) {
            *byte |= 0x80 >> (port % 8);
        }
    }
    out.extend_from_slice(&bitmap);
}

#[cfg(test)]
mod tests {
    use crate::rdata::test_util::{canon, text};
    use crate::rdata::{from_presentation, RdataError};
    use crate::rrtype::RrType;

    /// Canonical rdata and its text, worked out by hand from RFC 1035
    /// §3.4.2: port p is bit `0x80 >> (p % 8)` of octet `p / 8`.
    fn cases() -> Vec<(Vec<u8>, &'static str)> {
        // Port 65535: octet 8191, lowest bit.
        let mut highest = vec![192, 0, 2, 1, 6];
        highest.extend_from_slice(&[0; 8191]);
        highest.push(0x01);
        vec![
            // 25 = 3 * 8 + 1 → octet 3 = 0x40; 80 = 10 * 8 → octet 10 = 0x80.
            (
                b"\xc0\x00\x02\x01\x06\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x80".to_vec(),
                "192.0.2.1 6 25 80",
            ),
            // Port 0 is the top bit of octet 0; 53 = 6 * 8 + 5 → 0x04.
            (
                b"\x0a\x00\x00\x01\x11\x80\x00\x00\x00\x00\x00\x04".to_vec(),
                "10.0.0.1 17 0 53",
            ),
            // 7 is the lowest bit of octet 0, 8 the top bit of octet 1.
            (b"\xc0\x00\x02\x01\x06\x01\x80".to_vec(), "192.0.2.1 6 7 8"),
            // One full octet: ports 0 to 7.
            (
                b"\xc0\x00\x02\x01\x00\xff".to_vec(),
                "192.0.2.1 0 0 1 2 3 4 5 6 7",
            ),
            // 2 → 0x20; protocol 255.
            (b"\xc6\x33\x64\x07\xff\x20".to_vec(), "198.51.100.7 255 2"),
            // No ports: no bitmap.
            (b"\xc0\x00\x02\x01\x06".to_vec(), "192.0.2.1 6"),
            (highest, "192.0.2.1 6 65535"),
        ]
    }

    #[test]
    fn wire_and_text_both_ways() {
        for (wire, expected) in cases() {
            assert_eq!(
                canon(RrType::WKS, &wire, 0).as_ref(),
                Ok(&wire),
                "{expected}"
            );
            assert_eq!(text(RrType::WKS, &wire), expected);
            assert_eq!(
                from_presentation(RrType::WKS, expected).as_ref(),
                Ok(&wire),
                "{expected}"
            );
        }
    }

    #[test]
    fn lenient_text() {
        let cases: &[(&str, &[u8])] = &[
            // Mnemonic protocols in any case; ports in any order, repeated.
            (
                "192.0.2.1 TCP 80 25 80",
                b"\xc0\x00\x02\x01\x06\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x80",
            ),
            (
                "192.0.2.1 udp 53",
                b"\xc0\x00\x02\x01\x11\x00\x00\x00\x00\x00\x00\x04",
            ),
            ("192.0.2.1 Tcp", b"\xc0\x00\x02\x01\x06"),
            ("  192.0.2.1\t17   8 7 ", b"\xc0\x00\x02\x01\x11\x01\x80"),
            ("192.0.2.1 006 0", b"\xc0\x00\x02\x01\x06\x80"),
        ];
        for (input, wire) in cases {
            assert_eq!(
                from_presentation(RrType::WKS, input).as_deref(),
                Ok(*wire),
                "{input:?}"
            );
        }
    }

    #[test]
    fn canonical_form_drops_trailing_zero_octets() {
        // Port 25, then two zero octets.
        let wire = b"\xc0\x00\x02\x01\x06\x00\x00\x00\x40\x00\x00";
        assert_eq!(
            canon(RrType::WKS, wire, 0).unwrap(),
            b"\xc0\x00\x02\x01\x06\x00\x00\x00\x40"
        );
        // An all-zero bitmap goes entirely.
        assert_eq!(
            canon(RrType::WKS, b"\xc0\x00\x02\x01\x06\x00\x00", 0).unwrap(),
            b"\xc0\x00\x02\x01\x06"
        );
        // Inside a message, after other bytes.
        let message = b"\xff\xff\x0a\x00\x00\x01\x06\x80\x00";
        assert_eq!(
            canon(RrType::WKS, message, 2).unwrap(),
            b"\x0a\x00\x00\x01\x06\x80"
        );
        // Rdata that is not canonical is written generically, so that its
        // text reads back to the same bytes.
        let wire = b"\xc0\x00\x02\x01\x06\x40\x00";
        assert_eq!(text(RrType::WKS, wire), "\\# 7 C0000201064000");
        assert_eq!(
            from_presentation(RrType::WKS, "\\# 7 C0000201064000").unwrap(),
            wire
        );
    }

    #[test]
    fn short_rdata_is_an_error() {
        assert_eq!(
            canon(RrType::WKS, b"", 0),
            Err(RdataError::Short {
                rrtype: RrType::WKS,
                offset: 0,
                need: 4,
                have: 0
            })
        );
        assert_eq!(
            canon(RrType::WKS, b"\xc0\x00\x02", 0),
            Err(RdataError::Short {
                rrtype: RrType::WKS,
                offset: 0,
                need: 4,
                have: 3
            })
        );
        assert_eq!(
            canon(RrType::WKS, b"\xc0\x00\x02\x01", 0),
            Err(RdataError::Short {
                rrtype: RrType::WKS,
                offset: 4,
                need: 1,
                have: 0
            })
        );
        assert_eq!(text(RrType::WKS, b"\xc0\x00\x02\x01"), "\\# 4 C0000201");
        assert_eq!(text(RrType::WKS, b""), "\\# 0");
    }

    #[test]
    fn ports_above_65535_are_an_error() {
        // Octet 8192 would hold ports 65536 to 65543.
        let mut wire = vec![192, 0, 2, 1, 6];
        wire.extend_from_slice(&[0; 8192]);
        wire.push(0x80);
        assert_eq!(
            canon(RrType::WKS, &wire, 0),
            Err(RdataError::BadStructure {
                rrtype: RrType::WKS,
                what: "WKS port bitmap",
                offset: 5 + 8192
            })
        );
        assert!(text(RrType::WKS, &wire).starts_with("\\# 8198 C000020106"));
        // Zero octets past port 65535 are only trailing zeros.
        wire.pop();
        wire.push(0);
        assert_eq!(
            canon(RrType::WKS, &wire, 0).unwrap(),
            b"\xc0\x00\x02\x01\x06"
        );
    }

    #[test]
    fn text_errors() {
        assert_eq!(
            from_presentation(RrType::WKS, "192.0.2.1"),
            Err(RdataError::MissingField {
                rrtype: RrType::WKS,
                field: "protocol"
            })
        );
        assert!(matches!(
            from_presentation(RrType::WKS, ""),
            Err(RdataError::MissingField { .. })
        ));
        for bad in ["icmp", "256", "-6", "6.0", "\"tcp\"x"] {
            let text = format!("192.0.2.1 {bad} 80");
            assert_eq!(
                from_presentation(RrType::WKS, &text),
                Err(RdataError::BadToken {
                    rrtype: RrType::WKS,
                    field: super::PROTOCOL,
                    token: bad.into()
                }),
                "{text}"
            );
        }
        for bad in ["smtp", "65536", "-1", "+80", "8O", "0x50"] {
            let text = format!("192.0.2.1 tcp 25 {bad}");
            assert_eq!(
                from_presentation(RrType::WKS, &text),
                Err(RdataError::BadToken {
                    rrtype: RrType::WKS,
                    field: super::PORT,
                    token: bad.into()
                }),
                "{text}"
            );
        }
        let err = from_presentation(RrType::WKS, "192.0.2.1 tcp smtp").unwrap_err();
        assert_eq!(
            err.to_string(),
            "WKS text has a bad port (a number 0-65535; service names are not accepted): \"smtp\""
        );
        assert!(matches!(
            from_presentation(RrType::WKS, "192.0.2 6 80"),
            Err(RdataError::BadToken {
                field: "IPv4 address",
                ..
            })
        ));
    }
}
