//! Import of gamelinux/passivedns logs as a [`Source`](crate::source::Source): its `||`-delimited text (any
//! delimiter, any field order given as passivedns's `-f` letters) and its JSON (`-j`). One
//! unit per line that gives a row.
//!
//! passivedns caches (owner, type, answer) and prints a line when a record is first seen and
//! then at most once a day with the count of sightings *since the last print*: lines are
//! deltas, so each line is merged as its own observation — its `count` is added and its
//! timestamp widens first/last seen. The query field is the record's owner (passivedns follows
//! CNAME chains by owner), so rows keep their own owners.
//!
//! - A line of a class other than IN (the `C` field, `"class"` in JSON, when logged) is
//!   counted as `passivedns_not_in_class`: a CHAOS record says nothing of the Internet's names.
//! - An answer `NXDOMAIN` (passivedns's `-X x` error lines) is a negative row.
//! - A, AAAA, CNAME, DNAME, NS, PTR answers are read as presentation text.
//! - MX, SRV, SOA and TXT lines hold one field only (the exchange, the target, the primary
//!   server, the first string): counted as `passivedns_incomplete_rdata` rather than stored
//!   with wrong rdata. Other types the same way under `passivedns_unsupported_rrtype`.
//! - Rows have no bailiwick; the client and server addresses are never stored.

use crate::aggregate::Observations;
use crate::source;
use crate::text::{shown, LineFormat, LineSource, SkipLog};
use hark_dns::RrType;
use hark_record::{rcode, RrKeyParts, Tally, TimeSpan};

/// passivedns's default output fields (`-f SMcsCQTAtn`).
pub const DEFAULT_FIELDS: &str = "SMcsCQTAtn";

/// How to read the text form.
#[derive(Clone, Debug)]
pub struct PassiveDnsOptions {
    /// Field delimiter (`-d`), `||` by default.
    pub delimiter: String,
    /// Field letters in order (`-f`): S/M timestamp (seconds/ms), c client, s server, C class,
    /// Q query, T type, A answer, t TTL, n count, H date, p proto, h hostname, L/l lengths,
    /// w/W MACs.
    pub fields: String,
    /// The first bad line stops the import.
    pub strict: bool,
}

impl Default for PassiveDnsOptions {
    fn default() -> Self {
        PassiveDnsOptions {
            delimiter: "||".into(),
            fields: DEFAULT_FIELDS.into(),
            strict: false,
        }
    }
}

/// One passivedns line, whatever its form.
#[derive(Debug, Default, PartialEq)]
struct Line {
    time: Option<i64>,
    class: Option<String>,
    query: Option<String>,
    rrtype: Option<String>,
    answer: Option<String>,
    count: Option<u64>,
}

/// What a line gives.
#[derive(Debug, PartialEq)]
enum Mapped {
    Row(Vec<u8>, RrType, Vec<u8>),
    Negative(Vec<u8>, RrType),
}

fn map(line: &Line) -> Result<Mapped, &'static str> {
    if line
        .class
        .as_deref()
        .is_some_and(|class| !class.eq_ignore_ascii_case("IN"))
    {
        return Err("passivedns_not_in_class");
    }
    let owner = line
        .query
        .as_deref()
        .and_then(|q| hark_dns::name::from_presentation(q).ok())
        .ok_or("passivedns_bad_query")?;
    let rrtype: RrType = line
        .rrtype
        .as_deref()
        .ok_or("passivedns_no_type")?
        .parse()
        .map_err(|_| "passivedns_bad_type")?;
    let answer = line.answer.as_deref().ok_or("passivedns_no_answer")?;
    if answer == "NXDOMAIN" {
        return Ok(Mapped::Negative(owner, rrtype));
    }
    match rrtype {
        RrType::A | RrType::AAAA | RrType::CNAME | RrType::DNAME | RrType::NS | RrType::PTR => {
            let rdata = hark_dns::rdata::from_presentation(rrtype, answer)
                .map_err(|_| "passivedns_bad_answer")?;
            Ok(Mapped::Row(owner, rrtype, rdata))
        }
        RrType::MX | RrType::SRV | RrType::SOA | RrType::TXT => Err("passivedns_incomplete_rdata"),
        _ => Err("passivedns_unsupported_rrtype"),
    }
}

