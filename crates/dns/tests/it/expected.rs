//! The shared reference tables in `fixtures/expected/` (tshark + dnspython):
//! their rdata texts read back to the same text, and for the UDP-only
//! classic pcaps our parse gives exactly their rows and counts.

use std::collections::{BTreeMap, BTreeSet};

use hark_dns::{name, rdata, ResponseParser, RrType};

/// Normalises rdata text as the fixtures README asks: base64 without
/// spaces, hex uppercase.
fn normalise(rrtype: RrType, text: &str) -> String {
    let tokens: Vec<&str> = text.split(' ').collect();
    let blob_from = match rrtype {
        RrType::DNSKEY | RrType::CDNSKEY => Some(3),
        RrType::RRSIG => Some(8),
        RrType::OPENPGPKEY => Some(0),
        RrType::DS
        | RrType::CDS
        | RrType::TLSA
        | RrType::SMIMEA
        | RrType::SSHFP
        | RrType::ZONEMD => Some(if rrtype == RrType::SSHFP { 2 } else { 3 }),
        _ => None,
    };
    match blob_from {
        Some(n) if tokens.len() > n => {
            let head = tokens[..n].join(" ");
            let mut blob = tokens[n..].concat();
            if !matches!(
                rrtype,
                RrType::DNSKEY | RrType::CDNSKEY | RrType::RRSIG | RrType::OPENPGPKEY
            ) {
                blob = blob.to_ascii_uppercase();
            }
            if head.is_empty() {
                blob
            } else {
                format!("{head} {blob}")
            }
        }
        _ => text.to_owned(),
    }
}

type Table = BTreeMap<(String, String, String, String), u64>;

fn read_table(file: &str) -> Option<Table> {
    let path = crate::fixture(&format!("expected/{file}"))?;
    let text = std::fs::read_to_string(path).expect("read table");
    let mut table = Table::new();
    for line in text.lines().skip(2) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 7, "{file}: {line}");
        let rrtype: RrType = fields[1].parse().expect("rrtype");
        let key = (
            fields[0].to_owned(),
            fields[1].to_owned(),
            normalise(rrtype, fields[2]),
            fields[3].to_owned(),
        );
        table.insert(key, fields[4].parse().expect("count"));
    }
    Some(table)
}

const TABLES: &[&str] = &[
    "dnscap__dns.tsv",
    "go-dnscollector__dnsdump_ip4_fragmented_and_udp.tsv",
    "go-dnscollector__dnsdump_tcp.tsv",
    "go-dnscollector__dnsdump_udp.tsv",
    "go-dnscollector__dnsdump_udp_truncated_and_tcp_fragmented.tsv",
    "gopassivedns__100_tcp_lookups.tsv",
    "gopassivedns__100_udp_lookups.tsv",
];

#[test]
fn reference_rdata_texts_read_back() {
    let mut checked = 0;
    for file in TABLES {
        let Some(table) = read_table(file) else {
            return;
        };
        for (_, rrtype_text, rdata_text, _) in table.keys() {
            let rrtype: RrType = rrtype_text.parse().expect("rrtype");
            let bytes = rdata::from_presentation(rrtype, rdata_text)
                .unwrap_or_else(|e| panic!("{file}: {rrtype} {rdata_text:?}: {e}"));
            let mut ours = String::new();
            rdata::to_presentation(rrtype, &bytes, &mut ours);
            assert_eq!(normalise(rrtype, &ours), *rdata_text, "{file}: {rrtype}");
            checked += 1;
        }
    }
    assert!(checked > 2000, "only {checked} rows checked");
}

fn our_table(pcap: &str) -> Option<(Table, usize)> {
    let path = crate::fixture(&format!("pcap/{pcap}"))?;
    let file = std::fs::read(path).expect("read pcap");
    let messages = crate::pcap_walk::udp_dns_responses(&file).expect("classic pcap");
    let mut parser = ResponseParser::new();
    let mut table = Table::new();
    for message in &messages {
        let response = parser
            .parse(message)
            .unwrap_or_else(|e| panic!("{pcap}: {e}"));
        let mut rows = BTreeSet::new();
        for record in response.records() {
            let mut owner = String::new();
            name::to_presentation(record.owner, &mut owner).expect("owner");
            let mut text = String::new();
            rdata::to_presentation(record.rrtype, record.rdata, &mut text);
            rows.insert((
                owner,
                record.rrtype.to_string(),
                normalise(record.rrtype, &text),
                record.section.as_str().to_owned(),
            ));
        }
        for row in rows {
            *table.entry(row).or_insert(0) += 1;
        }
    }
    Some((table, messages.len()))
}

fn diff(ours: &Table, theirs: &Table) -> String {
    let mut out = String::new();
    for (key, count) in theirs {
        if ours.get(key) != Some(count) {
            out += &format!("- {key:?} {count} (ours {:?})\n", ours.get(key));
        }
    }
    for (key, count) in ours {
        if !theirs.contains_key(key) {
            out += &format!("+ {key:?} {count}\n");
        }
    }
    out
}

#[test]
fn udp_pcaps_match_reference_tables() {
    for (pcap, responses) in [
        ("dnscap__dns.pcap", 41),
        ("go-dnscollector__dnsdump_udp.pcap", 16),
    ] {
        let Some(theirs) = read_table(&pcap.replace(".pcap", ".tsv")) else {
            return;
        };
        let Some((ours, count)) = our_table(pcap) else {
            return;
        };
        assert_eq!(count, responses, "{pcap}: responses");
        assert!(
            ours == theirs,
            "{pcap} differs from the reference:\n{}",
            diff(&ours, &theirs)
        );
    }
}
