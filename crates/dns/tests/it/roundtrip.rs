//! Property tests: presentation round trips for names and every presented
//! rdata type, and key order == DNSSEC canonical name order.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use hark_dns::{name, rdata, RrType};
use proptest::collection::vec;
use proptest::prelude::*;

/// Label bytes: mostly a small alphabet (so names share prefixes), sometimes
/// any byte (escapes, 0x00 and 0x01 in keys). Always lowercase.
fn label_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => prop::sample::select(vec![b'a', b'b', b'-', b'0', 0u8, 1u8, 2u8]),
        1 => any::<u8>(),
    ]
    .prop_map(|b| b.to_ascii_lowercase())
}

fn labels() -> impl Strategy<Value = Vec<Vec<u8>>> {
    vec(vec(label_byte(), 1..6), 0..5)
}

fn wire(labels: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for label in labels {
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

fn name_wire() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => labels().prop_map(|l| wire(&l)),
        // Long labels and long names, up to the limits.
        1 => vec(vec(label_byte(), 1..=63), 1..=3).prop_map(|l| wire(&l)),
    ]
}

fn counted(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max).prop_map(|bytes| {
        let mut out = vec![bytes.len() as u8];
        out.extend(bytes);
        out
    })
}

fn bitmap() -> impl Strategy<Value = Vec<u8>> {
    vec(prop_oneof![3 => 1u16..300, 1 => any::<u16>()], 0..8).prop_map(|mut types| {
        types.sort_unstable();
        types.dedup();
        let mut windows: BTreeMap<u8, [u8; 32]> = BTreeMap::new();
        for t in types {
            let block = windows.entry((t >> 8) as u8).or_insert([0; 32]);
            block[usize::from(t & 0xff) / 8] |= 0x80 >> (t % 8);
        }
        let mut out = Vec::new();
        for (window, block) in windows {
            let used = block.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            out.push(window);
            out.push(used as u8);
            out.extend_from_slice(&block[..used]);
        }
        out
    })
}

/// A WKS port bitmap (RFC 1035 §3.4.2) in canonical form: bit 0 of octet 0
/// is port 0, and the last octet is not zero.
fn port_bitmap() -> impl Strategy<Value = Vec<u8>> {
    vec(prop_oneof![3 => 0u16..1100, 1 => any::<u16>()], 0..8).prop_map(|ports| {
        let used = ports.iter().max().map_or(0, |&p| usize::from(p) / 8 + 1);
        let mut out = vec![0u8; used];
        for p in ports {
            out[usize::from(p) / 8] |= 0x80 >> (p % 8);
        }
        out
    })
}

fn bytes(range: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), range)
}

fn precision() -> impl Strategy<Value = u8> {
    prop_oneof![Just(0u8), (1u8..=9, 0u8..=9).prop_map(|(m, e)| m << 4 | e)]
}

fn loc() -> impl Strategy<Value = Vec<u8>> {
    const EQ: i64 = 1 << 31;
    (
        precision(),
        precision(),
        precision(),
        -90 * 3_600_000i64..=90 * 3_600_000,
        -180 * 3_600_000i64..=180 * 3_600_000,
        any::<u32>(),
    )
        .prop_map(|(s, h, v, lat, lon, alt)| {
            let mut out = vec![0, s, h, v];
            out.extend_from_slice(&((EQ + lat) as u32).to_be_bytes());
            out.extend_from_slice(&((EQ + lon) as u32).to_be_bytes());
            out.extend_from_slice(&alt.to_be_bytes());
            out
        })
}

fn svc_params() -> impl Strategy<Value = Vec<u8>> {
    let alpn = vec(vec(any::<u8>(), 1..6), 1..4).prop_map(|ids| {
        let mut out = Vec::new();
        for id in ids {
            out.push(id.len() as u8);
            out.extend(id);
        }
        out
    });
    let mandatory = vec(prop::sample::select(vec![1u16, 3, 4, 9, 1000]), 1..3).prop_map(|keys| {
        keys.iter()
            .flat_map(|k| k.to_be_bytes())
            .collect::<Vec<u8>>()
    });
    (
        proptest::option::of(mandatory),
        proptest::option::of(alpn),
        any::<bool>(),
        proptest::option::of(any::<u16>()),
        proptest::option::of(vec(any::<[u8; 4]>(), 1..3)),
        proptest::option::of(bytes(1..20)),
        proptest::option::of(vec(any::<[u8; 16]>(), 1..3)),
        proptest::option::of(bytes(0..10)),
        proptest::option::of((9u16..65535, bytes(0..10))),
    )
        .prop_map(
            |(mandatory, alpn, no_default, port, v4, ech, v6, dohpath, other)| {
                let mut params: BTreeMap<u16, Vec<u8>> = BTreeMap::new();
                if let Some(v) = mandatory {
                    params.insert(0, v);
                }
                if let Some(v) = alpn {
                    params.insert(1, v);
                }
                if no_default {
                    params.insert(2, Vec::new());
                }
                if let Some(p) = port {
                    params.insert(3, p.to_be_bytes().to_vec());
                }
                if let Some(v) = v4 {
                    params.insert(4, v.concat());
                }
                if let Some(v) = ech {
                    params.insert(5, v);
                }
                if let Some(v) = v6 {
                    params.insert(6, v.concat());
                }
                if let Some(v) = dohpath {
                    params.insert(7, v);
                }
                if let Some((k, v)) = other {
                    params.insert(k, v);
                }
                let mut out = Vec::new();
                for (key, value) in params {
                    out.extend_from_slice(&key.to_be_bytes());
                    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
                    out.extend(value);
                }
                out
            },
        )
}

