//! Every row written in every style reads back to the same key and tally, except what a style
//! drops on purpose (documented in `write.rs`): no `bailiwick` in DNSDB rdata answers, and
//! CIRCL's `time_first`/`time_last` for a row known only from zone files.
//!
//! Rows: a hand-built set (many rrtypes, names needing escapes, sensor and zone times,
//! bailiwick present and absent, unknown types), and the real rows of a root zone snapshot
//! from the shared fixtures.

use hark_cof::{object, parse_line, Style};
use hark_dns::{name, rdata, RrType};
use hark_record::{RrKey, RrKeyParts, Tally, TimeSpan};
use hark_store::Row;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// Every style a face writes, with a name for messages.
fn styles() -> Vec<(&'static str, Style<'static>)> {
    vec![
        ("export", Style::EXPORT),
        ("dnsdb rrset", Style::dnsdb(true, false)),
        ("dnsdb rrset humantime", Style::dnsdb(true, true)),
        ("dnsdb rdata", Style::dnsdb(false, false)),
        ("dnsdb rdata humantime", Style::dnsdb(false, true)),
        ("circl", Style::circl("https://pdns.example/")),
    ]
}

/// The key and tally a row written in `style` must read back as.
fn expected(row: &Row, style: &Style<'_>) -> (RrKey, Tally) {
    let parts = row.key.parts();
    let key = RrKey::new(&RrKeyParts {
        bailiwick: parts.bailiwick.filter(|_| style.bailiwick),
        ..parts
    })
    .unwrap();
    let mut tally = row.tally;
    if style.times_required && tally.seen.is_none() {
        tally.seen = tally.zone_seen;
    }
    (key, tally)
}

