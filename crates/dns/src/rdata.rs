//! Record data: wire → canonical rdata → presentation text, and back.
//!
//! *Canonical rdata* is the rdata with every domain name inside it
//! decompressed and ASCII-lowercased (RFC 4034 §6.2, extended to every type
//! this module knows), and all other bytes verbatim. Names are decompressed
//! in NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX (RFC 3597 §4) and in
//! RP, AFSDB, RT, PX, NAPTR, SRV, KX, DNAME, the RRSIG signer, the NSEC next
//! name and the SVCB/HTTPS target. [`canonicalize`] also checks each known
//! type's layout (A is 4 bytes, names end inside the rdata, TXT strings fit,
//! type bitmaps are well formed, …); rdata that fails is a [`RdataError`].
//!
//! # Presentation format
//!
//! One canonical text form per rdata, close to what `dig` prints. The code
//! is hand-written: `domain` 0.12's `Display` lacks several of these types
//! and differs from dig in places (quoting, base64 spacing, hex case).
//!
//! - Hex is UPPERCASE everywhere (digests, SSHFP, TLSA, salts, EUI, `\#`),
//!   base64 is one token with no spaces, base32hex (NSEC3) is uppercase.
//! - Names are absolute with a trailing dot, escaped as in [`crate::name`].
//! - Character strings are always quoted; `"` and `\` are backslash-escaped
//!   and bytes below 0x20 or above 0x7e are written `\DDD`.
//! - A `1.2.3.4`; AAAA per RFC 5952; NS, CNAME, DNAME, PTR, MB, MG, MR, MD,
//!   MF `name.`; MX, AFSDB, RT, KX `10 name.`; PX `10 map822. mapx400.`;
//!   SOA `mname. rname. serial refresh retry expire minimum`; RP and MINFO
//!   `a. b.`; TXT and SPF `"one" "two"`; HINFO `"cpu" "os"`;
//!   SRV `prio weight port target.`;
//!   NAPTR `order pref "flags" "services" "regexp" replacement.`;
//!   CAA `flags tag "value"`; URI `prio weight "target"`;
//!   SSHFP `alg type HEX`; TLSA, SMIMEA `usage selector mtype HEX`;
//!   DS, CDS `keytag alg dtype HEX`; DNSKEY, CDNSKEY `flags proto alg base64`;
//!   RRSIG `TYPE alg labels origttl YYYYMMDDHHMMSS YYYYMMDDHHMMSS keytag signer. base64`;
//!   NSEC `next. A NS SOA …`; NSEC3 `alg flags iter salt NEXTHASH types`
//!   (salt `-` when empty); NSEC3PARAM `alg flags iter salt`;
//!   LOC as RFC 1876 and dig (`52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m`);
//!   SVCB, HTTPS per RFC 9460 (`1 . alpn="h2,h3" port=443 ipv4hint=1.2.3.4`,
//!   unknown keys `key65000="…"`, a comma inside an alpn id as `\\,`);
//!   OPENPGPKEY base64; ZONEMD `serial scheme alg HEX`;
//!   CSYNC `serial flags types`; EUI48, EUI64 `00-00-5E-00-53-2A`.
//!   Type bitmaps list mnemonics, `TYPEnnn` for unknown types.
//! - Any other type, and any rdata that does not fit its type's layout (or
//!   whose typed text would not read back to the same bytes, such as a
//!   bitmap with trailing zero octets), is written as RFC 3597 `\# len HEX`
//!   (`\# 0` when empty). [`from_presentation`] accepts `\#` for every type.

use std::net::{Ipv4Addr, Ipv6Addr};

use data_encoding::{BASE32HEX_NOPAD, BASE64, HEXUPPER, HEXUPPER_PERMISSIVE};
use domain::base::name::{ParsedName, ToName};
use domain::base::wire::ParseError;
use domain::dep::octseq::Parser;

use crate::name::{self, push_decimal_escape, NameError};
use crate::rrtype::RrType;

/// Rdata that does not fit its type, on the wire or in text.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum RdataError {
    /// The rdata range lies outside the message.
    #[error("rdata at {start} with length {len} runs past the message end {message_len}")]
    OutOfBounds {
        /// Start offset.
        start: usize,
        /// Declared length.
        len: usize,
        /// Message length.
        message_len: usize,
    },
    /// A field needs more bytes than the rdata has left.
    #[error("{rrtype} rdata ends early: field at offset {offset} needs {need} bytes, {have} left")]
    Short {
        /// The record type.
        rrtype: RrType,
        /// Offset within the rdata.
        offset: usize,
        /// Bytes the field needs.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// Bytes remain after the last field.
    #[error("{rrtype} rdata has {extra} bytes after its last field")]
    Trailing {
        /// The record type.
        rrtype: RrType,
        /// How many bytes remain.
        extra: usize,
    },
    /// A domain name inside the rdata is malformed (bad pointer, loop,
    /// too long, bad label type, or runs past the rdata).
    #[error("{rrtype} rdata has a bad name at offset {offset}: {reason}")]
    BadName {
        /// The record type.
        rrtype: RrType,
        /// Offset within the rdata.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A malformed structure inside the rdata (type bitmap, SVCB params, LOC).
    #[error("{rrtype} rdata has a bad {what} at offset {offset}")]
    BadStructure {
        /// The record type.
        rrtype: RrType,
        /// Which structure.
        what: &'static str,
        /// Offset within the rdata.
        offset: usize,
    },
    /// Presentation text lacks a field.
    #[error("{rrtype} text lacks the {field} field")]
    MissingField {
        /// The record type.
        rrtype: RrType,
        /// Field name.
        field: &'static str,
    },
    /// A presentation token is not a valid value for its field.
    #[error("{rrtype} text has a bad {field}: {token:?}")]
    BadToken {
        /// The record type.
        rrtype: RrType,
        /// Field name.
        field: &'static str,
        /// The offending token.
        token: String,
    },
    /// Presentation text has tokens after the last field.
    #[error("{rrtype} text has extra text after its last field: {token:?}")]
    ExtraText {
        /// The record type.
        rrtype: RrType,
        /// The first extra token.
        token: String,
    },
    /// A `\#` generic rdata whose length does not match its hex.
    #[error("\\# rdata declares {declared} bytes but has {actual}")]
    GenericLength {
        /// Declared length.
        declared: usize,
        /// Bytes given.
        actual: usize,
    },
    /// A quote is never closed.
    #[error("unterminated quoted string in {text:?}")]
    Unterminated {
        /// The text.
        text: String,
    },
    /// A name in presentation text is invalid.
    #[error("{rrtype} text has a bad name {token:?}: {source}")]
    BadTextName {
        /// The record type.
        rrtype: RrType,
        /// The token.
        token: String,
        /// Why.
        source: NameError,
    },
}

/// One field of a type's rdata layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    U8,
    U16,
    U32,
    /// RRSIG inception/expiration.
    Time,
    /// RRSIG type covered.
    Type,
    /// A domain name (decompressed, lowercased).
    Name,
    /// One character string (u8 length).
    CharStr,
    /// One or more character strings to the end.
    CharStrs,
    Ipv4,
    Ipv6,
    /// Hex blob to the end.
    HexRest,
    /// Base64 blob to the end.
    Base64Rest,
    /// u8-counted hex, `-` when empty (NSEC3 salt).
    Salt,
    /// u8-counted base32hex (NSEC3 next hashed owner).
    Hash,
    /// NSEC type bitmap to the end.
    Bitmap,
    /// u8-counted CAA tag, bare alphanumerics.
    CaaTag,
    /// Quoted string to the end (CAA value, URI target).
    QuotedRest,
    Loc,
    SvcParams,
    Eui48,
    Eui64,
}

