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
    let label = path.display().to_string();
    let io = |source| ListError::Io {
        path: label.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let source = path
        .file_name()
        .map_or_else(|| label.clone(), |n| n.to_string_lossy().into_owned());
    read(
        std::io::BufReader::new(file),
        &label,
        &source,
        names,
        networks,
    )
}

/// [`load`] over any reader; `label` names it in errors.
pub fn read(
    reader: impl BufRead,
    label: &str,
    source: &str,
    names: &mut NameSet,
    networks: &mut CidrSet,
) -> Result<ListReport, ListError> {
    let mut report = ListReport::default();
    let mut zeek: Option<(usize, usize, Option<usize>)> = None;
    for (number, line) in reader.split(b'\n').enumerate() {
        let number = number + 1;
        let line = line.map_err(|source| ListError::Io {
            path: label.to_string(),
            source,
        })?;
        let Ok(line) = std::str::from_utf8(&line) else {
            report.skip(number, "not_utf8");
            continue;
        };
        let line = line.trim_end_matches('\r');
        if let Some(fields) = line.strip_prefix("#fields\t") {
            let columns: Vec<&str> = fields.split('\t').collect();
            let find = |name: &str| columns.iter().position(|c| *c == name);
            let (Some(indicator), Some(kind)) = (find("indicator"), find("indicator_type")) else {
                return Err(ListError::ZeekFields {
                    path: label.to_string(),
                });
            };
            zeek = Some((indicator, kind, find("meta.source")));
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match zeek {
            Some((indicator, kind, meta)) => {
                let columns: Vec<&str> = line.split('\t').collect();
                let (Some(value), Some(kind)) = (columns.get(indicator), columns.get(kind)) else {
                    report.skip(number, "missing_column");
                    continue;
                };
                let source = meta
                    .and_then(|m| columns.get(m))
                    .filter(|s| !s.is_empty() && **s != "-")
                    .copied()
                    .unwrap_or(source);
                match *kind {
                    "Intel::DOMAIN" => add_name(value, source, number, names, &mut report),
                    "Intel::ADDR" | "Intel::SUBNET" => {
                        add_network(value, source, number, networks, &mut report)
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
                    add_network(entry, source, number, networks, &mut report);
                } else {
                    add_name(entry, source, number, names, &mut report);
                }
            }
        }
    }
    Ok(report)
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
}
