//! Golden presentations: rdata written by hand from the RFCs, with the text
//! dig prints for it, also written by hand. Both directions are checked.

use hark_dns::{rdata, RrType};

const EXAMPLE_COM: &[u8] = b"\x07example\x03com\x00";

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn cases() -> Vec<(RrType, Vec<u8>, &'static str)> {
    let mut nsec_bitmap = vec![0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b];
    nsec_bitmap.extend_from_slice(&[0; 26]);
    nsec_bitmap.push(0x20);
    vec![
        (RrType::A, vec![192, 0, 2, 1], "192.0.2.1"),
        // WKS: port p is bit 0x80 >> (p % 8) of bitmap octet p / 8.
        (
            RrType::WKS,
            b"\xc0\x00\x02\x01\x06\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x80".to_vec(),
            "192.0.2.1 6 25 80",
        ),
        (RrType::WKS, b"\xc0\x00\x02\x01\x11\xa0".to_vec(), "192.0.2.1 17 0 2"),
        (RrType::WKS, b"\xc0\x00\x02\x01\x06".to_vec(), "192.0.2.1 6"),
        (
            RrType::AAAA,
            cat(&[b"\x20\x01\x0d\xb8", &[0; 11], b"\x01"]),
            "2001:db8::1",
        ),
        (
            RrType::AAAA,
            cat(&[&[0; 10], b"\xff\xff\xc0\x00\x02\x01"]),
            "::ffff:192.0.2.1",
        ),
        (RrType::NS, cat(&[b"\x03ns1", EXAMPLE_COM]), "ns1.example.com."),
        (RrType::NS, b"\x03a.b\x04c d\\\x00".to_vec(), "a\\.b.c\\032d\\\\."),
        (RrType::CNAME, b"\x00".to_vec(), "."),
        (RrType::DNAME, EXAMPLE_COM.to_vec(), "example.com."),
        (RrType::PTR, cat(&[b"\x04host", EXAMPLE_COM]), "host.example.com."),
        (RrType::MB, EXAMPLE_COM.to_vec(), "example.com."),
        (RrType::MG, EXAMPLE_COM.to_vec(), "example.com."),
        (RrType::MR, EXAMPLE_COM.to_vec(), "example.com."),
        (RrType::MX, cat(&[b"\x00\x0a\x04mail", EXAMPLE_COM]), "10 mail.example.com."),
        (RrType::KX, cat(&[b"\x00\x0a\x02kx", EXAMPLE_COM]), "10 kx.example.com."),
        (RrType::RT, cat(&[b"\x00\x14\x02rt", EXAMPLE_COM]), "20 rt.example.com."),
        (RrType::AFSDB, cat(&[b"\x00\x01\x03afs", EXAMPLE_COM]), "1 afs.example.com."),
        (
            RrType::PX,
            cat(&[b"\x00\x0a\x03map", EXAMPLE_COM, b"\x04x400", EXAMPLE_COM]),
            "10 map.example.com. x400.example.com.",
        ),
        (
            RrType::SOA,
            cat(&[
                b"\x02ns",
                EXAMPLE_COM,
                b"\x0ahostmaster",
                EXAMPLE_COM,
                b"\x00\x00\x00\x01\x00\x00\x1c\x20\x00\x00\x03\x84\x00\x12\x75\x00\x00\x01\x51\x80",
            ]),
            "ns.example.com. hostmaster.example.com. 1 7200 900 1209600 86400",
        ),
        (
            RrType::TXT,
            b"\x0bv=spf1 -all\x07a\"b\\c\x07\xff".to_vec(),
            "\"v=spf1 -all\" \"a\\\"b\\\\c\\007\\255\"",
        ),
        (RrType::TXT, b"\x00".to_vec(), "\"\""),
        (RrType::SPF, b"\x0bv=spf1 -all".to_vec(), "\"v=spf1 -all\""),
        (RrType::HINFO, b"\x05INTEL\x05Linux".to_vec(), "\"INTEL\" \"Linux\""),
        (
            RrType::RP,
            cat(&[b"\x05admin", EXAMPLE_COM, b"\x00"]),
            "admin.example.com. .",
        ),
        (
            RrType::MINFO,
            cat(&[b"\x04list", EXAMPLE_COM, b"\x05owner", EXAMPLE_COM]),
            "list.example.com. owner.example.com.",
        ),
        (
            RrType::SRV,
            cat(&[b"\x00\x0a\x00\x3c\x13\xc4\x03sip", EXAMPLE_COM]),
            "10 60 5060 sip.example.com.",
        ),
        (
            RrType::NAPTR,
            cat(&[b"\x00\x64\x00\x0a\x01S\x07SIP+D2U\x00\x04_sip\x04_udp", EXAMPLE_COM]),
            "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
        ),
        (
            RrType::CAA,
            b"\x00\x05issueletsencrypt.org".to_vec(),
            "0 issue \"letsencrypt.org\"",
        ),
        (RrType::CAA, b"\x80\x03tbsUnknown".to_vec(), "128 tbs \"Unknown\""),
        (RrType::SSHFP, b"\x01\x01\xde\xad\xbe\xef".to_vec(), "1 1 DEADBEEF"),
        (RrType::TLSA, b"\x03\x01\x01\xab\xcd".to_vec(), "3 1 1 ABCD"),
        (RrType::SMIMEA, b"\x03\x00\x02\x01".to_vec(), "3 0 2 01"),
        (
            RrType::DS,
            cat(&[
                b"\xec\x45\x05\x01",
                b"\x2b\xb1\x83\xaf\x5f\x22\x58\x81\x79\xa5\x3b\x0a\x98\x63\x1f\xad\x1a\x29\x21\x18",
            ]),
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
        ),
        (RrType::CDS, b"\x00\x00\x00\x00\x00".to_vec(), "0 0 0 00"),
        (RrType::DNSKEY, b"\x01\x01\x03\x08\x01\x02\x03\x04\x05".to_vec(), "257 3 8 AQIDBAU="),
        (RrType::CDNSKEY, b"\x00\x00\x03\x00\x00".to_vec(), "0 3 0 AA=="),
        (
            RrType::RRSIG,
            cat(&[
                b"\x00\x01\x08\x02\x00\x00\x0e\x10\x65\xe1\x1a\x80\x65\xba\xdf\x00\x30\x39",
                EXAMPLE_COM,
                b"\xff\xfe",
            ]),
            "A 8 2 3600 20240301000000 20240201000000 12345 example.com. //4=",
        ),
        (
            RrType::RRSIG,
            b"\xff\xfe\x0d\x00\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00".to_vec(),
            "TYPE65534 13 0 0 21060207062815 19700101000000 0 . AA==",
        ),
        (
            RrType::NSEC,
            cat(&[b"\x04host", EXAMPLE_COM, &nsec_bitmap]),
            "host.example.com. A MX RRSIG NSEC TYPE1234",
        ),
        (RrType::NSEC, EXAMPLE_COM.to_vec(), "example.com."),
        (
            RrType::NSEC3,
            b"\x01\x01\x00\x0c\x04\xaa\xbb\xcc\xdd\x05\x00\x00\x00\x00\x01\x00\x06\x40\x00\x00\x00\x00\x02".to_vec(),
            "1 1 12 AABBCCDD 00000001 A RRSIG",
        ),
        (RrType::NSEC3PARAM, b"\x01\x00\x00\x0a\x02\xaa\xbb".to_vec(), "1 0 10 AABB"),
        (RrType::NSEC3PARAM, b"\x01\x00\x00\x00\x00".to_vec(), "1 0 0 -"),
        (
            RrType::LOC,
            b"\x00\x12\x16\x13\x8b\x3c\xf0\x18\x81\x0c\xbc\xe0\x00\x98\x95\xb8".to_vec(),
            "52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m",
        ),
        (
            RrType::LOC,
            b"\x00\x00\x11\x91\x80\x00\x00\x00\x80\x00\x00\x00\x00\x98\x96\x80".to_vec(),
            "0 0 0.000 N 0 0 0.000 E 0.00m 0.00m 0.10m 0.90m",
        ),
        (
            RrType::URI,
            b"\x00\x0a\x00\x01ftp://ftp1.example.com/public".to_vec(),
            "10 1 \"ftp://ftp1.example.com/public\"",
        ),
        (
            RrType::HTTPS,
            b"\x00\x01\x00\x00\x01\x00\x06\x02h2\x02h3\x00\x03\x00\x02\x01\xbb\x00\x04\x00\x04\xc0\x00\x02\x01"
                .to_vec(),
            "1 . alpn=\"h2,h3\" port=443 ipv4hint=192.0.2.1",
        ),
        (
            RrType::SVCB,
            b"\x00\x10\x03foo\x07example\x03org\x00\x00\x00\x00\x02\x00\x01\x00\x01\x00\x03\x02h2\xff\x35\x00\x02ex"
                .to_vec(),
            "16 foo.example.org. mandatory=alpn alpn=\"h2\" key65333=\"ex\"",
        ),
        (
            RrType::SVCB,
            cat(&[
                b"\x00\x01\x03svc",
                EXAMPLE_COM,
                b"\x00\x02\x00\x00\x00\x05\x00\x03\x01\x02\x03\x00\x06\x00\x10\x20\x01\x0d\xb8",
                &[0; 11],
                b"\x01",
            ]),
            "1 svc.example.com. no-default-alpn ech=AQID ipv6hint=2001:db8::1",
        ),
        (RrType::HTTPS, cat(&[b"\x00\x00\x03svc", EXAMPLE_COM]), "0 svc.example.com."),
        (RrType::OPENPGPKEY, b"\x01\x02\x03".to_vec(), "AQID"),
        (RrType::ZONEMD, b"\x78\x48\xb7\x8c\x01\x01\xab\xcd".to_vec(), "2018031500 1 1 ABCD"),
        (RrType::CSYNC, b"\x00\x00\x00\x42\x00\x03\x00\x04\x60\x00\x00\x08".to_vec(), "66 3 A NS AAAA"),
        (RrType::EUI48, b"\x00\x00\x5e\x00\x53\x2a".to_vec(), "00-00-5E-00-53-2A"),
        (RrType::EUI64, b"\x00\x00\x5e\xef\x10\x00\x00\x2a".to_vec(), "00-00-5E-EF-10-00-00-2A"),
        (RrType(65534), b"\x01\x02\x03".to_vec(), "\\# 3 010203"),
        (RrType(65534), Vec::new(), "\\# 0"),
        (RrType::NULL, b"\xab".to_vec(), "\\# 1 AB"),
        // Rdata that does not fit its type falls back to RFC 3597.
        (RrType::A, b"\x01\x02\x03".to_vec(), "\\# 3 010203"),
        (RrType::TXT, Vec::new(), "\\# 0"),
        (RrType::DS, b"\x00\x01\x02\x03".to_vec(), "\\# 4 00010203"),
        (RrType::CAA, b"\x00\x00".to_vec(), "\\# 2 0000"),
        (RrType::WKS, b"\xc0\x00\x02\x01".to_vec(), "\\# 4 C0000201"),
        (RrType::WKS, b"\xc0\x00\x02\x01\x06\x80\x00".to_vec(), "\\# 7 C0000201068000"),
        (RrType::LOC, b"\x00\x05\x16\x13\x8b\x3c\xf0\x18\x81\x0c\xbc\xe0\x00\x98\x95\xb8".to_vec(), "\\# 16 000516138B3CF018810CBCE0009895B8"),
    ]
}