use Field as F;

fn layout(rrtype: RrType) -> Option<&'static [Field]> {
    Some(match rrtype {
        RrType::A => &[F::Ipv4],
        RrType::AAAA => &[F::Ipv6],
        RrType::NS
        | RrType::MD
        | RrType::MF
        | RrType::CNAME
        | RrType::MB
        | RrType::MG
        | RrType::MR
        | RrType::PTR
        | RrType::DNAME => &[F::Name],
        RrType::SOA => &[F::Name, F::Name, F::U32, F::U32, F::U32, F::U32, F::U32],
        RrType::MINFO | RrType::RP => &[F::Name, F::Name],
        RrType::MX | RrType::AFSDB | RrType::RT | RrType::KX => &[F::U16, F::Name],
        RrType::PX => &[F::U16, F::Name, F::Name],
        RrType::SRV => &[F::U16, F::U16, F::U16, F::Name],
        RrType::NAPTR => &[F::U16, F::U16, F::CharStr, F::CharStr, F::CharStr, F::Name],
        RrType::HINFO => &[F::CharStr, F::CharStr],
        RrType::TXT | RrType::SPF => &[F::CharStrs],
        RrType::CAA => &[F::U8, F::CaaTag, F::QuotedRest],
        RrType::URI => &[F::U16, F::U16, F::QuotedRest],
        RrType::SSHFP => &[F::U8, F::U8, F::HexRest],
        RrType::TLSA | RrType::SMIMEA => &[F::U8, F::U8, F::U8, F::HexRest],
        RrType::DS | RrType::CDS => &[F::U16, F::U8, F::U8, F::HexRest],
        RrType::DNSKEY | RrType::CDNSKEY => &[F::U16, F::U8, F::U8, F::Base64Rest],
        RrType::RRSIG => &[
            F::Type,
            F::U8,
            F::U8,
            F::U32,
            F::Time,
            F::Time,
            F::U16,
            F::Name,
            F::Base64Rest,
        ],
        RrType::NSEC => &[F::Name, F::Bitmap],
        RrType::NSEC3 => &[F::U8, F::U8, F::U16, F::Salt, F::Hash, F::Bitmap],
        RrType::NSEC3PARAM => &[F::U8, F::U8, F::U16, F::Salt],
        RrType::LOC => &[F::Loc],
        RrType::SVCB | RrType::HTTPS => &[F::U16, F::Name, F::SvcParams],
        RrType::OPENPGPKEY => &[F::Base64Rest],
        RrType::ZONEMD => &[F::U32, F::U8, F::U8, F::HexRest],
        RrType::CSYNC => &[F::U32, F::U16, F::Bitmap],
        RrType::EUI48 => &[F::Eui48],
        RrType::EUI64 => &[F::Eui64],
        _ => return None,
    })
}

fn fixed_len(field: Field) -> Option<usize> {
    match field {
        F::U8 => Some(1),
        F::U16 | F::Type => Some(2),
        F::U32 | F::Time | F::Ipv4 => Some(4),
        F::Ipv6 | F::Loc => Some(16),
        F::Eui48 => Some(6),
        F::Eui64 => Some(8),
        _ => None,
    }
}

// ------------------------------------------------------------ wire

/// Appends the canonical form of the rdata at
/// `message[rdata_start..rdata_start + rdata_len]` to `out`.
///
/// `message` is the whole DNS message, since names may point anywhere before
/// the rdata. Unknown types are copied verbatim. On error `out` is left as it
/// was.
pub fn canonicalize(
    rrtype: RrType,
    message: &[u8],
    rdata_start: usize,
    rdata_len: usize,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let out_start = out.len();
    let result = canonicalize_inner(rrtype, message, rdata_start, rdata_len, out);
    if result.is_err() {
        out.truncate(out_start);
    }
    result
}

fn canonicalize_inner(
    rrtype: RrType,
    message: &[u8],
    rdata_start: usize,
    rdata_len: usize,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let out_of_bounds = RdataError::OutOfBounds {
        start: rdata_start,
        len: rdata_len,
        message_len: message.len(),
    };
    let end = rdata_start
        .checked_add(rdata_len)
        .ok_or(out_of_bounds.clone())?;
    let rdata = message.get(rdata_start..end).ok_or(out_of_bounds)?;
    let Some(fields) = layout(rrtype) else {
        out.extend_from_slice(rdata);
        return Ok(());
    };
    let mut pos = 0usize;
    let short = |pos: usize, need: usize| RdataError::Short {
        rrtype,
        offset: pos,
        need,
        have: rdata_len - pos,
    };
    for &field in fields {
        let left = rdata_len - pos;
        if let Some(n) = fixed_len(field) {
            let bytes = rdata.get(pos..pos + n).ok_or(short(pos, n))?;
            if field == F::Loc {
                check_loc(bytes).ok_or(RdataError::BadStructure {
                    rrtype,
                    what: "LOC",
                    offset: pos,
                })?;
            }
            out.extend_from_slice(bytes);
            pos += n;
            continue;
        }
        match field {
            F::Name => {
                pos = decompress_name(message, rdata_start + pos, end, out).map_err(|reason| {
                    RdataError::BadName {
                        rrtype,
                        offset: pos,
                        reason,
                    }
                })? - rdata_start;
            }
            F::CharStr | F::Salt | F::Hash | F::CaaTag => {
                let len = usize::from(*rdata.get(pos).ok_or(short(pos, 1))?);
                let bytes = rdata.get(pos..pos + 1 + len).ok_or(short(pos, 1 + len))?;
                out.extend_from_slice(bytes);
                pos += 1 + len;
            }
            F::CharStrs => {
                while let Some(&len) = rdata.get(pos) {
                    let len = usize::from(len);
                    let bytes = rdata.get(pos..pos + 1 + len).ok_or(short(pos, 1 + len))?;
                    out.extend_from_slice(bytes);
                    pos += 1 + len;
                }
            }
            F::Bitmap | F::SvcParams => {
                let bytes = rdata.get(pos..).unwrap_or(&[]);
                let ok = if field == F::Bitmap {
                    check_bitmap(bytes, false)
                } else {
                    check_svc_params(bytes)
                };
                if let Err(offset) = ok {
                    return Err(RdataError::BadStructure {
                        rrtype,
                        what: if field == F::Bitmap {
                            "type bitmap"
                        } else {
                            "SvcParams"
                        },
                        offset: pos + offset,
                    });
                }
                out.extend_from_slice(bytes);
                pos = rdata_len;
            }
            _ => {
                // HexRest, Base64Rest, QuotedRest: everything that is left.
                out.extend_from_slice(rdata.get(pos..).unwrap_or(&[]));
                pos += left;
            }
        }
    }
    if pos != rdata_len {
        return Err(RdataError::Trailing {
            rrtype,
            extra: rdata_len - pos,
        });
    }
    Ok(())
}

