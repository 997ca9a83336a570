//! The data Canarytokens-style DNS tokens carry in the labels left of the token.
//!
//! A DNS canary token is a name (`TOKEN.canarytokens.com`, or a decoy of one's own zone);
//! the programs that trip it put what they know about where they run into labels before
//! it, and mark the convention with the label next to the token. The conventions (as the
//! Canarytokens project documents and decodes them), from the label next to the token:
//!
//! | marker | labels before it | fields |
//! |---|---|---|
//! | `G` + 2 digits (a random counter) | any data, base32 (RFC 4648, no padding, `-` for `=`), split into labels | `generic_data` (text, or hex when not UTF-8) |
//! | `L` + 2 digits | a file name, base32 likewise (Linux inotify tokens) | `file_name` |
//! | `L4J` | `x` + the host name (Log4Shell tokens; a bare `x` when none was found) | `host_name` |
//! | `ini` | user, host and (optionally) Windows domain (desktop.ini tokens) | `user_name`, `host_name`, `domain` |
//! | `CMD`, then optionally an invocation id | `c` + computer name, `UN`, `u` + user name (sensitive-command tokens) | `computer_name`, `user_name`, `invocation_id` |
//! | `i` + base32 | `u` + digits, `f` + base32 (Windows fake file system tokens) | `invocation_id`, `file_name`, `process_name` |
//!
//! hark sees names lowercased (canonical form): base32 does not mind, so everything above
//! decodes. The SQL Server convention (base64 of the user name, then two digits) is
//! case-sensitive and is left undecoded: its labels would decode to the wrong bytes.

use data_encoding::{Encoding, BASE32_NOPAD};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a token's labels said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The convention (`generic`, `linux-inotify`, `log4shell`, `desktop-ini`, `cmd`,
    /// `windows-fake-fs`).
    pub convention: &'static str,
    /// Its fields.
    pub fields: BTreeMap<String, String>,
}

impl Decoded {
    /// The fields as `key=value` pairs, the convention first, for summaries.
    pub fn describe(&self) -> String {
        let mut text = self.convention.to_string();
        for (key, value) in &self.fields {
            text.push_str(&format!(" {key}={value:?}"));
        }
        text
    }

    /// The fields with the convention under `convention`, as alerts carry them.
    pub fn into_map(self) -> BTreeMap<String, String> {
        let mut map = self.fields;
        map.insert("convention".into(), self.convention.into());
        map
    }
}

/// Base32 as tokens write it: no padding, and lenient about the unused bits of the last
/// character (the encoders do not always clear them).
static BASE32: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = BASE32_NOPAD.specification();
    spec.check_trailing_bits = false;
    spec.encoding().unwrap_or_else(|_| BASE32_NOPAD.clone())
});

/// Decodes base32 labels joined, `-` and `=` (padding) dropped; `None` when they are not
/// base32.
fn base32(labels: &[&[u8]]) -> Option<Vec<u8>> {
    let mut text: Vec<u8> = labels.concat();
    text.retain(|&b| b != b'-' && b != b'=');
    text.make_ascii_uppercase();
    BASE32.decode(&text).ok()
}

/// Bytes as text when they are UTF-8, else as hex.
fn text_or_hex(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => data_encoding::HEXLOWER.encode(bytes),
    }
}

fn label_text(label: &[u8]) -> String {
    String::from_utf8_lossy(label).into_owned()
}

/// `prefix` + exactly `digits` ASCII digits.
fn marker(label: &[u8], prefix: u8, digits: usize) -> bool {
    label.len() == 1 + digits
        && label
            .first()
            .is_some_and(|b| b.eq_ignore_ascii_case(&prefix))
        && label.iter().skip(1).all(u8::is_ascii_digit)
}

