//! Import of Zeek `dns.log` as a [`Source`](crate::source::Source): TSV (Zeek's ASCII writer) or JSON lines,
//! detected from the first line. One unit per line that gives rows.
//!
//! TSV: the columns come from the `#fields` header; `#separator` (written as `\x09`),
//! `#set_separator`, `#empty_field` and `#unset_field` are honoured, and values are
//! unescaped (`\xHH`). JSON: one object a line; `ts` is epoch seconds (a number) or ISO 8601
//! (a string). Times are truncated to the second.
//!
//! # What a line becomes
//!
//! Zeek logs one line per transaction: the question (`query`, `qtype`), the `rcode`, and
//! `answers`, the rdata of the answer section *without owners or types*. hark maps it so
//! that nothing is attributed to a name it does not belong to:
//!
//! - A question of a class other than IN (`qclass`/`qclass_name`, when logged: CHAOS
//!   `version.bind` and the like) says nothing of the Internet's names: `zeek_not_in_class`.
//! - NXDOMAIN: a negative row (query, qtype, NXDOMAIN).
//! - NOERROR with answers, by question type:
//!   - A, AAAA, TXT: the answers must be names first (a CNAME chain), then values of the
//!     question's type (addresses of its family; Zeek's `TXT n text` strings). The chain is
//!     read in answer order (RFC 1034 §4.3.2: a CNAME, then its target's records): query
//!     CNAME name1, name1 CNAME name2, …, and every value is a record of the *last* name —
//!     never of the query name. Any other shape (a value before a name, an address of the
//!     other family) is skipped as `zeek_ambiguous_answers`.
//!   - CNAME, NS, PTR: each answer is a name; one answer is (query, qtype, name). Several NS
//!     or PTR answers are the query's records, except a PTR answer set whose first name is
//!     itself under `in-addr.arpa`/`ip6.arpa` (a classless-delegation CNAME in front):
//!     ambiguous, skipped. Several CNAME answers form a chain as above.
//!   - MX, SRV, SOA: Zeek keeps one field only (the exchange, the target, the primary
//!     server): skipped as `zeek_incomplete_rdata` rather than stored with invented fields.
//!   - Any other type: `zeek_unsupported_rrtype`.
//! - NOERROR without answers (NODATA, or a referral: Zeek does not log the authority section
//!   that would tell them apart): `zeek_no_answers`. No response logged: `zeek_no_response`.
//!   Another rcode: `zeek_error_rcode`.
//!
//! Zeek's `RRSIG <type> <signer>` answers are left out (not storable, and no link of a chain).
//!
//! Lost for good: bailiwick (rows have none), TTLs (never stored), the authority and
//! additional sections, and DNAME (read as the CNAME synthesised from it).

use crate::aggregate::Observations;
use crate::source;
use crate::text::{shown, LineFormat, LineSource, SkipLog};
use hark_dns::RrType;
use hark_record::{rcode, RrKeyParts, Tally};
use std::net::IpAddr;

/// One transaction, whatever the log format.
#[derive(Debug, Default, PartialEq)]
pub struct Transaction {
    /// Epoch seconds.
    pub time: i64,
    /// The question name as logged.
    pub query: Option<String>,
    /// The question type.
    pub qtype: Option<RrType>,
    /// The question class; `None` when not logged (taken as IN).
    pub qclass: Option<u16>,
    /// The response code; `None` when no response was logged.
    pub rcode: Option<u16>,
    /// The answers' rdata as Zeek logs them.
    pub answers: Vec<String>,
}