/// Decompresses the name at `message[pos..]`, which must end (its
/// uncompressed part) before `end`, appending it lowercased to `out`.
/// Returns the position after the name.
pub(crate) fn decompress_name(
    message: &[u8],
    pos: usize,
    end: usize,
    out: &mut Vec<u8>,
) -> Result<usize, &'static str> {
    let mut parser = Parser::try_with_range(message, pos..end).ok_or("name outside message")?;
    let parsed = ParsedName::parse_ref(&mut parser).map_err(|err| match err {
        ParseError::ShortInput => "name runs past the end",
        ParseError::Form(_) => "bad label, loop, forward pointer or name over 255 bytes",
    })?;
    let start = out.len();
    match parsed.as_flat_slice() {
        Some(flat) => out.extend_from_slice(flat),
        None => {
            for label in parsed.iter() {
                let bytes = label.as_slice();
                out.push(bytes.len() as u8);
                out.extend_from_slice(bytes);
            }
        }
    }
    // Length bytes are below 0x40, so lowercasing them changes nothing.
    if let Some(written) = out.get_mut(start..) {
        written.make_ascii_lowercase();
    }
    Ok(parser.pos())
}

/// Checks a type bitmap; `strict` also demands the canonical form (no
/// trailing zero octet in a window). Returns the offset of the first fault.
fn check_bitmap(bytes: &[u8], strict: bool) -> Result<(), usize> {
    let mut pos = 0;
    let mut last_window: Option<u8> = None;
    while pos < bytes.len() {
        let (Some(&window), Some(&len)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return Err(pos);
        };
        if last_window.is_some_and(|last| window <= last) || len == 0 || len > 32 {
            return Err(pos);
        }
        let block = bytes.get(pos + 2..pos + 2 + usize::from(len)).ok_or(pos)?;
        if strict && block.last() == Some(&0) {
            return Err(pos);
        }
        last_window = Some(window);
        pos += 2 + usize::from(len);
    }
    Ok(())
}

/// Checks SvcParams: (key, length, value) triples with strictly ascending
/// keys. Returns the offset of the first fault.
fn check_svc_params(bytes: &[u8]) -> Result<(), usize> {
    let mut reader = Reader::new(bytes);
    let mut last: Option<u16> = None;
    while !reader.is_empty() {
        let at = reader.pos;
        let key = reader.u16().ok_or(at)?;
        let len = reader.u16().ok_or(at)?;
        reader.take(usize::from(len)).ok_or(at)?;
        if last.is_some_and(|last| key <= last) {
            return Err(at);
        }
        last = Some(key);
    }
    Ok(())
}

fn check_loc(bytes: &[u8]) -> Option<()> {
    let mut reader = Reader::new(bytes);
    if reader.u8()? != 0 {
        return None;
    }
    for _ in 0..3 {
        let precision = reader.u8()?;
        if precision >> 4 > 9 || precision & 0x0f > 9 {
            return None;
        }
    }
    let latitude = reader.u32()?;
    let longitude = reader.u32()?;
    if latitude.abs_diff(EQUATOR) > 90 * 3_600_000 || longitude.abs_diff(EQUATOR) > 180 * 3_600_000
    {
        return None;
    }
    Some(())
}

const EQUATOR: u32 = 1 << 31;
const ALTITUDE_BASE: i64 = 10_000_000;

// ------------------------------------------------------------ reader

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }
    fn rest(&mut self) -> &'a [u8] {
        let bytes = self.data.get(self.pos..).unwrap_or(&[]);
        self.pos = self.data.len();
        bytes
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        let bytes = self.take(2)?;
        Some(u16::from_be_bytes(bytes.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        let bytes = self.take(4)?;
        Some(u32::from_be_bytes(bytes.try_into().ok()?))
    }
    fn counted(&mut self) -> Option<&'a [u8]> {
        let len = self.u8()?;
        self.take(usize::from(len))
    }
    /// An uncompressed, valid name.
    fn name(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        loop {
            let len = self.u8()?;
            if len > 63 {
                return None;
            }
            self.take(usize::from(len))?;
            if self.pos - start > name::MAX_NAME_LEN {
                return None;
            }
            if len == 0 {
                break;
            }
        }
        self.data.get(start..self.pos)
    }
}

// ------------------------------------------------------------ to text

/// Appends the presentation form of canonical rdata of type `rrtype` to
/// `out`. Never fails: rdata that does not fit the type's layout is written
/// as RFC 3597 `\# len HEX`.
pub fn to_presentation(rrtype: RrType, canonical: &[u8], out: &mut String) {
    let start = out.len();
    if present_typed(rrtype, canonical, out).is_none() {
        out.truncate(start);
        present_generic(canonical, out);
    }
}

/// Appends RFC 3597 `\# len HEX` (`\# 0` when empty).
pub fn present_generic(bytes: &[u8], out: &mut String) {
    out.push_str("\\# ");
    out.push_str(itoa(bytes.len() as u64).as_str());
    if !bytes.is_empty() {
        out.push(' ');
        HEXUPPER.encode_append(bytes, out);
    }
}

fn itoa(value: u64) -> String {
    value.to_string()
}

fn sep(out: &mut String, start: usize) {
    if out.len() > start {
        out.push(' ');
    }
}

/// Appends `bytes` as one quoted character string.
fn push_quoted(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => push_decimal_escape(byte, out),
        }
    }
    out.push('"');
}

