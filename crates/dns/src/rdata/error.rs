//! [`RdataError`]: why rdata does not fit its type, on the wire or in text.

use crate::name::NameError;
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
