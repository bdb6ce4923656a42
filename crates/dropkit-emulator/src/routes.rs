//! The HTTP surface: routes, the recording/fault gate, the key check and the handlers.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};

use crate::account::DownloadOutcome;
use crate::admin;
use crate::config::UnauthorizedBody;
use crate::faults::FaultKind;
use crate::messages;
use crate::record::{KeyCheck, ReceivedFile, ReceivedRequest, Slot};
use crate::server::{ConnKill, Shared, lock};
use crate::upload::{self, IncomingFile};
use dropkit_files::wire::{
    AMEND_PATH, API_KEY_HEADER, DOWNLOAD_PATH, Endpoint, FILES_FIELD, MessageResponse, UPLOAD_PATH,
};

type Shr = Arc<Shared>;

/// The whole router: the three operations at the root and under `/sandbox` (DROP's sandbox
/// is a path prefix), a JSON 404 for everything else.
pub(crate) fn router(shared: Shr) -> Router {
    let api = Router::new()
        .route(DOWNLOAD_PATH, get(download).head(probe))
        .route(UPLOAD_PATH, post(upload_files))
        .route(AMEND_PATH, post(amend_files))
        .route_layer(middleware::from_fn_with_state(shared.clone(), authenticate))
        .layer(DefaultBodyLimit::max(shared.body_limit));
    // The record is added after the gate: never faulted, never logged as a request.
    Router::new()
        .merge(api.clone())
        .nest("/sandbox", api)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .route(admin::RECORD_PATH, get(record))
        .with_state(shared)
}

/// `GET /_emulator/record`: what the emulator received, as JSON (the account's key needed).
async fn record(State(shared): State<Shr>, headers: axum::http::HeaderMap) -> Response {
    if !admin::authorized(&headers, &shared.api_key) {
        return message(StatusCode::UNAUTHORIZED, messages::UNAUTHORIZED);
    }
    Json(shared.record()).into_response()
}

fn endpoint_of(method: &Method, path: &str) -> Option<Endpoint> {
    let path = path.strip_prefix("/sandbox").unwrap_or(path);
    Endpoint::from_request(method.as_str(), path)
}

/// `{"message": text}` with `status`.
fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(MessageResponse::new(text))).into_response()
}

fn with_retry_after(mut response: Response, seconds: u32) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Outermost layer: logs the request, applies an injected fault, records the status, and
/// closes the connection instead of answering when the fault says so.
async fn gate(State(shared): State<Shr>, mut req: Request, next: Next) -> Response {
    let endpoint = endpoint_of(req.method(), req.uri().path());
    let mut headers = req.headers().clone();
    headers.remove(API_KEY_HEADER);
    let fault = endpoint.and_then(|e| lock(&shared.faults).take(e));
    let slot = {
        let mut log = lock(&shared.log);
        log.push(ReceivedRequest {
            endpoint,
            method: req.method().clone(),
            path: req.uri().path().to_owned(),
            headers,
            key: KeyCheck::NotChecked,
            fault,
            status: 0,
            dropped: false,
            files: Vec::new(),
        });
        Slot(log.len() - 1)
    };
    req.extensions_mut().insert(slot);
    let kill = req.extensions().get::<ConnKill>().cloned();
    let response = match fault {
        Some(FaultKind::TooManyRequests { retry_after }) => {
            let r = message(StatusCode::TOO_MANY_REQUESTS, messages::TOO_MANY_REQUESTS);
            match retry_after {
                Some(s) => with_retry_after(r, s),
                None => r,
            }
        }
        Some(FaultKind::ServerError) => {
            message(StatusCode::INTERNAL_SERVER_ERROR, messages::SERVER_ERROR)
        }
        Some(FaultKind::Unavailable) => {
            message(StatusCode::SERVICE_UNAVAILABLE, messages::SERVER_ERROR)
        }
        Some(FaultKind::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(req).await
        }
        Some(FaultKind::DropResponse) | None => next.run(req).await,
    };
    let dropped = fault == Some(FaultKind::DropResponse) && kill.is_some();
    shared.update(slot, |r| {
        r.status = response.status().as_u16();
        r.dropped = dropped;
    });
    if let (true, Some(kill)) = (dropped, kill) {
        tracing::debug!(path = %shared.path_of(slot), "emulator: dropping the response");
        kill.0.notify_one();
        // The connection task drops this future together with the connection.
        std::future::pending::<()>().await;
    }
    response
}

