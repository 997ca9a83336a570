//! Indicator lists for `intel` rules: names and networks read from files.
//!
//! Two formats, told apart by the first line:
//! - **Zeek intel** (the Intelligence Framework's TSV): a `#fields` line naming at least
//!   `indicator` and `indicator_type`, then one indicator a line. `Intel::DOMAIN` adds a name
//!   (matching it and everything below it), `Intel::ADDR` an address, `Intel::SUBNET` a
//!   network; `meta.source`, when present, is kept as the entry's source. Other types
//!   (URLs, hashes...) are skipped and counted.
//! - **Plain text**: one entry a line, an address, a network (`ADDRESS/PREFIX`) or a name
//!   (`*.` before it is allowed and changes nothing: every name matches below itself);
//!   `#` starts a comment.
//!
//! - **Suricata datasets** ([`load_dataset`]; their type is declared where they are named,
//!   as in `suricata.yaml`): one value a line, optionally followed by `,` and a reputation
//!   (datarep files). `string` values are base64 (the standard alphabet, padded), here names
//!   such as a `dns.query` set holds; `ipv4` and `ip` values are addresses (`ip` also IPv6);
//!   `md5` and `sha256` sets hold hashes of buffers, which no DNS name can be matched
//!   against: their lines are counted and ignored.
//!
//! A line that is none of these is skipped and counted: feeds carry junk, and one bad line
//! must not disable a list.

use crate::matchers::{CidrSet, NameSet};
use std::io::BufRead;
use std::path::Path;

/// What reading one list gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListReport {
    /// Names added.
    pub names: usize,
    /// Addresses and networks added.
    pub networks: usize,
    /// Lines skipped, with the first few line numbers and why.
    pub skipped: usize,
    /// The first skipped lines: (line number, reason).
    pub first_skips: Vec<(usize, &'static str)>,
}

impl ListReport {
    fn skip(&mut self, line: usize, reason: &'static str) {
        self.skipped += 1;
        if self.first_skips.len() < 5 {
            self.first_skips.push((line, reason));
        }
    }
}

/// A list that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The file could not be read.
    #[error("cannot read the list {path}: {source}")]
    Io {
        /// The list's path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A Zeek intel file without the columns it needs.
    #[error("{path}: a Zeek intel file needs the fields indicator and indicator_type")]
    ZeekFields {
        /// The list's path.
        path: String,
    },
}

/// Reads the list at `path` into `names` and `networks`, the file name as the source of its
/// entries (a Zeek `meta.source` column wins).
pub fn load(
    path: &Path,
    names: &mut NameSet,
    networks: &mut CidrSet,
) -> Result<ListReport, ListError> {
    let (file, label, source) = open(path)?;
    read(file, &label, &source, names, networks)
}

/// Opens a list: a buffered reader, its path for errors, its file name as the source.
fn open(path: &Path) -> Result<(std::io::BufReader<std::fs::File>, String, String), ListError> {
    let label = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ListError::Io {
        path: label.clone(),
        source,
    })?;
    let source = path
        .file_name()
        .map_or_else(|| label.clone(), |n| n.to_string_lossy().into_owned());
    Ok((std::io::BufReader::new(file), label, source))
}

/// [`load`] over any reader; `label` names it in errors.
pub fn read(
    reader: impl BufRead,
    label: &str,
    source: &str,
    names: &mut NameSet,
    networks: &mut CidrSet,
) -> Result<ListReport, ListError> {
    let mut zeek: Option<(usize, usize, Option<usize>)> = None;
    each_line(reader, label, |number, line, report| {
        if let Some(fields) = line.strip_prefix("#fields\t") {
            let columns: Vec<&str> = fields.split('\t').collect();
            let find = |name: &str| columns.iter().position(|c| *c == name);
            let (Some(indicator), Some(kind)) = (find("indicator"), find("indicator_type")) else {
                return Err(ListError::ZeekFields {
                    path: label.to_string(),
                });
            };
            zeek = Some((indicator, kind, find("meta.source")));
            return Ok(());
        }
        if line.starts_with('#') || line.trim().is_empty() {
            return Ok(());
        }
        match zeek {
            Some((indicator, kind, meta)) => {
                let columns: Vec<&str> = line.split('\t').collect();
                let (Some(value), Some(kind)) = (columns.get(indicator), columns.get(kind)) else {
                    report.skip(number, "missing_column");
                    return Ok(());
                };
                let source = meta
                    .and_then(|m| columns.get(m))
                    .filter(|s| !s.is_empty() && **s != "-")
                    .copied()
                    .unwrap_or(source);
                match *kind {
                    "Intel::DOMAIN" => add_name(value, source, number, names, report),
                    "Intel::ADDR" | "Intel::SUBNET" => {
                        add_network(value, source, number, networks, report)
                    }
                    _ => report.skip(number, "indicator_type_not_dns"),
                }
            }
            None => {
                let entry = line.split('#').next().unwrap_or("").trim();
                if entry.contains(':')
                    || entry.contains('/')
                    || entry.parse::<std::net::Ipv4Addr>().is_ok()
                {
                    add_network(entry, source, number, networks, report);
                } else {
                    add_name(entry, source, number, names, report);
                }
            }
        }
        Ok(())
    })
}

