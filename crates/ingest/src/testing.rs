//! Test-only DNS message building: uncompressed responses from names in presentation form, for
//! the unit tests of the aggregation and the dnstap source.

use hark_dns::Section;

/// The wire form of a presentation name (`"www.example.com"`, `"."` for the root).
pub(crate) fn wire(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// One resource record to put in a response.
pub(crate) struct Rr {
    pub section: Section,
    pub owner: &'static str,
    pub rrtype: u16,
    pub rdata: Vec<u8>,
}

/// An A record in `section`.
pub(crate) fn a(section: Section, owner: &'static str, address: [u8; 4]) -> Rr {
    Rr {
        section,
        owner,
        rrtype: 1,
        rdata: address.to_vec(),
    }
}

/// An NS or CNAME record (type `rrtype`) in `section` pointing at `target`.
pub(crate) fn name_rr(section: Section, owner: &'static str, rrtype: u16, target: &str) -> Rr {
    Rr {
        section,
        owner,
        rrtype,
        rdata: wire(target),
    }
}

/// An SOA record for `zone` in the authority section.
pub(crate) fn soa(zone: &'static str) -> Rr {
    let mut rdata = wire(&format!("ns1.{zone}"));
    rdata.extend(wire(&format!("hostmaster.{zone}")));
    for value in [2024010101u32, 3600, 600, 86400, 300] {
        rdata.extend_from_slice(&value.to_be_bytes());
    }
    Rr {
        section: Section::Authority,
        owner: zone,
        rrtype: 6,
        rdata,
    }
}

/// A response (QR=1, AA=1) to `qname`/`qtype` with `rcode` and the records in their sections.
pub(crate) fn response(qname: &str, qtype: u16, rcode: u8, records: &[Rr]) -> Vec<u8> {
    let count = |section| records.iter().filter(|r| r.section == section).count() as u16;
    let mut out = vec![0x12, 0x34, 0x84, rcode & 0x0f];
    for n in [
        1,
        count(Section::Answer),
        count(Section::Authority),
        count(Section::Additional),
    ] {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend(wire(qname));
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    for section in [Section::Answer, Section::Authority, Section::Additional] {
        for rr in records.iter().filter(|r| r.section == section) {
            record(&mut out, rr.owner, rr.rrtype, 1, &rr.rdata);
        }
    }
    out
}

/// Appends one uncompressed resource record (TTL 300) of any class to `out`.
pub(crate) fn record(out: &mut Vec<u8>, owner: &str, rrtype: u16, class: u16, rdata: &[u8]) {
    out.extend(wire(owner));
    out.extend_from_slice(&rrtype.to_be_bytes());
    out.extend_from_slice(&class.to_be_bytes());
    out.extend_from_slice(&300u32.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
}

/// A query (QR=0) for `qname`/`qtype`.
pub(crate) fn query(qname: &str, qtype: u16) -> Vec<u8> {
    let mut out = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    out.extend(wire(qname));
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out
}
