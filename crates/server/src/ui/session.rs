//! Sessions of the UI: a login page takes one of the API's keys and sets a session cookie;
//! writes carry a CSRF token. Without keys (loopback only, like the API) there is no login.
//!
//! The cookie (`hark_session`, `HttpOnly`, `SameSite=Strict`, path `/ui`) holds 32 random
//! bytes in hex; the server keeps, for each session, the key's name and quota, its CSRF token
//! and when it ends ([`SESSION_SECONDS`] after login), at most [`MAX_SESSIONS`] at once. The
//! login form itself is protected by a double-submit token (`hark_login` cookie = form field),
//! so another site cannot log a browser in under its own key.

use super::page::{layout, param, respond, see_other, UiError};
use crate::auth::Caller;
use crate::params::percent_decode;
use crate::{ApiError, AppState};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use maud::html;
use std::collections::HashMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// How long a session lasts, in seconds (12 hours).
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Most sessions kept at once; logins past it are refused (503) until some end.
pub const MAX_SESSIONS: usize = 10_000;

const SESSION_COOKIE: &str = "hark_session";
const LOGIN_COOKIE: &str = "hark_login";

/// One logged-in browser.
#[derive(Clone, Debug)]
struct Session {
    caller: Caller,
    csrf: String,
    ends: i64,
}

/// The sessions the server knows.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    fn get(&self, token: &str, now: i64) -> Option<Session> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token).filter(|s| s.ends > now).cloned()
    }

    fn insert(&self, caller: Caller, now: i64) -> Result<(String, String), ApiError> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| s.ends > now);
        if map.len() >= MAX_SESSIONS {
            return Err(ApiError::Busy);
        }
        let token = random_hex()?;
        let csrf = random_hex()?;
        map.insert(
            token.clone(),
            Session {
                caller,
                csrf: csrf.clone(),
                ends: now + SESSION_SECONDS,
            },
        );
        Ok((token, csrf))
    }

    fn remove(&self, token: &str) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(token);
    }
}

impl super::UiState {
    /// The CSRF token of a server without keys (no sessions): made once, at first use.
    fn anonymous_token(&self) -> Result<String, ApiError> {
        if let Some(token) = self.anonymous.get() {
            return Ok(token.clone());
        }
        let token = random_hex()?;
        Ok(self.anonymous.get_or_init(|| token).clone())
    }
}

fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| ApiError::Internal(format!("no random bytes: {err}")))?;
    Ok(data_encoding::HEXLOWER.encode(&bytes))
}

/// Who is looking: the key of the session (none when the server has no keys).
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    /// The key's name and quota, for rate limits.
    pub caller: Option<Caller>,
    /// The key's name, shown with the logout button.
    pub name: Option<String>,
    /// The session's CSRF token, put in forms that write.
    pub csrf: Option<String>,
    token: Option<String>,
}

/// The value of cookie `name` in the request's headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, UiError> {
        if state.config.keys.is_none() {
            // No sessions without keys: forms that write carry the server's own token.
            return Ok(Viewer {
                csrf: Some(state.ui.anonymous_token()?),
                ..Viewer::default()
            });
        }
        let now = jiff::Timestamp::now().as_second();
        let token = cookie(&parts.headers, SESSION_COOKIE);
        let session = token.as_deref().and_then(|t| state.ui.sessions.get(t, now));
        match session {
            Some(session) => Ok(Viewer {
                name: Some(session.caller.name.clone()),
                caller: Some(session.caller),
                csrf: Some(session.csrf),
                token,
            }),
            None => {
                let target = parts
                    .uri
                    .path_and_query()
                    .map_or("/ui/", |p| p.as_str())
                    .to_string();
                Err(UiError::Login(target))
            }
        }
    }
}

/// Where to go after login: a UI path, nothing else (no open redirect).
fn next_target(next: Option<String>) -> String {
    match next {
        Some(n) if n.starts_with("/ui/") && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/ui/".to_string(),
    }
}

/// `GET /ui/login`: the form, with a fresh double-submit token.
pub async fn login_form(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let next = next_target(param(uri.query(), "next")?);
    login_page(&state, &headers, &next, None)
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    next: &str,
    failed: Option<&str>,
) -> Result<Response, UiError> {
    if state.config.keys.is_none() {
        return Ok(see_other(next, &[]));
    }
    let token = random_hex()?;
    let body = html! {
        h1 { "Log in" }
        p { "Give one of this server's API keys (the keys file of " code { "hark serve --keys" } ")." }
        @if let Some(message) = failed {
            p.error role="alert" { (message) }
        }
        form.login action="/ui/login" method="post" {
            input type="hidden" name="csrf" value=(token);
            input type="hidden" name="next" value=(next);
            label for="key" { "API key" }
            input #key name="key" type="password" autocomplete="current-password" required autofocus;
            button type="submit" { "Log in" }
        }
    };
    let mut response = respond(headers, layout("Log in", &Viewer::default(), "", body));
    if failed.is_some() {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    let cookie =
        format!("{LOGIN_COOKIE}={token}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=3600");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Reads an `application/x-www-form-urlencoded` body.
pub(super) fn form(body: &[u8]) -> Result<HashMap<String, String>, UiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("the form is not UTF-8".into()))?;
    let mut out = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        out.insert(percent_decode(name, true)?, percent_decode(value, true)?);
    }
    Ok(out)
}

/// True when `a` is a non-empty token equal to `b` (compared in constant time).
pub(super) fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// `POST /ui/login`: checks the token and the key, starts a session.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let fields = form(&body)?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let next = next_target(fields.get("next").cloned());
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !same(&field("csrf"), &expected) {
        return Err(UiError::Api(ApiError::Forbidden));
    }
    let Some(keys) = state.config.keys.as_ref() else {
        return login_page(&state, &headers, &next, None);
    };
    let key = field("key");
    let caller = match crate::auth::check_key(Some(keys), Some(key.trim().as_bytes())) {
        Ok(Some(caller)) => caller,
        _ => {
            return login_page(
                &state,
                &headers,
                &next,
                Some("That is not one of this server's keys."),
            )
        }
    };
    let now = jiff::Timestamp::now().as_second();
    let (token, _csrf) = state.ui.sessions.insert(caller, now)?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}"
    );
    let spent = format!("{LOGIN_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(see_other(&next, &[&cookie, &spent]))
}

/// `POST /ui/logout`: ends the session (the form's CSRF token must be the session's).
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let fields = form(&body)?;
    let given = fields.get("csrf").cloned().unwrap_or_default();
    if let (Some(token), Some(csrf)) = (&viewer.token, &viewer.csrf) {
        if !same(&given, csrf) {
            return Err(UiError::Api(ApiError::Forbidden));
        }
        state.ui.sessions.remove(token);
    }
    let spent = format!("{SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(see_other("/ui/login", &[&spent]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_in_the_ui() {
        assert_eq!(next_target(Some("/ui/name/x".into())), "/ui/name/x");
        for bad in [
            "https://evil.example/",
            "//evil.example/ui/",
            "/api/v1/stats",
            "/ui/\\x",
        ] {
            assert_eq!(next_target(Some(bad.into())), "/ui/", "{bad}");
        }
    }

    #[test]
    fn forms_decode() {
        let f = form(b"key=a%2Bb+c&csrf=x").expect("form");
        assert_eq!(f["key"], "a+b c");
        assert!(form(b"key=%zz").is_err());
    }
}
