//! Response/query pairing: a UDP response counts only if its query was seen.
//!
//! A stub resolver accepts an answer only when it comes back from the address and port it
//! asked, to the port it asked from, with the query's ID and question. [`Pairing`] applies the
//! same rule to captured traffic, so an answer spoofed at a victim (which never asked) stays
//! out of the store: each query sent to a server port is remembered by the hash of (client
//! address and port, server address and port, ID, question); a response is paired when the
//! reversed key is outstanding, and the query is then consumed (a second answer to one query
//! is unpaired, as the client would ignore it). The question is compared without regard to
//! ASCII case, so servers that do not echo 0x20-randomised case still pair.
//!
//! The table is bounded by entries ([`PairingConfig::max_pending`]) and by capture-time age
//! ([`PairingConfig::max_age_secs`]): queries older than that are forgotten (counted as
//! `queries_unanswered`, not a skip of input), and when the table is full of younger queries a
//! new query is not remembered (`pairing_table_full`, so its answer will be unpaired). The
//! keys are hashed with a per-process random seed, so they cannot be aimed at one bucket.
//!
//! TCP is paired per stream by [`crate::tcp`]: a message counts when the client sent data
//! on the same connection.

use hashbrown::hash_map::Entry;
use hashbrown::HashMap;
use std::hash::{BuildHasher, Hasher};

/// Limits of the pairing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairingConfig {
    /// Queries waiting for their answer at most. Default 262,144 (about 10 MiB).
    pub max_pending: usize,
    /// Capture-time seconds a query waits for its answer. Default 30.
    pub max_age_secs: u32,
}

impl Default for PairingConfig {
    fn default() -> Self {
        PairingConfig {
            max_pending: 262_144,
            max_age_secs: 30,
        }
    }
}

/// One side of a UDP exchange, as the packet carries it.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints<'a> {
    /// Source address (IPv4 in the first 4 bytes).
    pub src: &'a [u8; 16],
    /// Destination address.
    pub dst: &'a [u8; 16],
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
}

/// Outstanding queries, by the hash of their key.
#[derive(Debug)]
pub struct Pairing {
    config: PairingConfig,
    hasher: hashbrown::DefaultHashBuilder,
    /// Key hash → (capture second of the latest such query, how many are outstanding).
    pending: HashMap<u64, (i64, u32)>,
    /// Capture second of the last sweep by age.
    swept_at: i64,
    /// Queries forgotten by age.
    unanswered: u64,
    /// Queries not remembered because the table was full.
    full: u64,
}

/// The question of a DNS message with exactly one: its uncompressed QNAME (wire form) and
/// its QTYPE and QCLASS.
fn question(message: &[u8]) -> Option<(&[u8], &[u8])> {
    if message.get(4..6) != Some(&[0, 1][..]) {
        return None;
    }
    let mut end = 12usize;
    loop {
        let len = *message.get(end)?;
        if len > 63 {
            return None;
        }
        end += 1 + usize::from(len);
        if len == 0 {
            break;
        }
    }
    Some((message.get(12..end)?, message.get(end..end + 4)?))
}

/// The eight bytes of `word` with ASCII capitals lowered (each byte as
/// `u8::to_ascii_lowercase` would), without a branch per byte.
fn ascii_lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The low seven bits of each byte, plus an offset that sets the byte's high bit exactly
    // when those bits are at least 'A' (resp. above 'Z'); no sum carries into the next byte.
    let low = word & !HIGH;
    let from_a = low + ONES * (0x80 - u64::from(b'A'));
    let past_z = low + ONES * (0x80 - u64::from(b'Z') - 1);
    // Capitals: at least 'A', not past 'Z', and ASCII (the byte's own high bit clear).
    let capitals = from_a & !past_z & !word & HIGH;
    word | (capitals >> 2)
}

impl Pairing {
    /// An empty table with the given limits.
    pub fn new(config: PairingConfig) -> Self {
        Pairing {
            config: PairingConfig {
                max_pending: config.max_pending.max(1),
                ..config
            },
            hasher: hashbrown::DefaultHashBuilder::default(),
            pending: HashMap::new(),
            swept_at: i64::MIN,
            unanswered: 0,
            full: 0,
        }
    }