#[test]
fn golden_presentation() {
    let mut failures = Vec::new();
    for (rrtype, bytes, expected) in cases() {
        let mut text = String::new();
        rdata::to_presentation(rrtype, &bytes, &mut text);
        if text != expected {
            failures.push(format!(
                "{rrtype} {bytes:02x?}\n  expected: {expected}\n       got: {text}"
            ));
        }
        match rdata::from_presentation(rrtype, expected) {
            Ok(back) if back == bytes => {}
            other => failures.push(format!(
                "{rrtype} {expected:?} parsed to {other:02x?}, want {bytes:02x?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn lenient_input_forms() {
    let cases: &[(RrType, &str, &[u8])] = &[
        (RrType::NS, "NS1.Example.COM", b"\x03ns1\x07example\x03com\x00"),
        (RrType::DNSKEY, "256 3 8 AQID BAU=", b"\x01\x00\x03\x08\x01\x02\x03\x04\x05"),
        (RrType::DS, "1 2 3 ab CD", b"\x00\x01\x02\x03\xab\xcd"),
        (RrType::TXT, "unquoted \"two words\"", b"\x08unquoted\x09two words"),
        (RrType::RRSIG, "a 8 2 3600 1709251200 1706745600 12345 example.com. //4=", b"\x00\x01\x08\x02\x00\x00\x0e\x10\x65\xe1\x1a\x80\x65\xba\xdf\x00\x30\x39\x07example\x03com\x00\xff\xfe"),
        (RrType::NSEC3, "1 1 12 aabbccdd 00000001 a rrsig", b"\x01\x01\x00\x0c\x04\xaa\xbb\xcc\xdd\x05\x00\x00\x00\x00\x01\x00\x06\x40\x00\x00\x00\x00\x02"),
        (RrType::HTTPS, "1 . port=443 alpn=h2,h3", b"\x00\x01\x00\x00\x01\x00\x06\x02h2\x02h3\x00\x03\x00\x02\x01\xbb"),
        (RrType::HTTPS, "1 . alpn=\"a\\\\,b,c\"", b"\x00\x01\x00\x00\x01\x00\x06\x03a,b\x01c"),
        (RrType::LOC, "52 22 23 N 4 53 32 E -2m", b"\x00\x12\x16\x13\x8b\x3c\xf0\x18\x81\x0c\xbc\xe0\x00\x98\x95\xb8"),
        (RrType::EUI48, "00-00-5e-00-53-2a", b"\x00\x00\x5e\x00\x53\x2a"),
        (RrType::WKS, "192.0.2.1 TCP 80 25", b"\xc0\x00\x02\x01\x06\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x80"),
        (RrType::WKS, "192.0.2.1 udp 53 53", b"\xc0\x00\x02\x01\x11\x00\x00\x00\x00\x00\x00\x04"),
    ];
    for (rrtype, text, bytes) in cases {
        assert_eq!(
            rdata::from_presentation(*rrtype, text).as_deref(),
            Ok(*bytes),
            "{rrtype} {text:?}"
        );
    }
}