fn present_typed(rrtype: RrType, data: &[u8], out: &mut String) -> Option<()> {
    let fields = layout(rrtype)?;
    let start = out.len();
    let mut reader = Reader::new(data);
    for &field in fields {
        match field {
            F::U8 => {
                sep(out, start);
                out.push_str(&reader.u8()?.to_string());
            }
            F::U16 => {
                sep(out, start);
                out.push_str(&reader.u16()?.to_string());
            }
            F::U32 => {
                sep(out, start);
                out.push_str(&reader.u32()?.to_string());
            }
            F::Time => {
                sep(out, start);
                push_time(reader.u32()?, out);
            }
            F::Type => {
                sep(out, start);
                out.push_str(&RrType(reader.u16()?).to_string());
            }
            F::Name => {
                sep(out, start);
                name::to_presentation(reader.name()?, out).ok()?;
            }
            F::CharStr => {
                sep(out, start);
                push_quoted(reader.counted()?, out);
            }
            F::CharStrs => {
                if reader.is_empty() {
                    return None;
                }
                while !reader.is_empty() {
                    sep(out, start);
                    push_quoted(reader.counted()?, out);
                }
            }
            F::Ipv4 => {
                sep(out, start);
                let bytes: [u8; 4] = reader.take(4)?.try_into().ok()?;
                out.push_str(&Ipv4Addr::from(bytes).to_string());
            }
            F::Ipv6 => {
                sep(out, start);
                let bytes: [u8; 16] = reader.take(16)?.try_into().ok()?;
                out.push_str(&Ipv6Addr::from(bytes).to_string());
            }
            F::HexRest => {
                let bytes = reader.rest();
                if bytes.is_empty() {
                    return None;
                }
                sep(out, start);
                HEXUPPER.encode_append(bytes, out);
            }
            F::Base64Rest => {
                let bytes = reader.rest();
                if bytes.is_empty() {
                    return None;
                }
                sep(out, start);
                BASE64.encode_append(bytes, out);
            }
            F::Salt => {
                sep(out, start);
                let bytes = reader.counted()?;
                if bytes.is_empty() {
                    out.push('-');
                } else {
                    HEXUPPER.encode_append(bytes, out);
                }
            }
            F::Hash => {
                let bytes = reader.counted()?;
                if bytes.is_empty() {
                    return None;
                }
                sep(out, start);
                BASE32HEX_NOPAD.encode_append(bytes, out);
            }
            F::Bitmap => {
                let bytes = reader.rest();
                check_bitmap(bytes, true).ok()?;
                for rrtype in bitmap_types(bytes) {
                    sep(out, start);
                    out.push_str(&rrtype.to_string());
                }
            }
            F::CaaTag => {
                let tag = reader.counted()?;
                if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                    return None;
                }
                sep(out, start);
                out.extend(tag.iter().map(|&b| char::from(b)));
            }
            F::QuotedRest => {
                sep(out, start);
                push_quoted(reader.rest(), out);
            }
            F::Loc => {
                sep(out, start);
                present_loc(reader.take(16)?, out)?;
            }
            F::SvcParams => present_svc_params(reader.rest(), out, start)?,
            F::Eui48 | F::Eui64 => {
                sep(out, start);
                let bytes = reader.take(if field == F::Eui48 { 6 } else { 8 })?;
                for (index, byte) in bytes.iter().enumerate() {
                    if index > 0 {
                        out.push('-');
                    }
                    HEXUPPER.encode_append(&[*byte], out);
                }
            }
        }
    }
    reader.is_empty().then_some(())
}

fn bitmap_types(bytes: &[u8]) -> impl Iterator<Item = RrType> + '_ {
    let mut reader = Reader::new(bytes);
    std::iter::from_fn(move || {
        let window = u16::from(reader.u8()?);
        let block = reader.counted()?;
        Some(block.iter().enumerate().flat_map(move |(index, &byte)| {
            (0..8u16)
                .filter(move |bit| byte & (0x80 >> bit) != 0)
                .map(move |bit| RrType(window << 8 | (index as u16) << 3 | bit))
        }))
    })
    .flatten()
}

// RRSIG times: seconds since 1970 as YYYYMMDDHHMMSS (RFC 4034 §3.2).

fn days_to_civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn civil_to_days(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn push_time(seconds: u32, out: &mut String) {
    let seconds = i64::from(seconds);
    let (year, month, day) = days_to_civil(seconds.div_euclid(86_400));
    let rem = seconds.rem_euclid(86_400);
    out.push_str(&format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    ));
}

fn parse_time(token: &str) -> Option<u32> {
    if !token.bytes().all(|b| b.is_ascii_digit()) || token.is_empty() {
        return None;
    }
    if token.len() != 14 {
        return token.parse().ok();
    }
    let num = |range: std::ops::Range<usize>| token.get(range)?.parse::<u32>().ok();
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(8..10)?, num(10..12)?, num(12..14)?);
    if !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = civil_to_days(i64::from(year), month, day);
    if days_to_civil(days) != (i64::from(year), month, day) {
        return None;
    }
    let total = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    u32::try_from(total).ok()
}

// LOC (RFC 1876), written as BIND and dig do.

fn present_loc(bytes: &[u8], out: &mut String) -> Option<()> {
    check_loc(bytes)?;
    let mut reader = Reader::new(bytes);
    reader.u8()?;
    let size = reader.u8()?;
    let horizontal = reader.u8()?;
    let vertical = reader.u8()?;
    let latitude = reader.u32()?;
    let longitude = reader.u32()?;
    let altitude = reader.u32()?;
    for precision in [size, horizontal, vertical] {
        if precision >> 4 == 0 && precision & 0x0f != 0 {
            return None; // 0e5 reads back as 0e0
        }
    }
    push_angle(latitude, b'N', b'S', out);
    out.push(' ');
    push_angle(longitude, b'E', b'W', out);
    let altitude = i64::from(altitude) - ALTITUDE_BASE;
    let sign = if altitude < 0 { "-" } else { "" };
    let altitude = altitude.abs();
    out.push_str(&format!(" {sign}{}.{:02}m", altitude / 100, altitude % 100));
    for precision in [size, horizontal, vertical] {
        out.push(' ');
        let mantissa = u64::from(precision >> 4);
        let exponent = u32::from(precision & 0x0f);
        if exponent >= 2 {
            out.push_str(&format!("{}m", mantissa * 10u64.pow(exponent - 2)));
        } else {
            let cm = mantissa * 10u64.pow(exponent);
            out.push_str(&format!("0.{cm:02}m"));
        }
    }
    Some(())
}

fn push_angle(value: u32, positive: u8, negative: u8, out: &mut String) {
    let (diff, hemisphere) = if value >= EQUATOR {
        (value - EQUATOR, positive)
    } else {
        (EQUATOR - value, negative)
    };
    out.push_str(&format!(
        "{} {} {}.{:03} {}",
        diff / 3_600_000,
        diff / 60_000 % 60,
        diff / 1000 % 60,
        diff % 1000,
        char::from(hemisphere)
    ));
}

