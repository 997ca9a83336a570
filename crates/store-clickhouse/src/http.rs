//! ClickHouse's HTTP interface: one statement per request, errors as `Code: N, ...` bodies.
//!
//! Every call names the server it goes to ([`Endpoint`]). Transport failures (refused,
//! reset, timed out) and "a query with this id is already running" are [`CallError::Retry`]:
//! the callers that retry do so only with statements whose repetition is harmless (see the
//! `write` module).

use crate::rowbinary::{DecodeError, Decoder};
use std::io::{BufReader, Read};
use std::time::Duration;

/// One ClickHouse server's HTTP address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port`.
    pub address: String,
}

impl Endpoint {
    fn url(&self) -> String {
        format!("http://{}/", self.address)
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The server could not be reached, the connection broke, or a query with the same id
    /// still runs: the statement may or may not have run.
    #[error("ClickHouse at {address}: {reason}")]
    Retry {
        /// The server.
        address: String,
        /// What happened.
        reason: String,
    },
    /// The server refused or failed the statement (its message).
    #[error("ClickHouse at {address} answered: {message}")]
    Server {
        /// The server.
        address: String,
        /// ClickHouse's `Code: N` number, when it gave one.
        code: Option<u32>,
        /// Its message, trimmed.
        message: String,
    },
    /// The answer could not be read.
    #[error("ClickHouse at {address}: {source}")]
    Decode {
        /// The server.
        address: String,
        /// What was wrong.
        source: DecodeError,
    },
}

/// ClickHouse error codes hark reacts to.
pub mod code {
    /// `UNKNOWN_TABLE`.
    pub const UNKNOWN_TABLE: u32 = 60;
    /// `UNKNOWN_DATABASE`.
    pub const UNKNOWN_DATABASE: u32 = 81;
    /// `TOO_MANY_ROWS` (`max_rows_to_read` exceeded).
    pub const TOO_MANY_ROWS: u32 = 158;
    /// `QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING`.
    pub const ALREADY_RUNNING: u32 = 216;
}

impl CallError {
    /// The ClickHouse error code, for server errors.
    pub fn code(&self) -> Option<u32> {
        match self {
            CallError::Server { code, .. } => *code,
            _ => None,
        }
    }
}

/// The HTTP client (one connection pool) shared by every call.
pub struct Http {
    agent: ureq::Agent,
    user: Option<(String, String)>,
}

/// Reads one row of a RowBinary answer (given its first byte); false stops the reading.
pub type RowReader<'a> =
    dyn FnMut(&mut Decoder<&mut dyn Read>, u8) -> Result<bool, DecodeError> + 'a;

/// A setting sent as a URL parameter.
pub type Setting<'a> = (&'a str, String);

impl Http {
    /// A client whose calls give up after `timeout`; `user` is (name, password).
    pub fn new(timeout: Duration, user: Option<(String, String)>) -> Http {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(Duration::from_secs(5)))
            .build();
        Http {
            agent: config.into(),
            user,
        }
    }

    /// Posts `body` with `settings` (and the query in `settings` when the body is data);
    /// returns the answer's body as a reader once the status says it succeeded.
    fn post(
        &self,
        endpoint: &Endpoint,
        settings: &[Setting<'_>],
        body: &[u8],
    ) -> Result<impl Read + use<>, CallError> {
        let mut request = self.agent.post(endpoint.url());
        for (name, value) in settings {
            request = request.query(*name, value);
        }
        if let Some((user, password)) = &self.user {
            request = request
                .header("X-ClickHouse-User", user)
                .header("X-ClickHouse-Key", password);
        }
        let retry = |reason: String| CallError::Retry {
            address: endpoint.address.clone(),
            reason,
        };
        let response = request.send(body).map_err(|err| retry(err.to_string()))?;
        let status = response.status();
        let reader = response.into_body().into_reader();
        if status.is_success() {
            return Ok(reader);
        }
        let mut text = String::new();
        let _ = reader.take(64 * 1024).read_to_string(&mut text);
        let message = text.trim().to_string();
        let code = message
            .strip_prefix("Code: ")
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|digits| digits.parse().ok());
        if code == Some(code::ALREADY_RUNNING) {
            return Err(retry(message));
        }
        Err(CallError::Server {
            address: endpoint.address.clone(),
            code,
            message,
        })
    }

    /// Runs a statement that answers nothing worth reading.
    pub fn execute(
        &self,
        endpoint: &Endpoint,
        sql: &str,
        settings: &[Setting<'_>],
    ) -> Result<(), CallError> {
        let mut reader = self.post(endpoint, settings, sql.as_bytes())?;
        std::io::copy(&mut reader, &mut std::io::sink()).map_err(|err| CallError::Retry {
            address: endpoint.address.clone(),
            reason: format!("reading the answer: {err}"),
        })?;
        Ok(())
    }

    /// Inserts `data` (RowBinary) with `INSERT INTO ... FORMAT RowBinary` given as `sql`.
    pub fn insert(
        &self,
        endpoint: &Endpoint,
        sql: &str,
        data: &[u8],
        settings: &[Setting<'_>],
    ) -> Result<(), CallError> {
        let mut all: Vec<Setting<'_>> = settings.to_vec();
        all.push(("query", sql.to_string()));
        let mut reader = self.post(endpoint, &all, data)?;
        std::io::copy(&mut reader, &mut std::io::sink()).map_err(|err| CallError::Retry {
            address: endpoint.address.clone(),
            reason: format!("reading the answer: {err}"),
        })?;
        Ok(())
    }

    /// Runs a query whose answer is `FORMAT TabSeparated` text (small answers only).
    pub fn text(
        &self,
        endpoint: &Endpoint,
        sql: &str,
        settings: &[Setting<'_>],
    ) -> Result<String, CallError> {
        let reader = self.post(endpoint, settings, sql.as_bytes())?;
        let mut text = String::new();
        reader
            .take(64 << 20)
            .read_to_string(&mut text)
            .map_err(|err| CallError::Retry {
                address: endpoint.address.clone(),
                reason: format!("reading the answer: {err}"),
            })?;
        Ok(text)
    }

    /// Runs a `FORMAT RowBinary` query, handing each row's decoder to `row` (which reads
    /// the row's columns; the first byte of the row is given to it). `row` returns false to
    /// stop reading (the connection is then dropped).
    pub fn rows(
        &self,
        endpoint: &Endpoint,
        sql: &str,
        settings: &[Setting<'_>],
        row: &mut RowReader<'_>,
    ) -> Result<(), CallError> {
        let reader = self.post(endpoint, settings, sql.as_bytes())?;
        let mut buffered = BufReader::with_capacity(64 * 1024, reader);
        let mut decoder = Decoder::new(&mut buffered as &mut dyn Read);
        let decode = |source| CallError::Decode {
            address: endpoint.address.clone(),
            source,
        };
        loop {
            let mut first = None;
            if decoder.at_end(&mut first).map_err(decode)? {
                return Ok(());
            }
            let first = first.unwrap_or_default();
            if !row(&mut decoder, first).map_err(decode)? {
                return Ok(());
            }
        }
    }
}

/// `unhex('...')` of bytes: how keys go into SQL (binary safe).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2 + 9);
    out.push_str("unhex('");
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out.push_str("')");
    out
}

/// A string literal in SQL quotes, with `\` and `'` escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_text_are_quoted_safely() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "unhex('00AB10')");
        assert_eq!(quote("it's a \\ test"), "'it\\'s a \\\\ test'");
    }
}