/// Rows (owner, type, rdata) a transaction gives, or why it gives none.
pub enum Mapped {
    /// RR rows.
    Rows(Vec<(Vec<u8>, RrType, Vec<u8>)>),
    /// A negative row.
    Negative(Vec<u8>, RrType, u16),
    /// Nothing, for this reason.
    Skip(&'static str),
}

/// An answer as Zeek logs it.
enum Answer {
    Address(IpAddr),
    Txt(Vec<u8>),
    Name(Vec<u8>),
}

/// Reads Zeek's TXT answer form: `TXT <len> <text>`, repeated with a space between strings.
fn parse_txt(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut rdata = Vec::new();
    let mut pos = 0;
    loop {
        let rest = bytes.get(pos..)?.strip_prefix(b"TXT ")?;
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let length: usize = std::str::from_utf8(rest.get(..digits)?)
            .ok()?
            .parse()
            .ok()?;
        let string = rest.get(digits + 1..digits + 1 + length)?;
        if rest.get(digits) != Some(&b' ') || length > 255 {
            return None;
        }
        rdata.push(u8::try_from(length).ok()?);
        rdata.extend_from_slice(string);
        pos += 4 + digits + 1 + length;
        match bytes.get(pos) {
            None => return Some(rdata),
            Some(b' ') => pos += 1,
            Some(_) => return None,
        }
    }
}

fn classify(answer: &str) -> Option<Answer> {
    if let Ok(address) = answer.parse::<IpAddr>() {
        return Some(Answer::Address(address));
    }
    if answer.starts_with("TXT ") {
        return parse_txt(answer).map(Answer::Txt);
    }
    if answer.starts_with('<') || answer.contains(' ') {
        return None; // Zeek's placeholders (`<unknown type=65>`) and other free text
    }
    hark_dns::name::from_presentation(answer)
        .ok()
        .map(Answer::Name)
}

/// Maps one transaction to rows (the rules are in the module docs).
pub fn map(transaction: &Transaction) -> Mapped {
    let Some(rcode) = transaction.rcode else {
        return Mapped::Skip("zeek_no_response");
    };
    let (Some(query), Some(qtype)) = (&transaction.query, transaction.qtype) else {
        return Mapped::Skip("zeek_no_question");
    };
    if transaction
        .qclass
        .is_some_and(|class| class != hark_dns::CLASS_IN)
    {
        return Mapped::Skip("zeek_not_in_class");
    }
    let Ok(qname) = hark_dns::name::from_presentation(query) else {
        return Mapped::Skip("zeek_bad_name");
    };
    if rcode == rcode::NXDOMAIN {
        return Mapped::Negative(qname, qtype, rcode);
    }
    if rcode != rcode::NOERROR {
        return Mapped::Skip("zeek_error_rcode");
    }
    if transaction.answers.is_empty() {
        return Mapped::Skip("zeek_no_answers");
    }
    let mut answers = Vec::with_capacity(transaction.answers.len());
    // Zeek logs a signature as `RRSIG <type covered> <signer>`: not a record hark can store,
    // and no link of a chain, so it is left out.
    let texts: Vec<&String> = transaction
        .answers
        .iter()
        .filter(|a| !a.starts_with("RRSIG "))
        .collect();
    if texts.is_empty() {
        return Mapped::Skip("zeek_no_answers");
    }
    for text in texts.iter().copied() {
        match classify(text) {
            Some(answer) => answers.push(answer),
            None => return Mapped::Skip("zeek_bad_answer"),
        }
    }
    match qtype {
        RrType::A | RrType::AAAA | RrType::TXT | RrType::CNAME => chain(qname, qtype, answers),
        RrType::NS | RrType::PTR => {
            let mut rows = Vec::new();
            for (n, answer) in answers.into_iter().enumerate() {
                let Answer::Name(name) = answer else {
                    return Mapped::Skip("zeek_ambiguous_answers");
                };
                if n == 0 && qtype == RrType::PTR && texts.len() > 1 {
                    let reverse = name.ends_with(b"\x07in-addr\x04arpa\x00")
                        || name.ends_with(b"\x03ip6\x04arpa\x00");
                    if reverse {
                        return Mapped::Skip("zeek_ambiguous_answers");
                    }
                }
                rows.push((qname.clone(), qtype, name));
            }
            Mapped::Rows(rows)
        }
        RrType::MX | RrType::SRV | RrType::SOA => Mapped::Skip("zeek_incomplete_rdata"),
        _ => Mapped::Skip("zeek_unsupported_rrtype"),
    }
}

/// Names first (a CNAME chain from the query name), then values of `qtype` for the last name.
fn chain(qname: Vec<u8>, qtype: RrType, answers: Vec<Answer>) -> Mapped {
    let mut rows = Vec::new();
    let mut owner = qname;
    let mut values = false;
    for answer in answers {
        let rdata = match (answer, qtype) {
            (Answer::Name(name), _) if !values => {
                rows.push((owner.clone(), RrType::CNAME, name.clone()));
                owner = name;
                continue;
            }
            (Answer::Address(IpAddr::V4(a)), RrType::A) => a.octets().to_vec(),
            (Answer::Address(IpAddr::V6(a)), RrType::AAAA) => a.octets().to_vec(),
            (Answer::Txt(rdata), RrType::TXT) => rdata,
            _ => return Mapped::Skip("zeek_ambiguous_answers"),
        };
        values = true;
        rows.push((owner.clone(), qtype, rdata));
    }
    Mapped::Rows(rows)
}

/// Undoes Zeek's escapes: `\xHH` and `\\`.
fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut pos = 0;
    while let Some(&byte) = text.get(pos) {
        if byte == b'\\' {
            if text.get(pos + 1) == Some(&b'x') {
                let hex = text
                    .get(pos + 2..pos + 4)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(value) = hex {
                    out.push(value);
                    pos += 4;
                    continue;
                }
            } else if text.get(pos + 1) == Some(&b'\\') {
                out.push(b'\\');
                pos += 2;
                continue;
            }
        }
        out.push(byte);
        pos += 1;
    }
    out
}