/// Epoch seconds from a passivedns timestamp: `S` is seconds with microseconds
/// (`1322849924.408856`), `M` milliseconds.
fn seconds(text: &str, milliseconds: bool) -> Option<i64> {
    let whole: i64 = text.split('.').next()?.parse().ok()?;
    Some(if milliseconds { whole / 1000 } else { whole })
}

fn text_line(line: &str, options: &PassiveDnsOptions) -> Result<Line, &'static str> {
    let values: Vec<&str> = line.split(options.delimiter.as_str()).collect();
    // passivedns prints `S` and `M` next to each other as one value, `seconds.microseconds`.
    let letters: Vec<char> = options.fields.replace("SM", "S").chars().collect();
    if values.len() != letters.len() {
        return Err("passivedns_field_count");
    }
    let mut out = Line::default();
    for (letter, value) in letters.iter().zip(values) {
        match letter {
            'S' => {
                out.time = out
                    .time
                    .or(Some(seconds(value, false).ok_or("passivedns_bad_time")?))
            }
            'M' => {
                out.time = out
                    .time
                    .or(Some(seconds(value, true).ok_or("passivedns_bad_time")?))
            }
            'C' => out.class = Some(value.to_string()),
            'Q' => out.query = Some(value.to_string()),
            'T' => out.rrtype = Some(value.to_string()),
            'A' => out.answer = Some(value.to_string()),
            'n' => out.count = Some(value.parse().map_err(|_| "passivedns_bad_count")?),
            _ => {}
        }
    }
    Ok(out)
}

/// One JSON line of passivedns (`-j`).
#[derive(serde::Deserialize)]
struct JsonLine {
    timestamp_s: Option<i64>,
    timestamp: Option<serde_json::Value>,
    class: Option<String>,
    query: Option<String>,
    #[serde(rename = "type")]
    rrtype: Option<String>,
    answer: Option<String>,
    count: Option<u64>,
}

fn json_line(line: &[u8]) -> Result<Line, &'static str> {
    let parsed: JsonLine = serde_json::from_slice(line).map_err(|_| "passivedns_bad_json")?;
    let time = parsed.timestamp_s.or_else(|| match &parsed.timestamp {
        Some(serde_json::Value::Number(n)) => n.as_f64().map(|f| f.floor() as i64),
        Some(serde_json::Value::String(s)) => seconds(s, false),
        _ => None,
    });
    Ok(Line {
        time,
        class: parsed.class,
        query: parsed.query,
        rrtype: parsed.rrtype,
        answer: parsed.answer,
        count: parsed.count,
    })
}

/// passivedns's lines, as a [`LineFormat`].
#[derive(Debug)]
pub struct PassiveDns {
    options: PassiveDnsOptions,
}

impl PassiveDns {
    /// The format read with `options`.
    pub fn new(options: PassiveDnsOptions) -> PassiveDns {
        PassiveDns { options }
    }
}

/// A passivedns log as a [`Source`](crate::source::Source).
pub type PassiveDnsSource = LineSource<PassiveDns>;

impl LineFormat for PassiveDns {
    fn options(&self) -> u64 {
        source::fingerprint(&[
            b"passivedns",
            self.options.delimiter.as_bytes(),
            self.options.fields.as_bytes(),
        ])
    }