/// Calls `each` with every UTF-8 line of `reader` (its 1-based number, the text without a
/// final `\r`) and the report to count in; a line that is not UTF-8 is a counted skip.
fn each_line(
    reader: impl BufRead,
    label: &str,
    mut each: impl FnMut(usize, &str, &mut ListReport) -> Result<(), ListError>,
) -> Result<ListReport, ListError> {
    let mut report = ListReport::default();
    for (number, line) in reader.split(b'\n').enumerate() {
        let number = number + 1;
        let line = line.map_err(|source| ListError::Io {
            path: label.to_string(),
            source,
        })?;
        match std::str::from_utf8(&line) {
            Ok(line) => each(number, line.trim_end_matches('\r'), &mut report)?,
            Err(_) => report.skip(number, "not_utf8"),
        }
    }
    Ok(report)
}

/// The type of a Suricata dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetType {
    /// Base64-encoded strings (names, for hark).
    String,
    /// IPv4 addresses.
    Ipv4,
    /// IPv4 or IPv6 addresses.
    Ip,
    /// MD5 hashes (ignored).
    Md5,
    /// SHA-256 hashes (ignored).
    Sha256,
}

impl DatasetType {
    /// Parses `string`, `ipv4`, `ip`, `md5` or `sha256`.
    pub fn parse(text: &str) -> Option<DatasetType> {
        Some(match text.trim() {
            "string" => DatasetType::String,
            "ipv4" => DatasetType::Ipv4,
            "ip" => DatasetType::Ip,
            "md5" => DatasetType::Md5,
            "sha256" => DatasetType::Sha256,
            _ => return None,
        })
    }
}

/// Reads the Suricata dataset at `path`, of type `kind`, into `names` and `networks`, the
/// file name as the source of its entries.
pub fn load_dataset(
    path: &Path,
    kind: DatasetType,
    names: &mut NameSet,
    networks: &mut CidrSet,
) -> Result<ListReport, ListError> {
    let (file, label, source) = open(path)?;
    read_dataset(file, kind, &label, &source, names, networks)
}

/// [`load_dataset`] over any reader; `label` names it in errors.
pub fn read_dataset(
    reader: impl BufRead,
    kind: DatasetType,
    label: &str,
    source: &str,
    names: &mut NameSet,
    networks: &mut CidrSet,
) -> Result<ListReport, ListError> {
    use data_encoding::BASE64;
    each_line(reader, label, |number, line, report| {
        // A datarep line carries `,REPUTATION` after the value.
        let value = line.split(',').next().unwrap_or("").trim();
        if value.is_empty() {
            return Ok(());
        }
        match kind {
            DatasetType::String => match BASE64.decode(value.as_bytes()) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => add_name(&text, source, number, names, report),
                    Err(_) => report.skip(number, "not_utf8"),
                },
                Err(_) => report.skip(number, "bad_base64"),
            },
            DatasetType::Ipv4 if value.parse::<std::net::Ipv4Addr>().is_err() => {
                report.skip(number, "bad_network")
            }
            DatasetType::Ipv4 | DatasetType::Ip => {
                add_network(value, source, number, networks, report)
            }
            DatasetType::Md5 | DatasetType::Sha256 => report.skip(number, "hash_not_matchable"),
        }
        Ok(())
    })
}

fn add_name(text: &str, source: &str, line: usize, names: &mut NameSet, report: &mut ListReport) {
    let text = text.strip_prefix("*.").unwrap_or(text);
    match crate::rules::parse_name(text) {
        Some(wire) => {
            names.insert(&wire, source);
            report.names += 1;
        }
        None => report.skip(line, "bad_name"),
    }
}