// SVCB / HTTPS SvcParams (RFC 9460 §2.1, Appendix A).

const SVC_KEYS: &[(u16, &str)] = &[
    (0, "mandatory"),
    (1, "alpn"),
    (2, "no-default-alpn"),
    (3, "port"),
    (4, "ipv4hint"),
    (5, "ech"),
    (6, "ipv6hint"),
    (7, "dohpath"),
    (8, "ohttp"),
];

fn push_svc_key(key: u16, out: &mut String) {
    match SVC_KEYS.iter().find(|(k, _)| *k == key) {
        Some((_, text)) => out.push_str(text),
        None => out.push_str(&format!("key{key}")),
    }
}

fn parse_svc_key(text: &[u8]) -> Option<u16> {
    if let Some((key, _)) = SVC_KEYS.iter().find(|(_, name)| name.as_bytes() == text) {
        return Some(*key);
    }
    let digits = text.strip_prefix(b"key")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let key: u16 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (key != 65535).then_some(key)
}

fn present_svc_params(bytes: &[u8], out: &mut String, start: usize) -> Option<()> {
    check_svc_params(bytes).ok()?;
    let mut reader = Reader::new(bytes);
    while !reader.is_empty() {
        let key = reader.u16()?;
        let len = reader.u16()?;
        let value = reader.take(usize::from(len))?;
        sep(out, start);
        push_svc_key(key, out);
        let mut items = Reader::new(value);
        match key {
            0 => {
                if value.is_empty() || value.len() % 2 != 0 {
                    return None;
                }
                out.push('=');
                let mut first = true;
                while let Some(mandatory) = items.u16() {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    if mandatory == 65535 {
                        return None;
                    }
                    push_svc_key(mandatory, out);
                }
            }
            1 => {
                if value.is_empty() {
                    return None;
                }
                out.push_str("=\"");
                let mut first = true;
                while !items.is_empty() {
                    let id = items.counted()?;
                    if id.is_empty() {
                        return None;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    for &byte in id {
                        match byte {
                            b',' => out.push_str("\\\\,"),
                            b'\\' => out.push_str("\\\\\\\\"),
                            b'"' => out.push_str("\\\""),
                            0x20..=0x7e => out.push(char::from(byte)),
                            _ => push_decimal_escape(byte, out),
                        }
                    }
                }
                out.push('"');
            }
            2 | 8 => {
                if !value.is_empty() {
                    return None;
                }
            }
            3 => {
                out.push('=');
                out.push_str(&items.u16()?.to_string());
                if !items.is_empty() {
                    return None;
                }
            }
            4 | 6 => {
                let width = if key == 4 { 4 } else { 16 };
                if value.is_empty() || value.len() % width != 0 {
                    return None;
                }
                out.push('=');
                for (index, chunk) in value.chunks(width).enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    if let Ok(v4) = <[u8; 4]>::try_from(chunk) {
                        out.push_str(&Ipv4Addr::from(v4).to_string());
                    } else {
                        let v6: [u8; 16] = chunk.try_into().ok()?;
                        out.push_str(&Ipv6Addr::from(v6).to_string());
                    }
                }
            }
            5 => {
                if value.is_empty() {
                    return None;
                }
                out.push('=');
                BASE64.encode_append(value, out);
            }
            65535 => return None,
            _ => {
                if !value.is_empty() || key == 7 {
                    out.push('=');
                    push_quoted(value, out);
                }
            }
        }
    }
    Some(())
}

// ------------------------------------------------------------ from text

/// Splits text into tokens at unquoted whitespace. Tokens keep their quotes
/// and escapes.
fn tokenize(text: &str) -> Result<Vec<&str>, RdataError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        if pos >= bytes.len() {
            break;
        }
        let start = pos;
        let mut quoted = false;
        while let Some(&byte) = bytes.get(pos) {
            match byte {
                b'\\' => pos += 1,
                b'"' => quoted = !quoted,
                _ if byte.is_ascii_whitespace() && !quoted => break,
                _ => {}
            }
            pos += 1;
        }
        if quoted {
            return Err(RdataError::Unterminated { text: text.into() });
        }
        let end = pos.min(bytes.len());
        if let Some(token) = text.get(start..end) {
            tokens.push(token);
        }
    }
    Ok(tokens)
}

/// Reads a character string: drops unescaped quotes, resolves `\X` and
/// `\DDD`.
fn unquote(token: &str) -> Option<Vec<u8>> {
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    while let Some(&byte) = bytes.get(pos) {
        match byte {
            b'"' => pos += 1,
            b'\\' => {
                let (value, used) = name::parse_escape(bytes, pos).ok()?;
                out.push(value);
                pos += used;
            }
            other => {
                out.push(other);
                pos += 1;
            }
        }
    }
    Some(out)
}

struct TextParser<'t> {
    rrtype: RrType,
    tokens: std::vec::IntoIter<&'t str>,
}

impl<'t> TextParser<'t> {
    fn next(&mut self, field: &'static str) -> Result<&'t str, RdataError> {
        self.tokens.next().ok_or(RdataError::MissingField {
            rrtype: self.rrtype,
            field,
        })
    }
    fn bad(&self, field: &'static str, token: &str) -> RdataError {
        RdataError::BadToken {
            rrtype: self.rrtype,
            field,
            token: token.into(),
        }
    }
    fn number<T: std::str::FromStr>(&mut self, field: &'static str) -> Result<T, RdataError> {
        let token = self.next(field)?;
        if !token.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(field, token));
        }
        token.parse().map_err(|_| self.bad(field, token))
    }
    fn rest(&mut self) -> Vec<&'t str> {
        self.tokens.by_ref().collect()
    }
}

/// Parses presentation text of type `rrtype` into canonical rdata.
///
/// Inverse of [`to_presentation`]; also accepts `\# len hex` for every type,
/// base64 and hex split over several tokens, lowercase hex and base32hex,
/// names without the trailing dot, and RRSIG times as decimal seconds.
pub fn from_presentation(rrtype: RrType, text: &str) -> Result<Vec<u8>, RdataError> {
    let tokens = tokenize(text)?;
    if tokens.first() == Some(&"\\#") {
        return parse_generic(rrtype, tokens.get(1..).unwrap_or(&[]));
    }
    let Some(fields) = layout(rrtype) else {
        return Err(RdataError::BadToken {
            rrtype,
            field: "\\# generic rdata",
            token: text.into(),
        });
    };
    let mut parser = TextParser {
        rrtype,
        tokens: tokens.into_iter(),
    };
    let mut out = Vec::new();
    for &field in fields {
        parse_field(&mut parser, field, &mut out)?;
    }
    if let Some(token) = parser.tokens.next() {
        return Err(RdataError::ExtraText {
            rrtype,
            token: token.into(),
        });
    }
    Ok(out)
}

