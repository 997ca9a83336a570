//! The `meta` keyspace: format version, checkpoints, the counters behind [`StoreStats`], and
//! the marker of a bulk load in progress.
//!
//! Keys:
//! - `format` → the format version string;
//! - `source/` + source id → a [`Checkpoint`] value;
//! - `counters` → [`Counters`]: rows, names, negatives, finished sources, rows per type;
//! - `cert-counter` → certificate-name rows (u64 BE);
//! - `bulk-pending` → present while a bulk load into an empty store runs (see
//!   [`crate::write`]); finding it on open means the load died part-way and is rolled back.
//! - `file/` + digest → a finished file as format 1 recorded it (read once, when migrating).

use hark_dns::RrType;
use hark_record::{Checkpoint, SourceId};
use hark_store::{StoreError, StoreStats};
use std::collections::BTreeMap;

/// The format version key.
pub(crate) const FORMAT: &[u8] = b"format";
/// Prefix of checkpoint keys.
pub(crate) const SOURCE_PREFIX: &[u8] = b"source/";
/// The counters key.
pub(crate) const COUNTERS: &[u8] = b"counters";
/// The count of certificate-name rows (kept apart from [`COUNTERS`], whose layout predates
/// them).
pub(crate) const CERT_COUNTER: &[u8] = b"cert-counter";
/// The bulk-load-in-progress marker.
pub(crate) const BULK_PENDING: &[u8] = b"bulk-pending";
/// Prefix of format-1 file marks.
pub(crate) const LEGACY_FILE_PREFIX: &[u8] = b"file/";

/// The key of a source's checkpoint.
pub(crate) fn source_key(source: &SourceId) -> Vec<u8> {
    [SOURCE_PREFIX, &source.0].concat()
}

/// The source id named by a checkpoint key.
pub(crate) fn source_of_key(key: &[u8]) -> SourceId {
    SourceId(key.get(SOURCE_PREFIX.len()..).unwrap_or_default().to_vec())
}

/// Decodes a checkpoint value, naming the table when it is damaged.
pub(crate) fn decode_checkpoint(source: SourceId, value: &[u8]) -> Result<Checkpoint, StoreError> {
    Checkpoint::decode_value(source, value).map_err(|err| StoreError::Corrupt {
        table: "meta",
        reason: err.to_string(),
    })
}

/// What the store holds, kept exact by every commit (so stats never scan).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub rows: u64,
    pub names: u64,
    pub negatives: u64,
    pub finished_sources: u64,
    pub rows_per_type: BTreeMap<RrType, u64>,
    /// Certificate-name rows (stored under [`CERT_COUNTER`]).
    pub certs: u64,
}

impl Counters {
    /// Nothing stored yet.
    pub fn is_empty(&self) -> bool {
        self.rows == 0 && self.negatives == 0
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        for value in [self.rows, self.names, self.negatives, self.finished_sources] {
            out.extend_from_slice(&value.to_be_bytes());
        }
        for (rrtype, count) in &self.rows_per_type {
            out.extend_from_slice(&rrtype.0.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Counters, StoreError> {
        let bad = || StoreError::Corrupt {
            table: "meta",
            reason: format!("counters entry of {} bytes", bytes.len()),
        };
        if bytes.len() < 32 || !(bytes.len() - 32).is_multiple_of(10) {
            return Err(bad());
        }
        let number = |at: usize| {
            bytes
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
                .unwrap_or_default()
        };
        let mut counters = Counters {
            rows: number(0),
            names: number(8),
            negatives: number(16),
            finished_sources: number(24),
            rows_per_type: BTreeMap::new(),
            certs: 0,
        };
        for entry in bytes.get(32..).unwrap_or_default().chunks_exact(10) {
            let (rrtype, count) = entry.split_at(2);
            let rrtype = u16::from_be_bytes(rrtype.try_into().map_err(|_| bad())?);
            let count = u64::from_be_bytes(count.try_into().map_err(|_| bad())?);
            counters.rows_per_type.insert(RrType(rrtype), count);
        }
        Ok(counters)
    }

    /// The figures as the store trait reports them (disk figures filled in by the caller).
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            rows: self.rows,
            names: self.names,
            negatives: self.negatives,
            rows_per_type: self.rows_per_type.clone(),
            files: self.finished_sources,
            certs: self.certs,
            ..StoreStats::default()
        }
    }
}

/// Decodes the [`CERT_COUNTER`] value.
pub(crate) fn decode_cert_counter(bytes: &[u8]) -> Result<u64, StoreError> {
    bytes
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            table: "meta",
            reason: format!("cert counter of {} bytes", bytes.len()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip() {
        let counters = Counters {
            rows: 5,
            names: 3,
            negatives: 2,
            finished_sources: 1,
            rows_per_type: [(RrType::A, 4), (RrType::MX, 1)].into_iter().collect(),
            certs: 0,
        };
        let mut bytes = Vec::new();
        counters.encode(&mut bytes);
        assert_eq!(bytes.len(), 32 + 2 * 10);
        assert_eq!(Counters::decode(&bytes).expect("decodes"), counters);
        assert!(Counters::decode(&bytes[..31]).is_err());
        assert!(Counters::decode(&bytes[..40]).is_err());
    }
}