/// Writes every row in every style, reads each line back, and lists every difference.
fn assert_round_trips(rows: &[Row]) {
    assert!(!rows.is_empty());
    let mut problems = Vec::new();
    for (style_name, style) in styles() {
        for row in rows {
            let line = Value::Object(object(row, &style)).to_string();
            let read: Result<Vec<(RrKey, Tally)>, String> = parse_line(&line)
                .map_err(|err| err.to_string())
                .and_then(|rows| {
                    rows.into_iter()
                        .map(|cof| cof.into_entry().map_err(|err| err.to_string()))
                        .collect()
                });
            let want = expected(row, &style);
            match read {
                Ok(read) if read == [want.clone()] => {}
                Ok(read) => problems.push(format!(
                    "{style_name}: {line}\n    read back {read:?}\n    expected  {want:?}"
                )),
                Err(err) => {
                    problems.push(format!("{style_name}: {line}\n    does not read: {err}"))
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} objects do not read back:\n{}",
        problems.len(),
        rows.len() * styles().len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn row(rrname: &[u8], rrtype: RrType, rdata: &[u8], bailiwick: Option<&[u8]>, tally: Tally) -> Row {
    let key = RrKey::new(&RrKeyParts {
        rrname,
        rrtype,
        bailiwick,
        rdata,
    })
    .unwrap();
    Row { key, tally }
}

fn wire_name(text: &str) -> Vec<u8> {
    name::from_presentation(text).unwrap()
}

/// Rdata of `rrtype` from its presentation form.
fn rdata_of(rrtype: RrType, text: &str) -> Vec<u8> {
    rdata::from_presentation(rrtype, text).unwrap_or_else(|err| panic!("{rrtype} {text}: {err}"))
}

/// Owner names in wire form, several needing escapes in presentation (dots, spaces, quotes,
/// backslashes, parentheses, semicolons, non-ASCII and control bytes inside labels).
fn names() -> Vec<Vec<u8>> {
    vec![
        b"\x00".to_vec(),
        b"\x03www\x07example\x03com\x00".to_vec(),
        b"\x03a.b\x07example\x00".to_vec(),
        b"\x0awith space\x03\"q\"\x02\\x\x00".to_vec(),
        b"\x03(;)\x02@$\x00".to_vec(),
        b"\x04\x00\x7f\xff\xc3\x07example\x00".to_vec(),
        b"\x01*\x07example\x03com\x00".to_vec(),
        [&[63u8][..], &[b'z'; 63][..], b"\x02io\x00"].concat(),
    ]
}

/// The rdata of many types, as (type, presentation).
fn typed_rdata() -> Vec<(RrType, &'static str)> {
    let t = |text: &str| text.parse::<RrType>().unwrap();
    vec![
        (t("A"), "192.0.2.1"),
        (t("AAAA"), "2001:db8::53"),
        (t("NS"), "ns1.example.net."),
        (t("CNAME"), "target\\.with\\.dots.example."),
        (t("DNAME"), "example.org."),
        (t("PTR"), "host.example."),
        (t("MX"), "10 mail.example.com."),
        (
            t("SOA"),
            "ns1.example.com. host\\.master.example.com. 2024010101 7200 3600 1209600 300",
        ),
        (t("TXT"), "\"v=spf1 include:_spf.example.com -all\""),
        (
            t("TXT"),
            "\"quote \\\" backslash \\\\ semicolon ; tab \\009 high \\255\" \"second string\"",
        ),
        (t("SPF"), "\"v=spf1 -all\""),
        (t("SRV"), "0 5 5060 sip.example.com."),
        (t("NAPTR"), "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com."),
        (t("CAA"), "0 issue \"letsencrypt.org\""),
        (t("CAA"), "128 iodef \"mailto:security@example.com\""),
        (t("SSHFP"), "4 2 9A6F5C0E5C4D1C4C5E5E1F7D0F4E9A5C3B2A1F0E9D8C7B6A5F4E3D2C1B0A9F8E"),
        (t("TLSA"), "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"),
        (t("DS"), "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"),
        (
            t("DNSKEY"),
            "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
        ),
        (
            t("RRSIG"),
            "A 13 3 300 20240201000000 20240101000000 12345 example.com. c2lnbmF0dXJl",
        ),
        (t("NSEC"), "b.example.com. A NS SOA RRSIG NSEC TYPE65534"),
        (t("NSEC3"), "1 1 12 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG"),
        (t("NSEC3PARAM"), "1 0 10 -"),
        (t("HINFO"), "\"PC-Intel\" \"Linux\""),
        (t("LOC"), "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m"),
        (t("HTTPS"), "1 . alpn=h2,h3 ipv4hint=192.0.2.1"),
        (t("SVCB"), "0 svc.example.net."),
        (t("URI"), "10 1 \"https://www.example.com/path\""),
        (t("RP"), "admin.example.com. info.example.com."),
        (t("AFSDB"), "1 afs.example.com."),
        (t("EUI48"), "00-00-5e-00-53-2a"),
        (RrType(65534), "\\# 4 0102abff"),
        (RrType(65280), "\\# 0"),
    ]
}

/// Names × rdata × tallies (sensor only, zone only, both; bailiwick given or not).
fn hand_built() -> Vec<Row> {
    let span = |first: i64, last: i64| Some(TimeSpan { first, last });
    let tallies = [
        Tally {
            seen: span(1_700_000_000, 1_700_086_400),
            zone_seen: None,
            count: 3,
        },
        Tally {
            seen: None,
            zone_seen: span(1_517_184_000, 1_520_812_800),
            count: 1,
        },
        Tally {
            seen: span(0, 4_102_444_800),
            zone_seen: span(1_600_000_000, 1_600_000_000),
            count: u64::from(u32::MAX) + 7,
        },
    ];
    let bailiwick = wire_name("example.com.");
    let mut rows = Vec::new();
    for (i, owner) in names().iter().enumerate() {
        for (j, (rrtype, text)) in typed_rdata().into_iter().enumerate() {
            let tally = tallies[(i + j) % tallies.len()];
            let bailiwick = ((i + j) % 2 == 0).then_some(&bailiwick[..]);
            rows.push(row(
                owner,
                rrtype,
                &rdata_of(rrtype, text),
                bailiwick,
                tally,
            ));
        }
    }
    rows
}

#[test]
fn hand_built_rows_round_trip_in_every_style() {
    let rows = hand_built();
    assert!(rows.len() > 200);
    assert_round_trips(&rows);
}

/// The shared material beside the repository, or `None` (with a note) when absent outside CI.
fn shared() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("fixtures").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/fixtures is missing; CI must run with the shared material beside the repository"
    );
    eprintln!("note: ../shared is missing, skipping a test that needs it");
    None
}

#[test]
fn a_root_zone_snapshot_round_trips_in_every_style() {
    let Some(shared) = shared() else { return };
    let file =
        std::fs::File::open(shared.join("fixtures/rootzone/root.zone.2018012900.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    // A zone import's rows: zone times only, the zone's apex as bailiwick.
    let tally = Tally {
        seen: None,
        zone_seen: Some(TimeSpan {
            first: 1_517_212_800,
            last: 1_517_216_400,
        }),
        count: 1,
    };
    // Every fourth record, and the first of each type (a debug build reads all 22,565 in
    // about 13 s on the shared machine, a fourth in a few).
    let mut rows = Vec::new();
    let mut types = std::collections::BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(owner), Some(_ttl), Some(_class), Some(rrtype)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let rrtype: RrType = rrtype.parse().unwrap();
        if !types.insert(rrtype) && index % 4 != 0 {
            continue;
        }
        let rdata_text = fields.collect::<Vec<_>>().join(" ");
        rows.push(row(
            &wire_name(owner),
            rrtype,
            &rdata_of(rrtype, &rdata_text),
            Some(b"\x00"),
            tally,
        ));
    }
    assert!(rows.len() > 5_000, "{} rows", rows.len());
    assert_eq!(
        types.len(),
        8,
        "SOA, NS, A, AAAA, DS, RRSIG, NSEC, DNSKEY: {types:?}"
    );
    assert_round_trips(&rows);
}
