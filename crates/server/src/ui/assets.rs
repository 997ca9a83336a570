//! The UI's scripts and styles, embedded in the binary and served with long cache lifetimes
//! under URLs that carry a hash of their content (`/ui/assets/htmx.min.3f2a….js`), so a new
//! build never meets a stale cached copy.
//!
//! Third-party files (htmx, cytoscape.js) come from the npm registry through
//! `scripts/ui-assets.sh`, which keeps the minified build, its licence, and its gzip and
//! brotli forms in `assets/vendor/`; only the two compressed forms are embedded, and a client
//! that accepts neither gets the gzip form decompressed. hark's own files (`assets/ui.css`,
//! `assets/ui.js`, `assets/graph.js`) are embedded as written and gzip-compressed once, at
//! first use. Tests pin every vendored file by SHA-256.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::LazyLock;

/// An embedded file.
struct Asset {
    /// Its name, as templates ask for it (`htmx.min.js`).
    name: &'static str,
    content_type: &'static str,
    /// Its gzip form.
    gzip: Vec<u8>,
    /// Its brotli form, for vendored files.
    brotli: Option<&'static [u8]>,
    /// Its own bytes, for hark's files (vendored files are decompressed on demand).
    plain: Option<&'static [u8]>,
    /// The first 16 hex digits of the SHA-256 of its content.
    hash: String,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The SHA-256 (hex) of each vendored file as `scripts/ui-assets.sh` fetched it; tests
/// check the compressed forms against these.
pub const VENDOR: &[(&str, &str)] = &[
    (
        "htmx.min.js",
        "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    ),
    (
        "cytoscape.min.js",
        "71fa9ebec21a7ca2c40cff6aacc30d1f6464e363662ad4b2c197e1adc770cd94",
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let vendored = |name: &'static str, gzip: &'static [u8], brotli: &'static [u8]| {
        let hash = VENDOR
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(String::new(), |(_, h)| h.chars().take(16).collect());
        Asset {
            name,
            content_type: JS,
            gzip: gzip.to_vec(),
            brotli: Some(brotli),
            plain: None,
            hash,
        }
    };
    let own = |name: &'static str, content_type: &'static str, plain: &'static [u8]| Asset {
        name,
        content_type,
        gzip: gzip(plain),
        brotli: None,
        plain: Some(plain),
        hash: data_encoding::HEXLOWER.encode(&Sha256::digest(plain)[..8]),
    };
    vec![
        vendored(
            "htmx.min.js",
            include_bytes!("../../assets/vendor/htmx.min.js.gz"),
            include_bytes!("../../assets/vendor/htmx.min.js.br"),
        ),
        vendored(
            "cytoscape.min.js",
            include_bytes!("../../assets/vendor/cytoscape.min.js.gz"),
            include_bytes!("../../assets/vendor/cytoscape.min.js.br"),
        ),
        own("ui.css", CSS, include_bytes!("../../assets/ui.css")),
        own("ui.js", JS, include_bytes!("../../assets/ui.js")),
        own("graph.js", JS, include_bytes!("../../assets/graph.js")),
    ]
});

/// The URL of the embedded file `name` (`ui.css`), with its content hash.
pub fn url(name: &str) -> String {
    let asset = ASSETS.iter().find(|a| a.name == name);
    let hash = asset.map_or("", |a| a.hash.as_str());
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("/ui/assets/{stem}.{hash}.{ext}"),
        None => format!("/ui/assets/{name}"),
    }
}

/// Gzip at the best ratio (for hark's files, once, and for pages).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// True when an `Accept-Encoding` value admits `coding` (and does not refuse it with `q=0`).
pub fn accepts(value: &HeaderValue, coding: &str) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    text.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                == Some(0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

/// `GET /ui/assets/{stem}.{hash}.{ext}`: the file, compressed as the client accepts, cached
/// for a year (its URL changes with its content). A stale hash is 404.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let found = ASSETS
        .iter()
        .find(|a| url(a.name).rsplit('/').next() == Some(&file));
    let Some(asset) = found else {
        return crate::ui::secure((StatusCode::NOT_FOUND, "no such asset\n").into_response());
    };
    let accept = headers.get(header::ACCEPT_ENCODING);
    let admits = |coding| accept.is_some_and(|v| accepts(v, coding));
    let (body, encoding): (Vec<u8>, Option<&'static str>) = match (asset.brotli, asset.plain) {
        (Some(brotli), _) if admits("br") => (brotli.to_vec(), Some("br")),
        _ if admits("gzip") => (asset.gzip.clone(), Some("gzip")),
        (_, Some(plain)) => (plain.to_vec(), None),
        (_, None) => {
            let mut plain = Vec::new();
            let _ = flate2::read::GzDecoder::new(asset.gzip.as_slice()).read_to_end(&mut plain);
            (plain, None)
        }
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    crate::ui::secure(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_content_hash() {
        let url = url("htmx.min.js");
        assert_eq!(url, "/ui/assets/htmx.min.d6fdc75f204e6bde.js");
        assert!(super::url("ui.css").starts_with("/ui/assets/ui."));
    }

    #[test]
    fn accept_encoding() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert!(accepts(&v("gzip, deflate, br"), "br"));
        assert!(!accepts(&v("gzip;q=0, deflate"), "gzip"));
        assert!(accepts(&v("*"), "gzip"));
        assert!(!accepts(&v("identity"), "gzip"));
    }
}