/// Valid canonical rdata for every type with a typed presentation.
fn typed_rdata() -> impl Strategy<Value = (RrType, Vec<u8>)> {
    let u16b = || any::<u16>().prop_map(|v| v.to_be_bytes().to_vec());
    let u32b = || any::<u32>().prop_map(|v| v.to_be_bytes().to_vec());
    let u8b = || any::<u8>().prop_map(|v| vec![v]);
    let caa_tag = vec(prop::sample::select(b"abcXYZ019".to_vec()), 1..8).prop_map(|t| {
        let mut out = vec![t.len() as u8];
        out.extend(t);
        out
    });
    let single_name = prop::sample::select(vec![
        RrType::NS,
        RrType::MD,
        RrType::MF,
        RrType::CNAME,
        RrType::MB,
        RrType::MG,
        RrType::MR,
        RrType::PTR,
        RrType::DNAME,
    ]);
    prop_oneof![
        bytes(4..5).prop_map(|b| (RrType::A, b)),
        bytes(16..17).prop_map(|b| (RrType::AAAA, b)),
        (bytes(4..5), u8b(), port_bitmap()).prop_map(|(a, p, b)| (RrType::WKS, [a, p, b].concat())),
        (single_name, name_wire()).prop_map(|(t, n)| (t, n)),
        (name_wire(), name_wire(), vec(any::<u32>(), 5)).prop_map(|(m, r, nums)| {
            let nums: Vec<u8> = nums.iter().flat_map(|n| n.to_be_bytes()).collect();
            (RrType::SOA, [m, r, nums].concat())
        }),
        (
            prop::sample::select(vec![RrType::MINFO, RrType::RP]),
            name_wire(),
            name_wire()
        )
            .prop_map(|(t, a, b)| (t, [a, b].concat())),
        (
            prop::sample::select(vec![RrType::MX, RrType::AFSDB, RrType::RT, RrType::KX]),
            u16b(),
            name_wire()
        )
            .prop_map(|(t, p, n)| (t, [p, n].concat())),
        (u16b(), name_wire(), name_wire()).prop_map(|(p, a, b)| (RrType::PX, [p, a, b].concat())),
        (u16b(), u16b(), u16b(), name_wire())
            .prop_map(|(a, b, c, n)| (RrType::SRV, [a, b, c, n].concat())),
        (
            u16b(),
            u16b(),
            counted(20),
            counted(20),
            counted(40),
            name_wire()
        )
            .prop_map(|(a, b, c, d, e, n)| (RrType::NAPTR, [a, b, c, d, e, n].concat())),
        (counted(20), counted(20)).prop_map(|(a, b)| (RrType::HINFO, [a, b].concat())),
        (
            prop::sample::select(vec![RrType::TXT, RrType::SPF]),
            vec(counted(255), 1..4)
        )
            .prop_map(|(t, s)| (t, s.concat())),
        (u8b(), caa_tag, bytes(0..30)).prop_map(|(f, t, v)| (RrType::CAA, [f, t, v].concat())),
        (u16b(), u16b(), bytes(0..30)).prop_map(|(a, b, v)| (RrType::URI, [a, b, v].concat())),
        (u8b(), u8b(), bytes(1..40)).prop_map(|(a, b, h)| (RrType::SSHFP, [a, b, h].concat())),
        (
            prop::sample::select(vec![RrType::TLSA, RrType::SMIMEA]),
            bytes(3..4),
            bytes(1..40)
        )
            .prop_map(|(t, a, h)| (t, [a, h].concat())),
        (
            prop::sample::select(vec![RrType::DS, RrType::CDS]),
            bytes(4..5),
            bytes(1..40)
        )
            .prop_map(|(t, a, h)| (t, [a, h].concat())),
        (
            prop::sample::select(vec![RrType::DNSKEY, RrType::CDNSKEY]),
            bytes(4..5),
            bytes(1..80)
        )
            .prop_map(|(t, a, k)| (t, [a, k].concat())),
        (bytes(18..19), name_wire(), bytes(1..80))
            .prop_map(|(head, n, sig)| (RrType::RRSIG, [head, n, sig].concat())),
        (name_wire(), bitmap()).prop_map(|(n, b)| (RrType::NSEC, [n, b].concat())),
        (bytes(4..5), counted(10), vec(any::<u8>(), 1..30), bitmap()).prop_map(
            |(head, salt, hash, b)| {
                let mut h = vec![hash.len() as u8];
                h.extend(hash);
                (RrType::NSEC3, [head, salt, h, b].concat())
            }
        ),
        (bytes(4..5), counted(10))
            .prop_map(|(head, salt)| (RrType::NSEC3PARAM, [head, salt].concat())),
        loc().prop_map(|b| (RrType::LOC, b)),
        (
            prop::sample::select(vec![RrType::SVCB, RrType::HTTPS]),
            u16b(),
            name_wire(),
            svc_params()
        )
            .prop_map(|(t, p, n, s)| (t, [p, n, s].concat())),
        bytes(1..60).prop_map(|b| (RrType::OPENPGPKEY, b)),
        (u32b(), bytes(2..3), bytes(1..50))
            .prop_map(|(s, a, h)| (RrType::ZONEMD, [s, a, h].concat())),
        (u32b(), u16b(), bitmap()).prop_map(|(s, f, b)| (RrType::CSYNC, [s, f, b].concat())),
        bytes(6..7).prop_map(|b| (RrType::EUI48, b)),
        bytes(8..9).prop_map(|b| (RrType::EUI64, b)),
    ]
}

