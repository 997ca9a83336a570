//! IP → ASN and organisation, from an offline database the user provides, in either usual
//! format, told apart by content:
//! - a MaxMind DB (`.mmdb`) with the GeoLite2-ASN fields (`autonomous_system_number`,
//!   `autonomous_system_organization`): MaxMind GeoLite2-ASN, DB-IP ASN Lite, IPinfo ASN;
//!   read with the `maxminddb` crate;
//! - the iptoasn.com TSV (`ip2asn-v4.tsv`, `ip2asn-v6.tsv`, `ip2asn-combined.tsv`, optionally
//!   gzipped): `range_start  range_end  AS_number  country_code  AS_description`. Read by
//!   hand: five tab-separated columns, and a sorted range table with a binary search is all a
//!   lookup needs.

use crate::IntelError;
use serde::Serialize;
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

/// The autonomous system an address belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AsnInfo {
    /// The AS number.
    pub asn: u32,
    /// The organisation, as the database names it.
    pub organisation: String,
    /// The country code.
    pub country: String,
}

/// An AS database.
#[derive(Debug)]
pub enum AsnDb {
    /// iptoasn ranges with their AS, sorted by start.
    Ranges(Vec<(u128, u128, AsnInfo)>),
    /// A MaxMind DB.
    Mmdb(Box<maxminddb::Reader<Vec<u8>>>),
}

/// The GeoLite2-ASN record.
#[derive(serde::Deserialize)]
struct MmdbAsn {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
}

/// The marker that starts a MaxMind DB's metadata section.
const MMDB_METADATA: &[u8] = b"\xab\xcd\xefMaxMind.com";

/// An address as one number: IPv4 in the IPv4-mapped IPv6 range, so both families share a table.
fn key(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl AsnDb {
    /// Reads a MaxMind DB or an iptoasn TSV file (plain or gzip).
    pub fn open(path: &Path) -> Result<AsnDb, IntelError> {
        let bad = |why: String| IntelError::BadInput(format!("{}: {why}", path.display()));
        let raw = std::fs::read(path).map_err(|err| bad(err.to_string()))?;
        if raw.windows(MMDB_METADATA.len()).any(|w| w == MMDB_METADATA) {
            let reader = maxminddb::Reader::from_source(raw)
                .map_err(|err| bad(format!("not a readable MaxMind DB: {err}")))?;
            return Ok(AsnDb::Mmdb(Box::new(reader)));
        }
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut out = String::new();
            flate2::read::GzDecoder::new(&raw[..])
                .take(1 << 30)
                .read_to_string(&mut out)
                .map_err(|err| bad(format!("not readable gzip: {err}")))?;
            out
        } else {
            String::from_utf8(raw).map_err(|_| bad("not UTF-8 text".into()))?
        };
        AsnDb::parse(&text).map_err(|(line, why)| bad(format!("line {line}: {why}")))
    }

    /// Parses the TSV text; the error names the line.
    pub fn parse(text: &str) -> Result<AsnDb, (usize, String)> {
        let mut ranges = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 5 {
                return Err((
                    index + 1,
                    format!("expected 5 tab-separated columns, found {}", f.len()),
                ));
            }
            let address = |text: &str| {
                text.trim()
                    .parse::<IpAddr>()
                    .map(key)
                    .map_err(|_| (index + 1, format!("{text:?} is not an address")))
            };
            let (start, end) = (address(f[0])?, address(f[1])?);
            let asn: u32 = f[2]
                .trim()
                .parse()
                .map_err(|_| (index + 1, format!("{:?} is not an AS number", f[2])))?;
            if asn == 0 || end < start {
                continue; // "Not routed", or a reversed range
            }
            ranges.push((
                start,
                end,
                AsnInfo {
                    asn,
                    organisation: f[4].trim().to_string(),
                    country: f[3].trim().to_string(),
                },
            ));
        }
        ranges.sort_by_key(|(start, _, _)| *start);
        Ok(AsnDb::Ranges(ranges))
    }

    /// The AS of an address, when the database covers it.
    pub fn lookup(&self, address: IpAddr) -> Option<AsnInfo> {
        match self {
            AsnDb::Ranges(ranges) => {
                let k = key(address);
                let at = ranges.partition_point(|(start, _, _)| *start <= k);
                let (start, end, info) = ranges.get(at.checked_sub(1)?)?;
                (*start <= k && k <= *end).then(|| info.clone())
            }
            AsnDb::Mmdb(reader) => {
                let record: MmdbAsn = reader.lookup(address).ok()?.decode().ok()??;
                Some(AsnInfo {
                    asn: record.autonomous_system_number?,
                    organisation: record.autonomous_system_organization.unwrap_or_default(),
                    country: String::new(),
                })
            }
        }
    }

    /// What the database is, for reports.
    pub fn describe(&self) -> String {
        match self {
            AsnDb::Ranges(ranges) => format!("iptoasn database ({} ranges)", ranges.len()),
            AsnDb::Mmdb(reader) => format!(
                "MaxMind DB {} ({} nodes)",
                reader.metadata().database_type,
                reader.metadata().node_count
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_of_both_families() {
        let db = AsnDb::parse(
            "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n\
             1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n\
             192.0.2.0\t192.0.2.127\t64500\tZZ\tEXAMPLE-AS one\n\
             2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64501\tZZ\tEXAMPLE-V6\n",
        )
        .expect("parses");
        let asn = |a: &str| db.lookup(a.parse().expect("address")).map(|i| i.asn);
        assert_eq!(asn("1.0.0.1"), Some(13335));
        assert_eq!(asn("1.0.2.1"), None);
        assert_eq!(asn("192.0.2.127"), Some(64500));
        assert_eq!(asn("192.0.2.128"), None);
        assert_eq!(asn("2001:db8::53"), Some(64501));
        assert_eq!(
            db.lookup("192.0.2.5".parse().expect("a"))
                .map(|i| i.organisation),
            Some("EXAMPLE-AS one".to_string())
        );
        assert!(AsnDb::parse("1.0.0.0\t1.0.0.255\n").is_err());
        assert!(AsnDb::parse("x\t1.0.0.255\t1\tUS\tX\n").is_err());
    }
}