    /// The key of an exchange: client side first, then server side, ID and question (the
    /// name lowercased: label lengths are below 64, so only letters change).
    fn key(&self, client: (&[u8; 16], u16), server: (&[u8; 16], u16), message: &[u8]) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        // Fixed-size parts as integers: one mixing step each.
        hasher.write_u128(u128::from_be_bytes(*client.0));
        hasher.write_u128(u128::from_be_bytes(*server.0));
        let id = match (message.first(), message.get(1)) {
            (Some(&high), Some(&low)) => u16::from_be_bytes([high, low]),
            _ => 0,
        };
        hasher.write_u64(
            u64::from(client.1) << 32 | u64::from(server.1) << 16 | u64::from(id) | 1 << 63,
        );
        match question(message) {
            Some((name, tail)) => {
                // Eight bytes at a time, lowercased in the word: this runs for every packet.
                // Zero padding of the last word is unambiguous: a wire name ends at its first
                // empty label, so no name is another's prefix.
                let mut words = name.chunks_exact(8);
                for word in &mut words {
                    let mut bytes = [0u8; 8];
                    bytes.copy_from_slice(word);
                    hasher.write_u64(ascii_lowercase_word(u64::from_le_bytes(bytes)));
                }
                let mut last = [0u8; 8];
                for (slot, byte) in last.iter_mut().zip(words.remainder()) {
                    *slot = *byte;
                }
                hasher.write_u64(ascii_lowercase_word(u64::from_le_bytes(last)));
                hasher.write(tail);
            }
            None => hasher.write_u8(0xff),
        }
        hasher.finish()
    }

    /// Forgets queries older than the age limit, at most once per capture second.
    fn sweep(&mut self, now: i64) {
        if now == self.swept_at {
            return;
        }
        self.swept_at = now;
        let cutoff = now.saturating_sub(i64::from(self.config.max_age_secs));
        let mut forgotten = 0u64;
        self.pending.retain(|_, (seen, count)| {
            let keep = *seen >= cutoff;
            if !keep {
                forgotten += u64::from(*count);
            }
            keep
        });
        self.unanswered += forgotten;
    }

    /// Remembers a query sent from `at.src` to the server at `at.dst` at capture second `now`.
    pub fn query(&mut self, at: Endpoints<'_>, message: &[u8], now: i64) {
        let key = self.key((at.src, at.src_port), (at.dst, at.dst_port), message);
        if self.pending.len() >= self.config.max_pending && !self.pending.contains_key(&key) {
            self.sweep(now);
            if self.pending.len() >= self.config.max_pending {
                self.full += 1;
                return;
            }
        }
        let entry = self.pending.entry(key).or_insert((now, 0));
        entry.0 = entry.0.max(now);
        entry.1 = entry.1.saturating_add(1);
    }

    /// True when the response sent from the server at `at.src` answers an outstanding query
    /// (which it then consumes).
    pub fn response(&mut self, at: Endpoints<'_>, message: &[u8], now: i64) -> bool {
        if now.saturating_sub(self.swept_at) > i64::from(self.config.max_age_secs) {
            self.sweep(now);
        }
        let key = self.key((at.dst, at.dst_port), (at.src, at.src_port), message);
        match self.pending.entry(key) {
            Entry::Occupied(mut entry) => {
                let (seen, count) = *entry.get();
                if now.saturating_sub(seen) > i64::from(self.config.max_age_secs) {
                    return false;
                }
                if count <= 1 {
                    entry.remove();
                } else {
                    entry.get_mut().1 = count - 1;
                }
                true
            }
            Entry::Vacant(_) => false,
        }
    }

    /// Queries waiting for their answer now.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Queries forgotten unanswered after the age limit, so far.
    pub fn unanswered(&self) -> u64 {
        self.unanswered
    }

    /// Queries not remembered because the table was full, so far.
    pub fn table_full(&self) -> u64 {
        self.full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: [u8; 16] = [10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const SERVER: [u8; 16] = [10, 0, 0, 53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// Every byte value, in every position of the word, lowers as `to_ascii_lowercase` does,
    /// whatever its neighbours are.
    #[test]
    fn word_lowercasing_matches_the_byte_rule() {
        for byte in 0..=255u8 {
            for position in 0..8 {
                for fill in [0u8, b'Z', b'@', 0xff, b'a'] {
                    let mut bytes = [fill; 8];
                    bytes[position] = byte;
                    let lowered = ascii_lowercase_word(u64::from_le_bytes(bytes)).to_le_bytes();
                    let expected = bytes.map(|b| b.to_ascii_lowercase());
                    assert_eq!(lowered, expected, "{bytes:?}");
                }
            }
        }
    }

    fn message(id: u16, qr: bool, name: &[u8]) -> Vec<u8> {
        let mut m = id.to_be_bytes().to_vec();
        m.extend_from_slice(&[if qr { 0x81 } else { 0x01 }, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]);
        m.extend_from_slice(name);
        m.extend_from_slice(&[0, 1, 0, 1]);
        m
    }

    fn ask(client_port: u16) -> Endpoints<'static> {
        Endpoints {
            src: &CLIENT,
            dst: &SERVER,
            src_port: client_port,
            dst_port: 53,
        }
    }

    fn answer(client_port: u16) -> Endpoints<'static> {
        Endpoints {
            src: &SERVER,
            dst: &CLIENT,
            src_port: 53,
            dst_port: client_port,
        }
    }

    const NAME: &[u8] = b"\x03www\x07example\x03com\x00";
    const UPPER: &[u8] = b"\x03WwW\x07example\x03COM\x00";

    #[test]
    fn a_response_pairs_once_with_its_query() {
        let mut p = Pairing::new(PairingConfig::default());
        p.query(ask(4000), &message(7, false, NAME), 100);
        // another port, another ID, another name: not its answer
        assert!(!p.response(answer(4001), &message(7, true, NAME), 100));
        assert!(!p.response(answer(4000), &message(8, true, NAME), 100));
        let other = b"\x03www\x07example\x03net\x00";
        assert!(!p.response(answer(4000), &message(7, true, other), 100));
        // case does not matter
        assert!(p.response(answer(4000), &message(7, true, UPPER), 101));
        // consumed
        assert!(!p.response(answer(4000), &message(7, true, NAME), 101));
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn old_queries_are_forgotten() {
        let mut p = Pairing::new(PairingConfig {
            max_pending: 10,
            max_age_secs: 30,
        });
        p.query(ask(4000), &message(7, false, NAME), 100);
        assert!(!p.response(answer(4000), &message(7, true, NAME), 131));
        p.query(ask(4000), &message(9, false, NAME), 200);
        assert!(!p.response(answer(4000), &message(9, true, NAME), 300));
        assert_eq!(p.unanswered(), 2);
    }

    #[test]
    fn a_full_table_refuses_new_queries() {
        let mut p = Pairing::new(PairingConfig {
            max_pending: 2,
            max_age_secs: 30,
        });
        for id in 1..=3 {
            p.query(ask(4000), &message(id, false, NAME), 100);
        }
        assert_eq!((p.pending(), p.table_full()), (2, 1));
        assert!(!p.response(answer(4000), &message(3, true, NAME), 100));
        assert!(p.response(answer(4000), &message(1, true, NAME), 100));
        // once old ones age out, there is room again
        p.query(ask(4000), &message(4, false, NAME), 200);
        assert!(p.response(answer(4000), &message(4, true, NAME), 200));
    }

    #[test]
    fn malformed_questions_still_key() {
        let mut p = Pairing::new(PairingConfig::default());
        let cut = &message(7, false, NAME)[..16];
        p.query(ask(4000), cut, 1);
        assert!(p.response(answer(4000), cut, 1));
        assert!(!p.response(answer(4000), &[1, 2], 1));
    }
}