/// The `X-API-KEY` check (401), then the account checks (403).
async fn authenticate(State(shared): State<Shr>, req: Request, next: Next) -> Response {
    let key = match req.headers().get(API_KEY_HEADER) {
        None => KeyCheck::Missing,
        Some(v) if v.as_bytes() == shared.api_key.as_bytes() => KeyCheck::Valid,
        Some(_) => KeyCheck::Invalid,
    };
    if let Some(slot) = req.extensions().get::<Slot>() {
        shared.update(*slot, |r| r.key = key);
    }
    if key != KeyCheck::Valid {
        return match shared.unauthorized {
            UnauthorizedBody::Json => message(StatusCode::UNAUTHORIZED, messages::UNAUTHORIZED),
            UnauthorizedBody::PlainText => (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                messages::UNAUTHORIZED,
            )
                .into_response(),
        };
    }
    if !shared.eligible.load(Ordering::SeqCst) {
        return message(StatusCode::FORBIDDEN, messages::NOT_ELIGIBLE);
    }
    if lock(&shared.account).lists.is_empty() {
        return message(StatusCode::FORBIDDEN, messages::NO_LISTS);
    }
    next.run(req).await
}

async fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, messages::NOT_FOUND)
}

/// `HEAD /data/download`: the connectivity check of DROP's getting-started guide (`curl -I`).
/// It answers 200 once the key is valid and changes nothing: a HEAD must not deliver (and so
/// lose) a package.
async fn probe() -> StatusCode {
    StatusCode::OK
}

async fn download(State(shared): State<Shr>) -> Response {
    let outcome = lock(&shared.account).download();
    match outcome {
        Ok(DownloadOutcome::Preparing(seconds)) => {
            with_retry_after(message(StatusCode::ACCEPTED, messages::PREPARING), seconds)
        }
        Ok(DownloadOutcome::Ready { file_name, zip }) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/zip".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            zip,
        )
            .into_response(),
        Ok(DownloadOutcome::NoData) => message(StatusCode::OK, messages::NO_DATA),
        Ok(DownloadOutcome::Incomplete) => {
            message(StatusCode::CONFLICT, messages::BATCH_INCOMPLETE)
        }
        Err(e) => {
            tracing::error!(error = %e, "emulator: building the package failed");
            message(StatusCode::INTERNAL_SERVER_ERROR, messages::SERVER_ERROR)
        }
    }
}

async fn upload_files(
    State(shared): State<Shr>,
    Extension(slot): Extension<Slot>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    receive(&shared, slot, Endpoint::Upload, multipart).await
}

async fn amend_files(
    State(shared): State<Shr>,
    Extension(slot): Extension<Slot>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    receive(&shared, slot, Endpoint::Amend, multipart).await
}

/// Reads every `files` part, then applies the state rule (409) and the file checks.
async fn receive(
    shared: &Shared,
    slot: Slot,
    endpoint: Endpoint,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut files = Vec::new();
    let mut malformed = None;
    match multipart {
        Ok(mut form) => loop {
            match form.next_field().await {
                Ok(Some(field)) => {
                    if field.name() != Some(FILES_FIELD) {
                        continue;
                    }
                    let name = field.file_name().unwrap_or_default().to_owned();
                    let content_type = field.content_type().map(str::to_owned);
                    match field.bytes().await {
                        Ok(bytes) => files.push(IncomingFile {
                            name,
                            content_type,
                            bytes,
                        }),
                        Err(e) => {
                            malformed = Some(e.status());
                            break;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    malformed = Some(e.status());
                    break;
                }
            }
        },
        Err(e) => malformed = Some(e.status()),
    }
    shared.update(slot, |r| {
        r.files = files
            .iter()
            .map(|f| ReceivedFile {
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                content: f.bytes.clone(),
                rejection: None,
                judged: false,
            })
            .collect();
    });
    if malformed == Some(StatusCode::PAYLOAD_TOO_LARGE) {
        return message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        );
    }

    let mut account = lock(&shared.account);
    let allowed = match endpoint {
        Endpoint::Amend => account.latest().is_some() && !account.is_preparing(),
        _ => account.is_active(),
    };
    if !allowed {
        let text = match endpoint {
            Endpoint::Amend => messages::AMEND_STATE,
            _ => messages::NO_ACTIVE_DOWNLOAD,
        };
        return message(StatusCode::CONFLICT, text);
    }
    // A body that is not multipart at all, or breaks off, carries no readable file.
    if malformed.is_some() {
        files.clear();
    }
    let processed = upload::process(&mut account, endpoint, &files);
    drop(account);

    shared.update(slot, |r| {
        for (file, outcome) in r.files.iter_mut().zip(&processed.outcomes) {
            file.judged = true;
            file.rejection = *outcome;
        }
    });
    lock(&shared.record_errors).extend(processed.record_errors);
    let status = if processed.response.accepted_count > 0 {
        StatusCode::ACCEPTED
    } else {
        StatusCode::BAD_REQUEST
    };
    (status, Json(processed.response)).into_response()
}