fn present(rrtype: RrType, bytes: &[u8]) -> String {
    let mut text = String::new();
    rdata::to_presentation(rrtype, bytes, &mut text);
    text
}

fn reference_order(a: &[u8], b: &[u8]) -> Ordering {
    let la: Vec<&[u8]> = name::labels(a).collect();
    let lb: Vec<&[u8]> = name::labels(b).collect();
    la.iter().rev().cmp(lb.iter().rev())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn typed_rdata_round_trips((rrtype, bytes) in typed_rdata()) {
        let text = present(rrtype, &bytes);
        prop_assert!(!text.starts_with("\\#"), "{} {:02x?} fell back to generic: {}", rrtype, bytes, text);
        let back = rdata::from_presentation(rrtype, &text);
        prop_assert_eq!(back.as_deref(), Ok(&bytes[..]), "{} {}", rrtype, text);
    }

    #[test]
    fn any_rdata_round_trips(rrtype in prop_oneof![1u16..70, 95u16..300, any::<u16>()], bytes in bytes(0..40)) {
        let rrtype = RrType(rrtype);
        let text = present(rrtype, &bytes);
        let back = rdata::from_presentation(rrtype, &text);
        prop_assert_eq!(back.as_deref(), Ok(&bytes[..]), "{} {}", rrtype, text);
    }

    #[test]
    fn names_round_trip(wire in name_wire()) {
        let mut text = String::new();
        name::to_presentation(&wire, &mut text).unwrap();
        prop_assert_eq!(name::from_presentation(&text), Ok(wire.clone()), "{}", text);
        let mut key = Vec::new();
        name::reversed_key(&wire, &mut key);
        prop_assert_eq!(name::from_reversed_key(&key), Ok((wire.clone(), key.len())));
        key.clear();
        name::forward_key(&wire, &mut key);
        prop_assert_eq!(name::from_forward_key(&key), Ok((wire.clone(), key.len())));
    }

    #[test]
    fn key_order_is_canonical_order(a in name_wire(), b in name_wire()) {
        let (mut ka, mut kb) = (Vec::new(), Vec::new());
        name::reversed_key(&a, &mut ka);
        name::reversed_key(&b, &mut kb);
        prop_assert_eq!(ka.cmp(&kb), reference_order(&a, &b));
    }

    #[test]
    fn subdomains_share_the_label_prefix(child in labels(), parent in labels()) {
        let all: Vec<Vec<u8>> = child.iter().chain(parent.iter()).cloned().collect();
        let (mut kc, mut kp) = (Vec::new(), Vec::new());
        name::reversed_key(&wire(&all), &mut kc);
        name::reversed_key(&wire(&parent), &mut kp);
        let prefix = &kp[..kp.len() - 1];
        prop_assert!(kc.starts_with(prefix));
        let next = kc[prefix.len()];
        prop_assert_eq!(next != 0, !child.is_empty());
    }

    #[test]
    fn non_subdomains_lack_the_prefix(a in name_wire(), b in name_wire()) {
        let (mut ka, mut kb) = (Vec::new(), Vec::new());
        name::reversed_key(&a, &mut ka);
        name::reversed_key(&b, &mut kb);
        let prefix = &kb[..kb.len() - 1];
        let la: Vec<&[u8]> = name::labels(&a).collect();
        let lb: Vec<&[u8]> = name::labels(&b).collect();
        let is_strict_sub = la.len() > lb.len() && la[la.len() - lb.len()..] == lb[..];
        let has_prefix = ka.starts_with(prefix) && ka.get(prefix.len()).is_some_and(|&x| x != 0);
        prop_assert_eq!(has_prefix, is_strict_sub);
    }
}