fn parse_generic(rrtype: RrType, tokens: &[&str]) -> Result<Vec<u8>, RdataError> {
    let (length, hex) = tokens.split_first().ok_or(RdataError::MissingField {
        rrtype,
        field: "\\# length",
    })?;
    let declared: usize = length
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| length.parse().ok())
        .flatten()
        .ok_or_else(|| RdataError::BadToken {
            rrtype,
            field: "\\# length",
            token: (*length).into(),
        })?;
    let hex = hex.concat();
    let bytes = HEXUPPER_PERMISSIVE
        .decode(hex.as_bytes())
        .map_err(|_| RdataError::BadToken {
            rrtype,
            field: "\\# hex",
            token: hex.clone(),
        })?;
    if bytes.len() != declared {
        return Err(RdataError::GenericLength {
            declared,
            actual: bytes.len(),
        });
    }
    Ok(bytes)
}

fn push_charstr(parser: &TextParser<'_>, token: &str, out: &mut Vec<u8>) -> Result<(), RdataError> {
    let bytes = unquote(token).ok_or_else(|| parser.bad("character string", token))?;
    let len = u8::try_from(bytes.len()).map_err(|_| parser.bad("character string", token))?;
    out.push(len);
    out.extend_from_slice(&bytes);
    Ok(())
}

fn parse_field(
    parser: &mut TextParser<'_>,
    field: Field,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let rrtype = parser.rrtype;
    match field {
        F::U8 => out.push(parser.number::<u8>("u8")?),
        F::U16 => out.extend_from_slice(&parser.number::<u16>("u16")?.to_be_bytes()),
        F::U32 => out.extend_from_slice(&parser.number::<u32>("u32")?.to_be_bytes()),
        F::Time => {
            let token = parser.next("time")?;
            let time = parse_time(token).ok_or_else(|| parser.bad("time", token))?;
            out.extend_from_slice(&time.to_be_bytes());
        }
        F::Type => {
            let token = parser.next("type covered")?;
            let value: RrType = token
                .parse()
                .map_err(|_| parser.bad("type covered", token))?;
            out.extend_from_slice(&value.0.to_be_bytes());
        }
        F::Name => {
            let token = parser.next("name")?;
            name::from_presentation_bytes(token.as_bytes(), out).map_err(|source| {
                RdataError::BadTextName {
                    rrtype,
                    token: token.into(),
                    source,
                }
            })?;
        }
        F::CharStr => {
            let token = parser.next("character string")?;
            push_charstr(parser, token, out)?;
        }
        F::CharStrs => {
            let tokens = parser.rest();
            if tokens.is_empty() {
                return Err(RdataError::MissingField {
                    rrtype,
                    field: "character string",
                });
            }
            for token in tokens {
                push_charstr(parser, token, out)?;
            }
        }
        F::Ipv4 => {
            let token = parser.next("IPv4 address")?;
            let address: Ipv4Addr = token
                .parse()
                .map_err(|_| parser.bad("IPv4 address", token))?;
            out.extend_from_slice(&address.octets());
        }
        F::Ipv6 => {
            let token = parser.next("IPv6 address")?;
            let address: Ipv6Addr = token
                .parse()
                .map_err(|_| parser.bad("IPv6 address", token))?;
            out.extend_from_slice(&address.octets());
        }
        F::HexRest | F::Base64Rest => {
            let what = if field == F::HexRest { "hex" } else { "base64" };
            let text = parser.rest().concat();
            if text.is_empty() {
                return Err(RdataError::MissingField {
                    rrtype,
                    field: what,
                });
            }
            let encoding = if field == F::HexRest {
                &HEXUPPER_PERMISSIVE
            } else {
                &BASE64
            };
            let bytes = encoding
                .decode(text.as_bytes())
                .map_err(|_| parser.bad(what, &text))?;
            out.extend_from_slice(&bytes);
        }
        F::Salt => {
            let token = parser.next("salt")?;
            let bytes = if token == "-" {
                Vec::new()
            } else {
                HEXUPPER_PERMISSIVE
                    .decode(token.as_bytes())
                    .map_err(|_| parser.bad("salt", token))?
            };
            let len = u8::try_from(bytes.len()).map_err(|_| parser.bad("salt", token))?;
            out.push(len);
            out.extend_from_slice(&bytes);
        }
        F::Hash => {
            let token = parser.next("next hashed owner")?;
            let bytes = BASE32HEX_NOPAD
                .decode(token.to_ascii_uppercase().as_bytes())
                .map_err(|_| parser.bad("next hashed owner", token))?;
            let len =
                u8::try_from(bytes.len()).map_err(|_| parser.bad("next hashed owner", token))?;
            if len == 0 {
                return Err(parser.bad("next hashed owner", token));
            }
            out.push(len);
            out.extend_from_slice(&bytes);
        }
        F::Bitmap => {
            let mut types = Vec::new();
            for token in parser.rest() {
                let value: RrType = token.parse().map_err(|_| parser.bad("type", token))?;
                types.push(value.0);
            }
            push_bitmap(&mut types, out);
        }
        F::CaaTag => {
            let token = parser.next("tag")?;
            let bytes = unquote(token).ok_or_else(|| parser.bad("tag", token))?;
            if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_alphanumeric) || bytes.len() > 255
            {
                return Err(parser.bad("tag", token));
            }
            out.push(bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        F::QuotedRest => {
            let token = parser.next("value")?;
            let bytes = unquote(token).ok_or_else(|| parser.bad("value", token))?;
            out.extend_from_slice(&bytes);
        }
        F::Loc => {
            let tokens = parser.rest();
            let bytes = parse_loc(&tokens).ok_or_else(|| parser.bad("LOC", &tokens.join(" ")))?;
            out.extend_from_slice(&bytes);
        }
        F::SvcParams => {
            let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
            for token in parser.rest() {
                let param = parse_svc_param(token).ok_or_else(|| parser.bad("SvcParam", token))?;
                params.push(param);
            }
            params.sort_by_key(|(key, _)| *key);
            for (index, (key, value)) in params.iter().enumerate() {
                if index > 0 && params.get(index - 1).map(|p| p.0) == Some(*key) {
                    return Err(parser.bad("SvcParam", &format!("key{key}")));
                }
                let len =
                    u16::try_from(value.len()).map_err(|_| parser.bad("SvcParam", "value"))?;
                out.extend_from_slice(&key.to_be_bytes());
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(value);
            }
        }
        F::Eui48 | F::Eui64 => {
            let width = if field == F::Eui48 { 6 } else { 8 };
            let token = parser.next("EUI")?;
            let parts: Vec<&str> = token.split('-').collect();
            if parts.len() != width || parts.iter().any(|p| p.len() != 2) {
                return Err(parser.bad("EUI", token));
            }
            let bytes = HEXUPPER_PERMISSIVE
                .decode(parts.concat().as_bytes())
                .map_err(|_| parser.bad("EUI", token))?;
            out.extend_from_slice(&bytes);
        }
    }
    Ok(())
}

fn push_bitmap(types: &mut Vec<u16>, out: &mut Vec<u8>) {
    types.sort_unstable();
    types.dedup();
    let mut index = 0;
    while let Some(&first) = types.get(index) {
        let window = first >> 8;
        let mut block = [0u8; 32];
        let mut used = 0;
        while let Some(&value) = types.get(index) {
            if value >> 8 != window {
                break;
            }
            let low = usize::from(value & 0xff);
            if let Some(byte) = block.get_mut(low / 8) {
                *byte |= 0x80 >> (low % 8);
            }
            used = low / 8 + 1;
            index += 1;
        }
        out.push(window as u8);
        out.push(used as u8);
        out.extend_from_slice(block.get(..used).unwrap_or(&[]));
    }
}

fn parse_loc(tokens: &[&str]) -> Option<Vec<u8>> {
    let mut iter = tokens.iter().copied().peekable();
    let mut angle = |positive: &str, negative: &str, max: u32| -> Option<u32> {
        let degrees: u32 = iter.next()?.parse().ok()?;
        let mut minutes = 0u32;
        let mut thousandths = 0u32;
        let mut hemisphere = iter.next()?;
        if hemisphere.bytes().all(|b| b.is_ascii_digit()) {
            minutes = hemisphere.parse().ok()?;
            hemisphere = iter.next()?;
            if hemisphere
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit())
            {
                thousandths = u32::try_from(parse_fixed(hemisphere, 3)?).ok()?;
                hemisphere = iter.next()?;
            }
        }
        if degrees > max || minutes > 59 || thousandths > 59_999 {
            return None;
        }
        let diff = degrees * 3_600_000 + minutes * 60_000 + thousandths;
        if diff > max * 3_600_000 {
            return None;
        }
        if hemisphere.eq_ignore_ascii_case(positive) {
            Some(EQUATOR + diff)
        } else if hemisphere.eq_ignore_ascii_case(negative) {
            Some(EQUATOR - diff)
        } else {
            None
        }
    };
    let latitude = angle("N", "S", 90)?;
    let longitude = angle("E", "W", 180)?;
    let altitude_text = iter.next()?;
    let altitude_text = altitude_text
        .strip_suffix(['m', 'M'])
        .unwrap_or(altitude_text);
    let (negative, digits) = match altitude_text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, altitude_text),
    };
    let cm = i64::try_from(parse_fixed(digits, 2)?).ok()?;
    let altitude = u32::try_from(if negative { -cm } else { cm } + ALTITUDE_BASE).ok()?;
    let mut precision = [0x12u8, 0x16, 0x13];
    for slot in precision.iter_mut() {
        let Some(text) = iter.next() else { break };
        let text = text.strip_suffix(['m', 'M']).unwrap_or(text);
        let mut cm = parse_fixed(text, 2)?;
        let mut exponent = 0u8;
        while cm >= 10 {
            if cm % 10 != 0 {
                return None; // not one digit times a power of ten
            }
            cm /= 10;
            exponent += 1;
        }
        if exponent > 9 {
            return None;
        }
        *slot = (cm as u8) << 4 | exponent;
    }
    if iter.next().is_some() {
        return None;
    }
    let mut out = vec![0u8];
    out.extend_from_slice(&precision);
    out.extend_from_slice(&latitude.to_be_bytes());
    out.extend_from_slice(&longitude.to_be_bytes());
    out.extend_from_slice(&altitude.to_be_bytes());
    Some(out)
}

