//! Presentation ↔ wire for every rrtype hark knows (and any number): wire rdata canonicalizes
//! idempotently, and canonical rdata prints and reads back to the same bytes; text that reads prints as text that reads to the same
//! bytes again, and that text is a fixed point; names read from text print back.
#![no_main]

use hark_dns::{name, rdata, RrType};
use hark_fuzz::{check_name, check_rdata};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Every rrtype with a mnemonic.
fn known() -> &'static [RrType] {
    static KNOWN: OnceLock<Vec<RrType>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        (0..=u16::MAX)
            .map(RrType)
            .filter(|t| t.mnemonic().is_some())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let [mode, pick, rest @ ..] = data else {
        return;
    };
    let rrtype = match rest {
        // Mostly known types; sometimes any number (unknown types take RFC 3597 form).
        [hi, lo, ..] if mode & 0x80 != 0 => RrType(u16::from_be_bytes([*hi, *lo])),
        _ => known()
            .get(usize::from(*pick) % known().len())
            .copied()
            .unwrap_or(RrType::A),
    };
    match mode % 3 {
        0 => {
            // Wire rdata (compression pointers into itself allowed) → canonical: the
            // canonical form prints and reads back, and canonicalizing it again changes nothing.
            let mut canonical = Vec::new();
            if rdata::canonicalize(rrtype, rest, 0, rest.len(), &mut canonical).is_err() {
                assert!(
                    canonical.is_empty(),
                    "a failed canonicalization left output"
                );
                return;
            }
            check_rdata(rrtype, &canonical);
            let mut again = Vec::new();
            rdata::canonicalize(rrtype, &canonical, 0, canonical.len(), &mut again)
                .expect("canonical rdata canonicalizes");
            assert_eq!(
                again, canonical,
                "{rrtype}: canonicalization is not idempotent"
            );
        }
        1 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let Ok(wire) = rdata::from_presentation(rrtype, text) else {
                return;
            };
            let mut printed = String::new();
            rdata::to_presentation(rrtype, &wire, &mut printed);
            let again = rdata::from_presentation(rrtype, &printed);
            assert_eq!(
                again.as_deref(),
                Ok(&wire[..]),
                "{rrtype} {text:?} read as {wire:02x?}, printed as {printed:?}, which does not read back"
            );
            let mut reprinted = String::new();
            rdata::to_presentation(rrtype, &wire, &mut reprinted);
            assert_eq!(printed, reprinted);
        }
        _ => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            if let Ok(wire) = name::from_presentation(text) {
                check_name(&wire);
                let mut key = Vec::new();
                name::reversed_key(&wire, &mut key);
                assert_eq!(name::from_reversed_key(&key), Ok((wire.clone(), key.len())));
                key.clear();
                name::forward_key(&wire, &mut key);
                assert_eq!(name::from_forward_key(&key), Ok((wire, key.len())));
            }
        }
    }
});
