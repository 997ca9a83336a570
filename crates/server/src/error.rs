//! The one error type of the HTTP faces, answered the way DNSDB answers: a status code and a
//! one-line `Error: ...` body. Server-side failures are logged and shown to clients as a bare
//! "internal error", never with their details.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Why a request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The URL or a parameter is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// Basic credentials are missing or wrong on the CIRCL route (401).
    #[error("missing or invalid credentials")]
    Unauthorized,
    /// The API key is missing or unknown (403).
    #[error("missing or invalid API key")]
    Forbidden,
    /// No such path (404).
    #[error("no such path: see the DNSDB API v2 or CIRCL pDNS documentation")]
    NotFound,
    /// The offset is above what the key may use (416).
    #[error("offset {offset} is above the maximum of {max}")]
    OffsetTooLarge {
        /// The offset asked for.
        offset: u64,
        /// The key's maximum.
        max: u64,
    },
    /// The request target is too long (414).
    #[error("request path of {len} bytes is over the limit of {max}")]
    UriTooLong {
        /// Length of the path and query.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The key is over its daily quota or its burst (429), with where it stands.
    #[error("rate limit exceeded")]
    RateLimited(crate::auth::RateStatus),
    /// The `Accept` header names no type this answer comes in (415, as DNSDB answers).
    #[error("cannot answer in {0}: accept application/x-ndjson (or */*)")]
    UnsupportedMediaType(String),
    /// Every query slot is taken (503): too many concurrent queries.
    #[error("too many concurrent queries: try again shortly")]
    Busy,
    /// The query ran past its time limit before an answer could start (503).
    #[error("query time limit reached")]
    TimedOut,
    /// Something failed on the server side (500); the text is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::OffsetTooLarge { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Busy | ApiError::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl ApiError {
    /// Adds what tells a client when to try again, whatever the face's body: the
    /// `X-RateLimit-*` headers and `Retry-After` of a 429, `Retry-After: 1` on a 503 busy.
    pub fn add_retry_headers(&self, headers: &mut axum::http::HeaderMap) {
        if let ApiError::RateLimited(status) = self {
            status.add_headers(headers);
        }
        if matches!(self, ApiError::Busy) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
    }
}

impl From<hark_store::StoreError> for ApiError {
    fn from(err: hark_store::StoreError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<hark_store::QueryError> for ApiError {
    fn from(err: hark_store::QueryError) -> Self {
        match err {
            hark_store::QueryError::UnknownPath => ApiError::NotFound,
            other => ApiError::BadRequest(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let text = match &self {
            ApiError::Internal(reason) => {
                tracing::error!(error = %reason, "request failed");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        // One line whatever the message holds: clients print the first line of the body.
        let line = text.replace(['\r', '\n'], " ");
        let mut response = (status, format!("Error: {line}\n")).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        self.add_retry_headers(response.headers_mut());
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"hark\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internals_are_not_shown() {
        let response = ApiError::Internal("disk /secret/path failed".into()).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn statuses_follow_dnsdb() {
        assert_eq!(ApiError::Forbidden.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            ApiError::OffsetTooLarge { offset: 9, max: 1 }.status(),
            StatusCode::RANGE_NOT_SATISFIABLE
        );
    }
}