/// Parses `123.45` with at most `places` decimals into an integer scaled by
/// 10^places.
fn parse_fixed(text: &str, places: u32) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > places as usize {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let mut value = whole.checked_mul(10u64.pow(places))?;
    let mut scale = 10u64.pow(places);
    for digit in fraction.bytes() {
        scale /= 10;
        value = value.checked_add(u64::from(digit - b'0') * scale)?;
    }
    Some(value)
}

fn parse_svc_param(token: &str) -> Option<(u16, Vec<u8>)> {
    let (key_text, value_text) = match token.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (token, None),
    };
    let key = parse_svc_key(key_text.as_bytes())?;
    let value = match value_text {
        None => {
            return matches!(key, 2 | 8)
                .then_some(())
                .or((!matches!(key, 0 | 1 | 3 | 4 | 5 | 6)).then_some(()))
                .map(|()| (key, Vec::new()))
        }
        Some(text) => unquote(text)?,
    };
    let mut out = Vec::new();
    match key {
        0 => {
            for item in value.split(|&b| b == b',') {
                let mandatory = parse_svc_key(item)?;
                out.extend_from_slice(&mandatory.to_be_bytes());
            }
        }
        1 => {
            for id in split_value_list(&value) {
                if id.is_empty() || id.len() > 255 {
                    return None;
                }
                out.push(id.len() as u8);
                out.extend_from_slice(&id);
            }
        }
        2 | 8 => {
            if !value.is_empty() {
                return None;
            }
        }
        3 => {
            let text = std::str::from_utf8(&value).ok()?;
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.extend_from_slice(&text.parse::<u16>().ok()?.to_be_bytes());
        }
        4 | 6 => {
            let text = std::str::from_utf8(&value).ok()?;
            for item in text.split(',') {
                if key == 4 {
                    out.extend_from_slice(&item.parse::<Ipv4Addr>().ok()?.octets());
                } else {
                    out.extend_from_slice(&item.parse::<Ipv6Addr>().ok()?.octets());
                }
            }
        }
        5 => out = BASE64.decode(&value).ok()?,
        _ => out = value,
    }
    Some((key, out))
}