fn fields(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Decodes the labels left of a token (`prefix`, in name order, the label next to the token
/// last); `None` when they follow no known convention.
pub fn decode(prefix: &[&[u8]]) -> Option<Decoded> {
    let (&last, data) = prefix.split_last()?;
    let decoded = |convention, fields| Some(Decoded { convention, fields });
    if marker(last, b'g', 2) {
        let value = match base32(data) {
            Some(bytes) => text_or_hex(&bytes),
            None => format!("undecodable: {}", label_text(&data.join(&b'.'))),
        };
        return decoded("generic", fields(&[("generic_data", value)]));
    }
    if last.eq_ignore_ascii_case(b"l4j") {
        let joined = label_text(&data.join(&b'.'));
        let host = match joined.strip_prefix('x') {
            Some(host) if !host.is_empty() => host.to_string(),
            _ => "(not obtained)".to_string(),
        };
        return decoded("log4shell", fields(&[("host_name", host)]));
    }
    if marker(last, b'l', 2) {
        let value = base32(data).map_or_else(
            || format!("undecodable: {}", label_text(&data.join(&b'.'))),
            |bytes| text_or_hex(&bytes),
        );
        return decoded("linux-inotify", fields(&[("file_name", value)]));
    }
    if last.eq_ignore_ascii_case(b"ini") {
        return match data {
            [user, host] => decoded(
                "desktop-ini",
                fields(&[
                    ("user_name", label_text(user)),
                    ("host_name", label_text(host)),
                ]),
            ),
            [user, host, domain] => decoded(
                "desktop-ini",
                fields(&[
                    ("user_name", label_text(user)),
                    ("host_name", label_text(host)),
                    ("domain", label_text(domain)),
                ]),
            ),
            _ => None,
        };
    }
    // `cCOMPUTER.UN.uUSER.CMD`, perhaps followed by an invocation id.
    let (cmd_data, invocation) = if last.eq_ignore_ascii_case(b"cmd") {
        (Some(data), None)
    } else {
        match data.split_last() {
            Some((&cmd, rest)) if cmd.eq_ignore_ascii_case(b"cmd") => (Some(rest), Some(last)),
            _ => (None, None),
        }
    };
    if let Some(cmd_data) = cmd_data {
        let un = cmd_data
            .iter()
            .position(|l| l.eq_ignore_ascii_case(b"un"))?;
        let computer = label_text(&cmd_data.get(..un)?.join(&b'.'));
        let user = label_text(&cmd_data.get(un + 1..)?.join(&b'.'));
        let strip = |text: &str, mark: char| match text.strip_prefix(mark) {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => "(not obtained)".to_string(),
        };
        let mut found = fields(&[
            ("computer_name", strip(&computer, 'c')),
            ("user_name", strip(&user, 'u')),
        ]);
        if let Some(id) = invocation {
            found.insert("invocation_id".into(), label_text(id));
        }
        return decoded("cmd", found);
    }
    // `uDIGITS.fBASE32.iBASE32`.
    if let [.., u, f, i] = prefix {
        let (Some(u_rest), Some(f_rest), Some(i_rest)) = (
            u.strip_prefix(b"u"),
            f.strip_prefix(b"f"),
            i.strip_prefix(b"i"),
        ) else {
            return None;
        };
        if !u_rest.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let part = |rest: &[u8]| {
            if rest.is_empty() {
                Some("(not obtained)".to_string())
            } else {
                base32(&[rest]).map(|b| text_or_hex(&b))
            }
        };
        let mut found = fields(&[
            ("file_name", part(f_rest)?),
            ("process_name", part(i_rest)?),
        ]);
        if !u_rest.is_empty() {
            found.insert("invocation_id".into(), label_text(u_rest));
        }
        return decoded("windows-fake-fs", found);
    }
    None
}

/// The labels of `name` (canonical wire) left of `token`, a name it is at or below.
pub fn prefix_labels<'n>(name: &'n [u8], token: &[u8]) -> Vec<&'n [u8]> {
    let mut labels = Vec::new();
    let mut rest = name;
    while rest.len() > token.len() {
        let Some(&len) = rest.first() else { break };
        let len = usize::from(len);
        let Some(label) = rest.get(1..1 + len) else {
            break;
        };
        labels.push(label);
        rest = rest.get(1 + len..).unwrap_or(&[]);
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<&[u8]> {
        text.split('.').map(str::as_bytes).collect()
    }

    #[test]
    fn prefixes() {
        let name = hark_dns::name::from_presentation("a.bc.tok.example.").expect("name");
        let token = hark_dns::name::from_presentation("tok.example.").expect("name");
        assert_eq!(prefix_labels(&name, &token), vec![&b"a"[..], b"bc"]);
        assert!(prefix_labels(&token, &token).is_empty());
    }

    // Expected values: the data encoded with Python's base64.b32encode, '=' dropped,
    // lowercased, as a name carries it.
    #[test]
    fn generic_and_inotify() {
        // b32encode(b"alice@ws-17") = MFWGSY3FIB3XGLJRG4======
        let got = decode(&labels("mfwgsy3fib3xg.ljrg4.g42")).expect("generic");
        assert_eq!(got.convention, "generic");
        assert_eq!(got.fields["generic_data"], "alice@ws-17");
        // b32encode(b"/etc/shadow") = F5SXIYZPONUGCZDPO4======
        let got = decode(&labels("f5sxiyzponugczdpo4.l07")).expect("inotify");
        assert_eq!(got.fields["file_name"], "/etc/shadow");
        // Bytes that are not UTF-8 come as hex: b32encode(b"\xff\x00") = 74AA====
        let got = decode(&labels("74aa.g01")).expect("hex");
        assert_eq!(got.fields["generic_data"], "ff00");
        assert!(
            decode(&labels("not!base32.g01")).expect("junk").fields["generic_data"]
                .starts_with("undecodable")
        );
    }

    #[test]
    fn named_conventions() {
        let got = decode(&labels("xweb01.l4j")).expect("log4shell");
        assert_eq!(got.fields["host_name"], "web01");
        assert_eq!(
            decode(&labels("x.l4j")).expect("bare").fields["host_name"],
            "(not obtained)"
        );
        let got = decode(&labels("bob.ws17.corp.ini")).expect("ini");
        assert_eq!(
            got.fields,
            fields(&[
                ("user_name", "bob".into()),
                ("host_name", "ws17".into()),
                ("domain", "corp".into())
            ])
        );
        let got = decode(&labels("cws17.un.ubob.cmd.abc123")).expect("cmd");
        assert_eq!(got.fields["computer_name"], "ws17");
        assert_eq!(got.fields["user_name"], "bob");
        assert_eq!(got.fields["invocation_id"], "abc123");
        let got = decode(&labels("c.un.u.cmd")).expect("cmd bare");
        assert_eq!(got.fields["user_name"], "(not obtained)");
        // b32encode(b"a.txt") = MEXHI6DU, b32encode(b"cmd.exe") = MNWWILTFPBSQ====
        let got = decode(&labels("u4711.fmexhi6du.imnwwiltfpbsq")).expect("fake fs");
        assert_eq!(got.fields["file_name"], "a.txt");
        assert_eq!(got.fields["process_name"], "cmd.exe");
        assert_eq!(got.fields["invocation_id"], "4711");
        assert_eq!(decode(&labels("www")), None);
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&labels("a.b.c.d.ini")), None);
    }
}
