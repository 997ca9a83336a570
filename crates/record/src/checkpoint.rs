//! Where a source stands in the store: the unit of "exact after a crash".
//!
//! Every input hark reads is a [`Source`](SourceId) that yields *units* (a DNS response, an
//! import line) in an order that depends only on its bytes and its options. A [`Checkpoint`]
//! says "the first `position` units of this source are in the store". A store records the
//! checkpoints of a batch in the same atomic write as the batch's rows, so after a crash the
//! source resumes at the recorded position and nothing is counted twice, whatever was
//! half-written when the process died.

/// The identity of a source: stable across runs for the same input and options.
///
/// For a file it is the hash of the file's content; a stream names itself (the sensor and
/// its stream). Short byte strings (under 256 bytes).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub Vec<u8>);

/// How far a source is in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The source.
    pub source: SourceId,
    /// Units of the source (from its start) whose observations are in the store.
    pub position: u64,
    /// The source was read to its end: every unit is in the store.
    pub done: bool,
    /// A fingerprint of the options that decide which units a source yields (ports,
    /// sections...): resuming under other options would count another sequence of units.
    pub options: u64,
    /// Bytes of the input behind `position` (for a file cut short: its length, so a longer
    /// copy of the same file can resume from here).
    pub bytes: u64,
    /// A note for people: the file name and when it was read.
    pub note: String,
}

/// Why a checkpoint could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("checkpoint entry is damaged ({0} bytes)")]
pub struct CheckpointDecodeError(pub usize);

const CHECKPOINT_VERSION: u8 = 1;

impl Checkpoint {
    /// The value bytes a store keeps under the source's id: version, position, done, options,
    /// bytes, note.
    pub fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(CHECKPOINT_VERSION);
        out.extend_from_slice(&self.position.to_be_bytes());
        out.push(u8::from(self.done));
        out.extend_from_slice(&self.options.to_be_bytes());
        out.extend_from_slice(&self.bytes.to_be_bytes());
        out.extend_from_slice(self.note.as_bytes());
    }

    /// Reads back what [`Checkpoint::encode_value`] wrote.
    pub fn decode_value(
        source: SourceId,
        value: &[u8],
    ) -> Result<Checkpoint, CheckpointDecodeError> {
        let bad = || CheckpointDecodeError(value.len());
        let (&version, rest) = value.split_first().ok_or_else(bad)?;
        if version != CHECKPOINT_VERSION || rest.len() < 25 {
            return Err(bad());
        }
        let (position, rest) = rest.split_at(8);
        let (&done, rest) = rest.split_first().ok_or_else(bad)?;
        let (options, rest) = rest.split_at(8);
        let (bytes, note) = rest.split_at(8);
        let number = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or_default());
        Ok(Checkpoint {
            source,
            position: number(position),
            done: done != 0,
            options: number(options),
            bytes: number(bytes),
            note: String::from_utf8_lossy(note).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_round_trip() {
        let checkpoint = Checkpoint {
            source: SourceId(b"file/abc".to_vec()),
            position: 1 << 40,
            done: true,
            options: 0xDEAD_BEEF,
            bytes: 12345,
            note: "capture.pcap at 2026-12-06".into(),
        };
        let mut value = Vec::new();
        checkpoint.encode_value(&mut value);
        assert_eq!(value.len(), 1 + 8 + 1 + 8 + 8 + checkpoint.note.len());
        assert_eq!(
            Checkpoint::decode_value(checkpoint.source.clone(), &value),
            Ok(checkpoint)
        );
        assert!(Checkpoint::decode_value(SourceId(vec![]), &value[..10]).is_err());
        assert!(Checkpoint::decode_value(SourceId(vec![]), b"legacy note").is_err());
    }
}