    fn too_long(&self) -> &'static str {
        "passivedns_line_too_long"
    }

    fn line(
        &mut self,
        raw: &[u8],
        label: &str,
        number: u64,
        log: &mut SkipLog,
        chunk: &mut Observations,
    ) {
        if raw.first() == Some(&b'#') {
            return;
        }
        let parsed = if raw.first() == Some(&b'{') {
            json_line(raw)
        } else {
            match std::str::from_utf8(raw) {
                Ok(text) => text_line(text, &self.options),
                Err(_) => Err("passivedns_not_utf8"),
            }
        };
        let outcome = parsed.and_then(|line| {
            let time = line.time.ok_or("passivedns_bad_time")?;
            Ok((map(&line)?, time, line.count.unwrap_or(1)))
        });
        match outcome {
            Ok((mapped, time, count)) => {
                let tally = Tally {
                    seen: Some(TimeSpan::at(time)),
                    zone_seen: None,
                    count,
                };
                match mapped {
                    Mapped::Row(owner, rrtype, rdata) => {
                        let parts = RrKeyParts {
                            rrname: &owner,
                            rrtype,
                            bailiwick: None,
                            rdata: &rdata,
                        };
                        chunk.push_rows(std::iter::once(parts), tally);
                    }
                    Mapped::Negative(qname, qtype) => {
                        chunk.push_negative(&qname, qtype, rcode::NXDOMAIN, tally)
                    }
                }
            }
            Err(reason @ ("passivedns_incomplete_rdata" | "passivedns_unsupported_rrtype")) => {
                log.add_n(reason, 1)
            }
            Err(reason) => log.skip(reason, label, number, &shown(raw)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_text_lines() {
        let options = PassiveDnsOptions::default();
        let line = text_line(
            "1322849924.408856||10.1.1.1||8.8.8.8||IN||upload.youtube.com.||A||74.125.43.117||46587||5",
            &options,
        )
        .expect("line");
        assert_eq!(line.time, Some(1322849924));
        assert_eq!(line.count, Some(5));
        assert_eq!(
            map(&line),
            Ok(Mapped::Row(
                b"\x06upload\x07youtube\x03com\x00".to_vec(),
                RrType::A,
                vec![74, 125, 43, 117]
            ))
        );
        let nx =
            text_line("1.0||c||s||IN||nope.example.||A||NXDOMAIN||0||1", &options).expect("line");
        assert_eq!(
            map(&nx),
            Ok(Mapped::Negative(
                b"\x04nope\x07example\x00".to_vec(),
                RrType::A
            ))
        );
        let mx = text_line(
            "1.0||c||s||IN||example.com.||MX||mx.example.com.||300||1",
            &options,
        )
        .expect("line");
        assert_eq!(map(&mx), Err("passivedns_incomplete_rdata"));
        assert_eq!(
            text_line("1.0||c||s", &options),
            Err("passivedns_field_count")
        );
        // A CHAOS record (a sensor watching `version.bind` answers) is no row of class IN.
        let chaos =
            text_line("1.0||c||s||CH||version.bind.||TXT||NSD||0||1", &options).expect("line");
        assert_eq!(map(&chaos), Err("passivedns_not_in_class"));
        let json = json_line(br#"{"timestamp_s":1,"class":"CH","query":"version.bind.","type":"A","answer":"192.0.2.1","count":1}"#)
            .expect("json");
        assert_eq!(map(&json), Err("passivedns_not_in_class"));
    }

    #[test]
    fn other_delimiters_fields_and_json() {
        let options = PassiveDnsOptions {
            delimiter: "\t".into(),
            fields: "QTAnS".into(),
            strict: false,
        };
        let line = text_line(
            "www.example.com.\tCNAME\tcdn.example.net.\t3\t1700000000.5",
            &options,
        )
        .expect("line");
        assert_eq!((line.time, line.count), (Some(1700000000), Some(3)));
        let json = json_line(br#"{"timestamp_s":1700000000,"timestamp_ms":5,"client":"10.0.0.1","class":"IN","query":"a.example.","type":"AAAA","answer":"2001:db8::1","ttl":60,"count":2}"#)
            .expect("json");
        assert_eq!(
            map(&json),
            Ok(Mapped::Row(
                b"\x01a\x07example\x00".to_vec(),
                RrType::AAAA,
                {
                    let mut v = vec![0x20, 0x01, 0x0d, 0xb8];
                    v.extend([0; 11]);
                    v.push(1);
                    v
                }
            ))
        );
    }
}