/// Splits an RFC 9460 value list at unescaped commas, resolving `\X`.
fn split_value_list(value: &[u8]) -> Vec<Vec<u8>> {
    let mut items = vec![Vec::new()];
    let mut iter = value.iter();
    while let Some(&byte) = iter.next() {
        match byte {
            b'\\' => {
                if let (Some(&next), Some(item)) = (iter.next(), items.last_mut()) {
                    item.push(next);
                }
            }
            b',' => items.push(Vec::new()),
            other => {
                if let Some(item) = items.last_mut() {
                    item.push(other);
                }
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(rrtype: RrType, message: &[u8], start: usize) -> Result<Vec<u8>, RdataError> {
        let mut out = vec![0xaa];
        let result = canonicalize(rrtype, message, start, message.len() - start, &mut out);
        match result {
            Ok(()) => Ok(out[1..].to_vec()),
            Err(err) => {
                assert_eq!(out, vec![0xaa], "output restored on error");
                Err(err)
            }
        }
    }

    fn text(rrtype: RrType, rdata: &[u8]) -> String {
        let mut s = String::new();
        to_presentation(rrtype, rdata, &mut s);
        s
    }

    #[test]
    fn a_lengths() {
        assert_eq!(
            canon(RrType::A, b"\x01\x02\x03\x04", 0).unwrap(),
            b"\x01\x02\x03\x04"
        );
        assert_eq!(
            canon(RrType::A, b"\x01\x02\x03\x04\x05", 0),
            Err(RdataError::Trailing {
                rrtype: RrType::A,
                extra: 1
            })
        );
        assert_eq!(
            canon(RrType::A, b"\x01\x02\x03", 0),
            Err(RdataError::Short {
                rrtype: RrType::A,
                offset: 0,
                need: 4,
                have: 3
            })
        );
        assert!(canon(RrType::AAAA, &[0; 15], 0).is_err());
        assert!(canon(RrType::AAAA, &[0; 17], 0).is_err());
    }

    #[test]
    fn out_of_bounds() {
        let mut out = Vec::new();
        assert!(matches!(
            canonicalize(RrType::A, b"\x01\x02", 1, 4, &mut out),
            Err(RdataError::OutOfBounds { .. })
        ));
        assert!(matches!(
            canonicalize(RrType::A, b"\x01\x02", usize::MAX, 4, &mut out),
            Err(RdataError::OutOfBounds { .. })
        ));
    }

    #[test]
    fn names_are_decompressed_and_lowercased() {
        // "Example.COM." at 0, then an MX rdata at 13 pointing at it.
        let message = b"\x07Example\x03COM\x00\x00\x0a\x04Mail\xc0\x00";
        let got = canon(RrType::MX, message, 13).unwrap();
        assert_eq!(got, b"\x00\x0a\x04mail\x07example\x03com\x00");
        assert_eq!(text(RrType::MX, &got), "10 mail.example.com.");
    }

    #[test]
    fn bad_names_in_rdata() {
        // Pointer to itself.
        assert!(matches!(
            canon(RrType::NS, b"\xc0\x00", 0),
            Err(RdataError::BadName { .. })
        ));
        // Forward pointer.
        assert!(matches!(
            canon(RrType::CNAME, b"\xc0\x02\x00", 0),
            Err(RdataError::BadName { .. })
        ));
        // Name runs past the rdata end.
        let message = b"\x03www\x00";
        let mut out = Vec::new();
        assert!(matches!(
            canonicalize(RrType::PTR, message, 0, 3, &mut out),
            Err(RdataError::BadName { .. })
        ));
        // Bad label type 0x40.
        assert!(matches!(
            canon(RrType::NS, b"\x40\x00", 0),
            Err(RdataError::BadName { .. })
        ));
    }

    #[test]
    fn txt_and_bitmap_checks() {
        assert!(matches!(
            canon(RrType::TXT, b"\x05abc", 0),
            Err(RdataError::Short { .. })
        ));
        assert_eq!(canon(RrType::TXT, b"", 0).unwrap(), b"");
        assert_eq!(text(RrType::TXT, b""), "\\# 0");
        // Windows out of order.
        assert!(matches!(
            canon(RrType::NSEC, b"\x00\x01\x40\x00\x01\x40", 0),
            Err(RdataError::BadStructure { .. })
        ));
        // Zero-length window block.
        assert!(matches!(
            canon(RrType::NSEC, b"\x00\x00\x00", 0),
            Err(RdataError::BadStructure { .. })
        ));
        // Trailing zero octet is valid on the wire but written generically.
        let rdata = b"\x00\x00\x02\x40\x00";
        assert_eq!(canon(RrType::NSEC, rdata, 0).unwrap(), rdata);
        assert_eq!(text(RrType::NSEC, rdata), "\\# 5 0000024000");
    }

    #[test]
    fn loc_and_svcb_checks() {
        let mut loc = [0u8; 16];
        loc[0] = 1;
        assert!(matches!(
            canon(RrType::LOC, &loc, 0),
            Err(RdataError::BadStructure { .. })
        ));
        // Descending SvcParam keys.
        let svcb = b"\x00\x01\x00\x00\x03\x00\x02\x01\xbb\x00\x01\x00\x03\x02h2";
        assert!(matches!(
            canon(RrType::SVCB, svcb, 0),
            Err(RdataError::BadStructure { .. })
        ));
    }

    #[test]
    fn generic() {
        assert_eq!(text(RrType(65534), b"\x01\xab"), "\\# 2 01AB");
        assert_eq!(text(RrType(65534), b""), "\\# 0");
        assert_eq!(
            from_presentation(RrType(65534), "\\# 2 01ab").unwrap(),
            b"\x01\xab"
        );
        assert_eq!(
            from_presentation(RrType::A, "\\# 4 01 02 0304").unwrap(),
            b"\x01\x02\x03\x04"
        );
        assert_eq!(
            from_presentation(RrType(65534), "\\# 3 01ab"),
            Err(RdataError::GenericLength {
                declared: 3,
                actual: 2
            })
        );
        assert!(from_presentation(RrType(65534), "01ab").is_err());
        assert_eq!(from_presentation(RrType(65534), "\\# 0").unwrap(), b"");
    }

    #[test]
    fn text_errors() {
        assert!(matches!(
            from_presentation(RrType::A, "1.2.3.4 5"),
            Err(RdataError::ExtraText { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::MX, "10"),
            Err(RdataError::MissingField { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::MX, "x a."),
            Err(RdataError::BadToken { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::TXT, "\"abc"),
            Err(RdataError::Unterminated { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::NS, "a..b"),
            Err(RdataError::BadTextName { .. })
        ));
        let long = format!("\"{}\"", "a".repeat(256));
        assert!(from_presentation(RrType::TXT, &long).is_err());
    }

    #[test]
    fn times() {
        let mut s = String::new();
        push_time(0, &mut s);
        assert_eq!(s, "19700101000000");
        s.clear();
        push_time(u32::MAX, &mut s);
        assert_eq!(s, "21060207062815");
        assert_eq!(parse_time("21060207062815"), Some(u32::MAX));
        assert_eq!(parse_time("21060207062816"), None);
        assert_eq!(parse_time("20000230000000"), None);
        assert_eq!(parse_time("20240229120000"), Some(1_709_208_000));
        assert_eq!(parse_time("1709208000"), Some(1_709_208_000));
    }
}
