//! The zeek raw-message corpus: every message parses or fails with a
//! `MessageError`, never panics, and every parsed record round-trips through
//! presentation.

use std::io::Read;

use hark_dns::{name, rdata, ResponseParser};

fn le16(bytes: &[u8], pos: usize) -> usize {
    usize::from(u16::from_le_bytes([bytes[pos], bytes[pos + 1]]))
}

fn le32(bytes: &[u8], pos: usize) -> usize {
    u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]) as usize
}

/// Reads every (name, contents) of a zip archive through its central
/// directory. Stored and deflated entries only.
fn unzip(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let eocd = (0..=archive.len() - 22)
        .rev()
        .find(|&pos| archive[pos..pos + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("end of central directory");
    let count = le16(archive, eocd + 10);
    let mut pos = le32(archive, eocd + 16);
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(
            archive[pos..pos + 4],
            [0x50, 0x4b, 0x01, 0x02],
            "central header"
        );
        let method = le16(archive, pos + 10);
        let compressed = le32(archive, pos + 20);
        let size = le32(archive, pos + 24);
        let name_len = le16(archive, pos + 28);
        let extra_len = le16(archive, pos + 30);
        let comment_len = le16(archive, pos + 32);
        let local = le32(archive, pos + 42);
        let name = String::from_utf8_lossy(&archive[pos + 46..pos + 46 + name_len]).into_owned();
        pos += 46 + name_len + extra_len + comment_len;
        let data_start = local + 30 + le16(archive, local + 26) + le16(archive, local + 28);
        let data = &archive[data_start..data_start + compressed];
        let contents = match method {
            0 => data.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(size);
                flate2::read::DeflateDecoder::new(data)
                    .read_to_end(&mut out)
                    .expect("inflate");
                out
            }
            other => panic!("zip method {other} in {name}"),
        };
        assert_eq!(contents.len(), size, "{name}");
        entries.push((name, contents));
    }
    entries
}

#[test]
fn zeek_corpus() {
    let Some(path) = crate::fixture("corpus/zeek__dns-corpus.zip") else {
        return;
    };
    let archive = std::fs::read(&path).expect("read corpus");
    let entries = unzip(&archive);
    assert_eq!(entries.len(), 74);
    let mut parser = ResponseParser::new();
    let (mut ok, mut records) = (0, 0);
    let mut reasons = std::collections::BTreeMap::new();
    for (file, message) in &entries {
        match parser.parse(message) {
            Ok(response) => {
                ok += 1;
                for record in response.records() {
                    records += 1;
                    let mut owner = String::new();
                    name::to_presentation(record.owner, &mut owner).expect("owner is canonical");
                    assert_eq!(
                        name::from_presentation(&owner).unwrap(),
                        record.owner,
                        "{file}: {owner}"
                    );
                    let mut text = String::new();
                    rdata::to_presentation(record.rrtype, record.rdata, &mut text);
                    let back = rdata::from_presentation(record.rrtype, &text)
                        .unwrap_or_else(|e| panic!("{file}: {} {text:?}: {e}", record.rrtype));
                    assert_eq!(back, record.rdata, "{file}: {} {text}", record.rrtype);
                }
            }
            Err(err) => {
                // Every error has a display text and a stable reason.
                assert!(!err.to_string().is_empty());
                *reasons.entry(err.reason()).or_insert(0) += 1;
            }
        }
    }
    eprintln!("zeek corpus: {ok} parsed with {records} records; rejected: {reasons:?}");
    assert!(ok > 0, "no corpus message parsed");
}

/// Every truncation and every single-byte change of every corpus message
/// parses or fails cleanly; what parses still round-trips.
#[test]
fn zeek_corpus_mutations_never_panic() {
    let Some(path) = crate::fixture("corpus/zeek__dns-corpus.zip") else {
        return;
    };
    let entries = unzip(&std::fs::read(&path).expect("read corpus"));
    let mut parser = ResponseParser::new();
    let mut tried = 0;
    let mut check = |message: &[u8]| {
        tried += 1;
        if let Ok(response) = parser.parse(message) {
            for record in response.records() {
                let mut text = String::new();
                rdata::to_presentation(record.rrtype, record.rdata, &mut text);
                assert_eq!(
                    rdata::from_presentation(record.rrtype, &text).as_deref(),
                    Ok(record.rdata),
                    "{} {text}",
                    record.rrtype
                );
            }
        }
    };
    // Skip the two big messages (52 KB, 207 KB): quadratic here, and the
    // small ones cover the same code.
    for (_, original) in entries.iter().filter(|(_, m)| m.len() <= 4096) {
        for n in 0..original.len() {
            check(&original[..n]);
        }
        let mut changed = original.clone();
        for at in 0..original.len() {
            for value in [0x00, 0xc0, 0xff, original[at] ^ 0x20] {
                changed[at] = value;
                if changed.len() > 2 {
                    changed[2] |= 0x80; // keep QR=1 so the body is parsed
                }
                check(&changed);
                changed.copy_from_slice(original);
            }
        }
    }
    assert!(tried > 10_000, "{tried}");
}