/// The TSV header: separators and where the columns are.
#[derive(Debug)]
struct Header {
    separator: Vec<u8>,
    set_separator: Vec<u8>,
    empty: Vec<u8>,
    unset: Vec<u8>,
    columns: Option<Columns>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            separator: b"\t".to_vec(),
            set_separator: b",".to_vec(),
            empty: b"(empty)".to_vec(),
            unset: b"-".to_vec(),
            columns: None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    ts: usize,
    query: usize,
    qtype: Option<usize>,
    qtype_name: Option<usize>,
    qclass: Option<usize>,
    qclass_name: Option<usize>,
    rcode: Option<usize>,
    rcode_name: Option<usize>,
    answers: Option<usize>,
}

fn split<'a>(line: &'a [u8], separator: &'a [u8]) -> Vec<&'a [u8]> {
    if separator.is_empty() {
        return vec![line];
    }
    let mut parts = Vec::new();
    let mut rest = line;
    while let Some(at) = memchr::memmem::find(rest, separator) {
        parts.push(rest.get(..at).unwrap_or_default());
        rest = rest.get(at + separator.len()..).unwrap_or_default();
    }
    parts.push(rest);
    parts
}

impl Header {
    /// Reads a `#` line.
    fn directive(&mut self, line: &[u8]) -> Result<(), &'static str> {
        if let Some(value) = line.strip_prefix(b"#separator ") {
            self.separator = unescape(value);
            return Ok(());
        }
        let parts = split(line, &self.separator);
        let (Some(&name), values) = (parts.first(), parts.get(1..).unwrap_or_default()) else {
            return Ok(());
        };
        let first = values.first().map(|v| unescape(v)).unwrap_or_default();
        match name {
            b"#set_separator" => self.set_separator = first,
            b"#empty_field" => self.empty = first,
            b"#unset_field" => self.unset = first,
            b"#fields" => {
                let at = |field: &[u8]| values.iter().position(|v| *v == field);
                self.columns = Some(Columns {
                    ts: at(b"ts").ok_or("zeek_no_ts_column")?,
                    query: at(b"query").ok_or("zeek_no_query_column")?,
                    qtype: at(b"qtype"),
                    qtype_name: at(b"qtype_name"),
                    qclass: at(b"qclass"),
                    qclass_name: at(b"qclass_name"),
                    rcode: at(b"rcode"),
                    rcode_name: at(b"rcode_name"),
                    answers: at(b"answers"),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Reads a data line.
    fn transaction(&self, line: &[u8]) -> Result<Transaction, &'static str> {
        let columns = self.columns.ok_or("zeek_no_fields_header")?;
        let fields = split(line, &self.separator);
        let field = |n: Option<usize>| -> Option<&[u8]> {
            let value = *fields.get(n?)?;
            (value != self.unset.as_slice()).then_some(value)
        };
        let text = |n: Option<usize>| -> Option<String> {
            field(n).map(|v| String::from_utf8_lossy(&unescape(v)).into_owned())
        };
        let ts = field(Some(columns.ts)).ok_or("zeek_bad_ts")?;
        let time = parse_epoch(std::str::from_utf8(ts).map_err(|_| "zeek_bad_ts")?)
            .ok_or("zeek_bad_ts")?;
        let answers = match field(columns.answers) {
            None => Vec::new(),
            Some(value) if value == self.empty.as_slice() => Vec::new(),
            Some(value) => split(value, &self.set_separator)
                .into_iter()
                .map(|a| String::from_utf8_lossy(&unescape(a)).into_owned())
                .collect(),
        };
        Ok(Transaction {
            time,
            query: text(Some(columns.query)),
            qtype: question_type(
                text(columns.qtype).as_deref(),
                text(columns.qtype_name).as_deref(),
            )?,
            qclass: question_class(
                text(columns.qclass).as_deref(),
                text(columns.qclass_name).as_deref(),
            )?,
            rcode: response_code(
                text(columns.rcode).as_deref(),
                text(columns.rcode_name).as_deref(),
            )?,
            answers,
        })
    }
}

/// The question type from Zeek's `qtype` number, else its `qtype_name`.
fn question_type(number: Option<&str>, name: Option<&str>) -> Result<Option<RrType>, &'static str> {
    if let Some(number) = number {
        return number
            .parse::<u16>()
            .map(|n| Some(RrType(n)))
            .map_err(|_| "zeek_bad_qtype");
    }
    match name {
        Some(name) => name.parse().map(Some).map_err(|_| "zeek_bad_qtype"),
        None => Ok(None),
    }
}

/// The question class from Zeek's `qclass` number, else its `qclass_name` (Zeek's names:
/// `C_INTERNET`, `C_CSNET`, `C_CHAOS`, `C_HESIOD`, `C_NONE`, `C_ANY`).
fn question_class(number: Option<&str>, name: Option<&str>) -> Result<Option<u16>, &'static str> {
    if let Some(number) = number {
        return number.parse().map(Some).map_err(|_| "zeek_bad_qclass");
    }
    let Some(name) = name else {
        return Ok(None);
    };
    let class = match name {
        "C_INTERNET" => hark_dns::CLASS_IN,
        "C_CSNET" => 2,
        "C_CHAOS" => 3,
        "C_HESIOD" => 4,
        "C_NONE" => 254,
        "C_ANY" => 255,
        _ => return Err("zeek_bad_qclass"),
    };
    Ok(Some(class))
}

/// The response code from Zeek's `rcode` number, else its `rcode_name`.
fn response_code(number: Option<&str>, name: Option<&str>) -> Result<Option<u16>, &'static str> {
    if let Some(number) = number {
        return number.parse().map(Some).map_err(|_| "zeek_bad_rcode");
    }
    match name {
        Some(name) => rcode::parse(name).map(Some).ok_or("zeek_bad_rcode"),
        None => Ok(None),
    }
}