fn add_network(
    text: &str,
    source: &str,
    line: usize,
    networks: &mut CidrSet,
    report: &mut ListReport,
) {
    match networks.insert(text, source) {
        Ok(()) => report.networks += 1,
        Err(_) => report.skip(line, "bad_network"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zeek_intel_and_plain_lists() {
        let zeek = "#separator \\x09\n#fields\tindicator\tindicator_type\tmeta.source\n\
                    evil.example\tIntel::DOMAIN\tfeed-a\n\
                    192.0.2.7\tIntel::ADDR\t-\n\
                    198.51.100.0/24\tIntel::SUBNET\tfeed-b\n\
                    http://x/\tIntel::URL\tfeed-a\n";
        let mut names = NameSet::new();
        let mut networks = CidrSet::new();
        let report = read(zeek.as_bytes(), "z", "z.tsv", &mut names, &mut networks).expect("read");
        networks.build();
        assert_eq!((report.names, report.networks, report.skipped), (1, 2, 1));
        let wire = hark_dns::name::from_presentation("a.evil.example.").expect("name");
        assert_eq!(names.find(&wire).map(|(_, s)| s), Some("feed-a"));
        assert_eq!(
            networks.find("192.0.2.7".parse().expect("ip")),
            Some("z.tsv")
        );
        assert_eq!(
            networks.find("198.51.100.9".parse().expect("ip")),
            Some("feed-b")
        );

        let plain = "# bad names\nbad.example\n*.worse.example # wildcard\n2001:db8::/48\n10.1.2.3\nnot a name\n";
        let report = read(plain.as_bytes(), "p", "p.txt", &mut names, &mut networks).expect("read");
        assert_eq!((report.names, report.networks, report.skipped), (2, 2, 1));
        assert_eq!(report.first_skips, vec![(6, "bad_name")]);
    }

    #[test]
    fn reads_suricata_datasets() {
        // base64 of "evil.example", "c2.bad.example" (the latter with a datarep reputation),
        // as Python's base64.b64encode writes them; then junk.
        let strings = "ZXZpbC5leGFtcGxl\nYzIuYmFkLmV4YW1wbGU=,30\n\n!!!\n";
        let mut names = NameSet::new();
        let mut networks = CidrSet::new();
        let report = read_dataset(
            strings.as_bytes(),
            DatasetType::String,
            "s",
            "dns-bl.lst",
            &mut names,
            &mut networks,
        )
        .expect("read");
        assert_eq!((report.names, report.networks, report.skipped), (2, 0, 1));
        assert_eq!(report.first_skips, vec![(4, "bad_base64")]);
        let wire = hark_dns::name::from_presentation("x.c2.bad.example.").expect("name");
        assert_eq!(names.find(&wire).map(|(_, s)| s), Some("dns-bl.lst"));

        let v4 = "192.0.2.1\n2001:db8::1\n198.51.100.7,5\n";
        let report = read_dataset(
            v4.as_bytes(),
            DatasetType::Ipv4,
            "v",
            "v4.lst",
            &mut names,
            &mut networks,
        )
        .expect("read");
        assert_eq!((report.networks, report.skipped), (2, 1));
        let ip = "2001:db8::1\n203.0.113.5\n";
        let report = read_dataset(
            ip.as_bytes(),
            DatasetType::Ip,
            "i",
            "ip.lst",
            &mut names,
            &mut networks,
        )
        .expect("read");
        assert_eq!((report.networks, report.skipped), (2, 0));
        networks.build();
        assert_eq!(
            networks.find("198.51.100.7".parse().expect("ip")),
            Some("v4.lst")
        );
        assert_eq!(
            networks.find("2001:db8::1".parse().expect("ip")),
            Some("ip.lst")
        );
        assert_eq!(networks.find("2001:db8::2".parse().expect("ip")), None);

        let hashes = "27c6e2d4a1b0f3e8d2c1b0a9f8e7d6c5\n";
        let report = read_dataset(
            hashes.as_bytes(),
            DatasetType::Md5,
            "m",
            "m.lst",
            &mut names,
            &mut networks,
        )
        .expect("read");
        assert_eq!((report.names, report.networks, report.skipped), (0, 0, 1));
    }
}
