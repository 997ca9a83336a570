//! The alerts of watch rules under `/api/v1/alerts` (hark's native API, in the OpenAPI
//! document): list with filters, one alert, and state changes.
//!
//! | request | answer |
//! |---|---|
//! | `GET /api/v1/alerts?rule=&state=&severity=&since=` | `{"alerts": [...], "returned": N}`, oldest first |
//! | `GET /api/v1/alerts/{id}` | the alert |
//! | `POST /api/v1/alerts/{id}/ack`, `POST /api/v1/alerts/{id}/resolve` | the alert in its new state |
//!
//! A server without an alert log (no store directory) answers 404. The key goes in
//! `X-API-Key` or as HTTP Basic credentials, as on every face.

use crate::{auth, ApiError, AppState};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use hark_watch::{Alert, AlertLog, Severity};
use serde_json::json;
use std::sync::Arc;

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let keys = state.config.keys.as_ref();
    if headers.contains_key(header::AUTHORIZATION) {
        auth::require_basic(keys, headers)?;
    } else {
        auth::require_api_key(keys, headers)?;
    }
    Ok(())
}

fn json_response(value: &serde_json::Value) -> Response {
    let mut response = value.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn with_log<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&AlertLog) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let log = state.alerts.clone().ok_or(ApiError::NotFound)?;
    tokio::task::spawn_blocking(move || work(&log))
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?
}

fn internal(err: hark_watch::alerts::AlertError) -> ApiError {
    ApiError::Internal(err.to_string())
}

/// `GET /api/v1/alerts`.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let (mut rule, mut wanted_state, mut severity, mut since) = (None, None, None, None);
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = || ApiError::BadRequest(format!("bad value for {key}: {value:?}"));
        match key {
            "rule" => rule = Some(value.to_string()),
            "state" => wanted_state = Some(hark_watch::State::parse(value).ok_or_else(bad)?),
            "severity" => severity = Some(Severity::parse(value).ok_or_else(bad)?),
            "since" => since = Some(value.parse::<i64>().map_err(|_| bad())?),
            _ => return Err(ApiError::BadRequest(format!("unknown parameter {key:?}"))),
        }
    }
    let alerts: Vec<Alert> = with_log(&state, |log| log.list().map_err(internal)).await?;
    let alerts: Vec<&Alert> = alerts
        .iter()
        .filter(|a| rule.as_ref().is_none_or(|r| &a.rule == r))
        .filter(|a| wanted_state.is_none_or(|s| a.state == s))
        .filter(|a| severity.is_none_or(|s| a.severity >= s))
        .filter(|a| since.is_none_or(|s| a.last >= s))
        .collect();
    Ok(json_response(
        &json!({"alerts": alerts, "returned": alerts.len()}),
    ))
}

/// `GET /api/v1/alerts/{id}`.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let alert = with_log(&state, move |log| log.get(&id).map_err(internal)).await?;
    let alert = alert.ok_or(ApiError::NotFound)?;
    Ok(json_response(&json!(alert)))
}

/// `POST /api/v1/alerts/{id}/ack` and `.../resolve`.
pub async fn set_state(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let new_state = match action.as_str() {
        "ack" => hark_watch::State::Acknowledged,
        "resolve" => hark_watch::State::Resolved,
        _ => return Err(ApiError::NotFound),
    };
    let alert = with_log(&state, move |log| {
        log.set_state(&id, new_state, "api").map_err(internal)
    })
    .await?;
    let alert = alert.ok_or(ApiError::NotFound)?;
    Ok(json_response(&json!(alert)))
}

/// The alert log a server answers from.
pub type Log = Arc<AlertLog>;

/// Where the UI reads the watch rules in force: a running watcher's (they change on SIGHUP),
/// or a rule file's read at start.
pub type Rules = Arc<dyn Fn() -> Arc<hark_watch::RuleSet> + Send + Sync>;