/// Epoch seconds from `1521911720.865716` (truncated to the second).
pub fn parse_epoch(text: &str) -> Option<i64> {
    let whole = text.split('.').next()?;
    if whole.is_empty()
        || !whole
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    whole.parse().ok()
}

/// A `ts` that is a number of epoch seconds or an ISO 8601 / RFC 3339 string.
pub fn json_time(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.floor() as i64)
        }),
        serde_json::Value::String(s) => {
            parse_epoch(s).or_else(|| s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second()))
        }
        _ => None,
    }
}

/// One JSON line of Zeek's dns log.
#[derive(serde::Deserialize)]
struct JsonLine {
    ts: serde_json::Value,
    query: Option<String>,
    qtype: Option<u16>,
    qtype_name: Option<String>,
    qclass: Option<u16>,
    qclass_name: Option<String>,
    rcode: Option<u16>,
    rcode_name: Option<String>,
    answers: Option<Vec<String>>,
}

fn json_transaction(line: &[u8]) -> Result<Transaction, &'static str> {
    let parsed: JsonLine = serde_json::from_slice(line).map_err(|_| "zeek_bad_json")?;
    let time = json_time(&parsed.ts).ok_or("zeek_bad_ts")?;
    let qtype = match parsed.qtype {
        Some(n) => Some(RrType(n)),
        None => question_type(None, parsed.qtype_name.as_deref())?,
    };
    let qclass = match parsed.qclass {
        Some(n) => Some(n),
        None => question_class(None, parsed.qclass_name.as_deref())?,
    };
    let rcode = match parsed.rcode {
        Some(n) => Some(n),
        None => response_code(None, parsed.rcode_name.as_deref())?,
    };
    Ok(Transaction {
        time,
        query: parsed.query,
        qtype,
        qclass,
        rcode,
        answers: parsed.answers.unwrap_or_default(),
    })
}

/// Which of Zeek's formats a file is in, decided by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Tsv,
    Json,
}

/// Zeek's dns log lines (TSV with its header, or JSON), as a [`LineFormat`].
#[derive(Debug, Default)]
pub struct Zeek {
    format: Option<Format>,
    header: Header,
}

/// A Zeek `dns.log` (TSV or JSON) as a [`Source`](crate::source::Source).
pub type ZeekSource = LineSource<Zeek>;

impl LineFormat for Zeek {
    fn options(&self) -> u64 {
        source::fingerprint(&[b"zeek-dns"])
    }

    fn too_long(&self) -> &'static str {
        "zeek_line_too_long"
    }

    fn line(
        &mut self,
        line: &[u8],
        label: &str,
        number: u64,
        log: &mut SkipLog,
        chunk: &mut Observations,
    ) {
        let format = *self.format.get_or_insert(if line.first() == Some(&b'{') {
            Format::Json
        } else {
            Format::Tsv
        });
        let parsed = match format {
            Format::Tsv if line.first() == Some(&b'#') => {
                if let Err(reason) = self.header.directive(line) {
                    log.skip(reason, label, number, &"bad #fields header");
                }
                return;
            }
            Format::Tsv => self.header.transaction(line),
            Format::Json => json_transaction(line),
        };
        let transaction = match parsed {
            Ok(transaction) => transaction,
            Err(reason) => {
                log.skip(reason, label, number, &shown(line));
                return;
            }
        };
        let tally = Tally::seen_at(transaction.time);
        match map(&transaction) {
            Mapped::Rows(rows) => {
                let parts = rows.iter().map(|(owner, rrtype, rdata)| RrKeyParts {
                    rrname: owner,
                    rrtype: *rrtype,
                    bailiwick: None,
                    rdata,
                });
                chunk.push_rows(parts, tally);
            }
            Mapped::Negative(qname, qtype, rcode) => {
                chunk.push_negative(&qname, qtype, rcode, tally);
            }
            // Lines that carry nothing storable are counted, not logged: they are normal.
            Mapped::Skip(reason) => log.add_n(reason, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(query: &str, qtype: RrType, answers: &[&str]) -> Vec<String> {
        let transaction = Transaction {
            time: 1,
            query: Some(query.into()),
            qtype: Some(qtype),
            qclass: None,
            rcode: Some(0),
            answers: answers.iter().map(|a| a.to_string()).collect(),
        };
        match map(&transaction) {
            Mapped::Rows(rows) => rows
                .iter()
                .map(|(owner, rrtype, rdata)| {
                    let mut out = String::new();
                    hark_dns::name::to_presentation(owner, &mut out).expect("name");
                    out.push_str(&format!(" {rrtype} "));
                    hark_dns::rdata::to_presentation(*rrtype, rdata, &mut out);
                    out
                })
                .collect(),
            Mapped::Negative(..) => vec!["negative".into()],
            Mapped::Skip(reason) => vec![reason.into()],
        }
    }

    #[test]
    fn a_cname_chain_gives_the_addresses_to_the_last_name() {
        assert_eq!(
            rows(
                "ise.wrccdc.org",
                RrType::A,
                &["ise.wrccdc.cpp.edu", "134.71.3.16"]
            ),
            vec![
                "ise.wrccdc.org. CNAME ise.wrccdc.cpp.edu.",
                "ise.wrccdc.cpp.edu. A 134.71.3.16",
            ]
        );
        assert_eq!(
            rows("a.example", RrType::A, &["192.0.2.1", "b.example"]),
            vec!["zeek_ambiguous_answers"]
        );
        assert_eq!(
            rows("a.example", RrType::AAAA, &["192.0.2.1"]),
            vec!["zeek_ambiguous_answers"]
        );
        assert_eq!(
            rows("t.example", RrType::TXT, &["TXT 11 v=spf1 -all TXT 2 ab"]),
            vec!["t.example. TXT \"v=spf1 -all\" \"ab\""]
        );
        assert_eq!(
            rows("m.example", RrType::MX, &["mx.example"]),
            vec!["zeek_incomplete_rdata"]
        );
        assert_eq!(
            rows(
                "4.3.2.1.in-addr.arpa",
                RrType::PTR,
                &["4.0-25.3.2.1.in-addr.arpa", "h.example"]
            ),
            vec!["zeek_ambiguous_answers"]
        );
        assert_eq!(
            rows("x.example", RrType::A, &["<unknown type=99>"]),
            vec!["zeek_bad_answer"]
        );
    }

    #[test]
    fn tsv_escapes_and_sets() {
        let mut header = Header::default();
        header.directive(b"#separator \\x09").expect("separator");
        header.directive(b"#set_separator\t,").expect("set");
        header
            .directive(b"#fields\tts\tquery\tqtype\tqtype_name\trcode\trcode_name\tanswers")
            .expect("fields");
        let t = header
            .transaction(
                b"1521911720.865716\ta\\x09b.example\t16\tTXT\t0\tNOERROR\tTXT 3 a\\x2cb,x.example",
            )
            .expect("line");
        assert_eq!(t.time, 1521911720);
        assert_eq!(t.query.as_deref(), Some("a\tb.example"));
        assert_eq!(t.answers, vec!["TXT 3 a,b", "x.example"]);
        let unset = header
            .transaction(b"1.5\tq.example\t1\tA\t-\t-\t-")
            .expect("line");
        assert_eq!(unset.rcode, None);
        assert!(unset.answers.is_empty());
        assert!(header
            .transaction(b"notatime\tq\t1\tA\t0\tNOERROR\t-")
            .is_err());
    }

    /// A CHAOS `version.bind` answered is no TXT row of the Internet's `version.bind.`, nor
    /// its NXDOMAIN a negative row: the class comes from `qclass`, else `qclass_name`, and a
    /// log without either is taken as IN.
    #[test]
    fn questions_of_other_classes_are_skipped() {
        let mut header = Header::default();
        header.directive(b"#separator \\x09").expect("separator");
        header.directive(b"#set_separator\t,").expect("set");
        header
            .directive(b"#fields\tts\tquery\tqclass\tqclass_name\tqtype\trcode\tanswers")
            .expect("fields");
        let mapped = |line: &[u8]| match map(&header.transaction(line).expect("line")) {
            Mapped::Rows(rows) => format!("{} rows", rows.len()),
            Mapped::Negative(..) => "negative".to_string(),
            Mapped::Skip(reason) => reason.to_string(),
        };
        let chaos = b"1.0\tversion.bind\t3\tC_CHAOS\t16\t0\tTXT 9 NSD 4.8.0";
        assert_eq!(mapped(chaos), "zeek_not_in_class");
        assert_eq!(
            mapped(b"1.0\thostname.bind\t3\tC_CHAOS\t16\t3\t-"),
            "zeek_not_in_class"
        );
        let internet = b"1.0\tversion.bind\t1\tC_INTERNET\t16\t0\tTXT 9 NSD 4.8.0";
        assert_eq!(mapped(internet), "1 rows");
        // The name alone, when the number is unset.
        assert_eq!(
            mapped(b"1.0\tversion.bind\t-\tC_CHAOS\t16\t0\tTXT 9 NSD 4.8.0"),
            "zeek_not_in_class"
        );
        assert_eq!(
            mapped(b"1.0\tversion.bind\t-\t-\t16\t0\tTXT 9 NSD 4.8.0"),
            "1 rows"
        );
        assert_eq!(
            header
                .transaction(b"1.0\tversion.bind\t-\tC_MARS\t16\t0\t-")
                .map(|t| t.qclass),
            Err("zeek_bad_qclass")
        );

        let json = |line: &[u8]| json_transaction(line).expect("line").qclass;
        assert_eq!(
            json(br#"{"ts":1,"query":"version.bind","qclass":3,"qtype":16,"rcode":0}"#),
            Some(3)
        );
        assert_eq!(
            json(br#"{"ts":1,"query":"a.example","qclass_name":"C_INTERNET","qtype":1}"#),
            Some(1)
        );
        assert_eq!(json(br#"{"ts":1,"query":"a.example","qtype":1}"#), None);
    }

    #[test]
    fn json_times_are_epoch_or_iso() {
        let t = json_transaction(
            br#"{"ts":"2018-03-24T17:15:20.865716Z","query":"a.example","qtype":1,"rcode":3}"#,
        )
        .expect("line");
        assert_eq!(t.time, 1521911720);
        let t = json_transaction(
            br#"{"ts":1521911720.9,"query":"a.example","qtype_name":"A","rcode_name":"NXDOMAIN"}"#,
        )
        .expect("line");
        assert_eq!(
            (t.time, t.qtype, t.rcode),
            (1521911720, Some(RrType::A), Some(3))
        );
        assert!(json_transaction(b"{\"ts\":").is_err());
    }
}
