//! The activity log, written in one place for every way in: a layer on the API's routes
//! records each change (every request that writes, and every reveal of secret values) as an
//! event before its handler runs, and finishes it with how it ended. The CLI (on the server
//! or remote), SSH commands, git pushes (their hook deploys through the API) and the
//! dashboard (its changes are requests to these routes) all pass here.
//!
//! Who made the change is the request's [`Actor`], put there by whoever let it in: the token
//! check (`token NAME`), the unix socket (`local`, or the key of an SSH command or push, which
//! the local client names in the `wharf-actor` header: the socket is trusted), the dashboard
//! (`user NAME`). How it ended: the handler's error, or for a streamed change the stream's
//! last event (`done` or `error`), read as it passes. A client that stops reading does not stop
//! the change, and neither does it stop the record: the rest of the stream is read to its end.

use super::reach::reach;
use super::{ApiError, ApiState};
use crate::api::params::AppPath;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Query, RawPathParams, Request, State};
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::FromRequestParts};
use futures_util::{Stream, StreamExt};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use wharf_api::{ErrorBody, Event, Events, EventsQuery, Outcome, ProgressEvent, paths};
use wharf_domain::{Actor, AppName, EventResult, Operation, Resource};
use wharf_store::{EventRecord, NewEvent, Store};

/// The header a local client (on the unix socket only) names its actor in: `ssh-key:NAME`.
pub const ACTOR_HEADER: HeaderName = HeaderName::from_static(wharf_api::ACTOR_HEADER);

/// The Unix user on the other end of a connection to the API's socket.
#[derive(Debug, Clone, Copy)]
pub struct LocalPeer {
    pub uid: Option<u32>,
}

impl
    axum::extract::connect_info::Connected<
        axum::serve::IncomingStream<'_, tokio::net::UnixListener>,
    > for LocalPeer
{
    fn connect_info(
        stream: axum::serve::IncomingStream<'_, tokio::net::UnixListener>,
    ) -> LocalPeer {
        LocalPeer {
            uid: stream.io().peer_cred().ok().map(|cred| cred.uid()),
        }
    }
}

/// The layer on the unix socket: the actor is the one its local client names (an SSH key's
/// command or push runs `wharf` on the server), else the Unix user connected.
pub async fn local_actor(mut request: Request, next: Next) -> Response {
    let uid = request
        .extensions()
        .get::<axum::extract::ConnectInfo<LocalPeer>>()
        .and_then(|info| info.0.uid);
    let named = request
        .headers()
        .get(ACTOR_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::parse::<Actor>);
    let actor = match named {
        // Only Wharf itself records as Wharf.
        Some(Ok(Actor::Local { .. } | Actor::Wharf)) | None => Actor::Local { uid },
        Some(Ok(actor)) => actor,
        Some(Err(err)) => {
            tracing::warn!(error = %err, "a local client named no actor Wharf knows");
            Actor::Local { uid }
        }
    };
    request.extensions_mut().insert(actor);
    next.run(request).await
}

/// What each route that changes something is called in the log. A write route missing here
/// is a test failure (`every_change_has_a_name`).
const ACTIONS: &[(Method, &str, &str)] = &[
    (Method::DELETE, paths::APP, "destroy"),
    (Method::POST, paths::CONFIG, "config"),
    (Method::GET, paths::CONFIG, "config reveal"),
    (Method::POST, paths::ROLLBACK, "rollback"),
    (Method::POST, paths::REDEPLOY, "redeploy"),
    (Method::POST, paths::SCALE, "scale"),
    (Method::POST, paths::LIMITS, "limits"),
    (Method::POST, paths::STOP, "stop"),
    (Method::POST, paths::START, "start"),
    (Method::POST, paths::RESTART, "restart"),
    (Method::POST, paths::RUN, "run"),
    (Method::POST, paths::DOMAINS, "domains add"),
    (Method::DELETE, paths::DOMAIN, "domains remove"),
    (Method::POST, paths::STORAGE_MOUNT, "storage mount"),
    (Method::POST, paths::STORAGE_UNMOUNT, "storage unmount"),
    (Method::POST, paths::SERVICES, "services create"),
    (Method::GET, paths::SERVICE, "services reveal"),
    (Method::DELETE, paths::SERVICE, "services destroy"),
    (Method::POST, paths::SERVICE_LINK, "services link"),
    (Method::DELETE, paths::SERVICE_LINK, "services unlink"),
    (Method::POST, paths::SERVICE_EXPOSE, "services expose"),
    (Method::POST, paths::SERVICE_BACKUPS, "services backup"),
    (Method::POST, paths::SERVICE_VERIFY, "services verify"),
    (
        Method::POST,
        paths::SERVICE_BACKUP_SCHEDULE,
        "services schedule",
    ),
    (Method::POST, paths::SERVICE_RESTORE, "services restore"),
    (Method::POST, paths::SERVICE_CONNECT, "services connect"),
    (Method::POST, paths::CERTS, "certs add"),
    (Method::DELETE, paths::CERT, "certs remove"),
    (Method::POST, paths::DEPLOY, "deploy"),
    (Method::POST, paths::IMAGE, "deploy image"),
    (Method::POST, paths::NOTIFY_WEBHOOKS, "notify add"),
    (Method::POST, paths::NOTIFY_EMAILS, "notify add"),
    (Method::DELETE, paths::NOTIFY_CHANNEL, "notify remove"),
    (Method::POST, paths::NOTIFY_TEST, "notify test"),
    (Method::POST, paths::CLUSTER_INIT, "cluster init"),
    (Method::POST, paths::CLUSTER_LEAVE, "cluster leave"),
    (Method::POST, paths::NODES, "nodes add"),
    (Method::DELETE, paths::NODE, "nodes remove"),
    (Method::POST, paths::NODE_AVAILABILITY, "nodes availability"),
    (Method::POST, paths::NODE_LABELS, "nodes label"),
    (Method::POST, paths::NODE_NAME, "nodes rename"),
];

/// Changes whose outcome is notified (to every channel) as well as recorded: the ones that put
/// a release in service.
const NOTIFIED: &[&str] = &["deploy", "deploy image", "rollback", "redeploy"];

/// Changes whose subject is named in their JSON body rather than their path: the field that
/// names it (a service created, a domain added).
const SUBJECT_IN_BODY: &[(Method, &str, &str)] = &[
    (Method::POST, paths::SERVICES, "name"),
    (Method::POST, paths::DOMAINS, "domain"),
    (Method::POST, paths::IMAGE, "image"),
    (Method::POST, paths::NOTIFY_EMAILS, "to"),
    (Method::POST, paths::NODES, "name"),
];

/// Largest body read for its subject: a name and a few settings.
const MAX_SUBJECT_BODY: usize = 64 * 1024;

/// The name in the log of `method` on the route `path`, if it is a change.
fn action(method: &Method, path: &str) -> Option<&'static str> {
    ACTIONS
        .iter()
        .find(|(m, p, _)| m == method && *p == path)
        .map(|(_, _, name)| *name)
}

/// The layer on the API's routes: record a change, run it, record how it ended.
pub async fn record(State(store): State<Arc<Store>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let change = change_of(&mut parts).await;
    let Some(mut change) = change else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let body = match subject_field(&parts) {
        None => body,
        Some(field) => {
            let Ok(bytes) = axum::body::to_bytes(body, MAX_SUBJECT_BODY).await else {
                return ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("this request's body is at most {MAX_SUBJECT_BODY} bytes of JSON"),
                )
                .into_response();
            };
            change.subject = subject_in(&bytes, field);
            Body::from(bytes)
        }
    };
    let request = Request::from_parts(parts, body);
    let Some(end) = End::start(&store, &change) else {
        return next.run(request).await;
    };
    let response = next.run(request).await;
    if !response.status().is_success() && response.status() != StatusCode::SWITCHING_PROTOCOLS {
        return end.with_error(response).await;
    }
    let streamed = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/x-ndjson"));
    if !streamed {
        end.finish(EventResult::Ok, String::new(), None);
        return response;
    }
    let (parts, body) = response.into_parts();
    let watched = Watched {
        inner: Some(body.into_data_stream()),
        last: LastLine::default(),
        end: Some(end),
    };
    Response::from_parts(parts, Body::from_stream(watched))
}

/// The body field that names the subject of the request's change, for routes that name it
/// there.
fn subject_field(parts: &axum::http::request::Parts) -> Option<&'static str> {
    let route = parts.extensions.get::<MatchedPath>()?.as_str();
    SUBJECT_IN_BODY
        .iter()
        .find(|(method, path, _)| *method == parts.method && *path == route)
        .map(|(_, _, field)| *field)
}

/// The text of `field` in a JSON body; `None` if the body is not such JSON (the handler then
/// refuses it, and the log says why).
fn subject_in(body: &[u8], field: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(str::to_string)
}

/// The change a request makes, or `None` when it only reads.
async fn change_of(parts: &mut axum::http::request::Parts) -> Option<NewEvent> {
    let route = parts.extensions.get::<MatchedPath>()?.as_str().to_string();
    let (resource, operation) = reach(&parts.method, parts.uri.path(), parts.uri.query()).ok()?;
    if operation == Operation::Read {
        return None;
    }
    let action = action(&parts.method, &route)?;
    let app = match resource {
        Resource::App(app) => Some(app),
        _ => None,
    };
    let subject = match RawPathParams::from_request_parts(parts, &()).await {
        Ok(params) => {
            let others: Vec<&str> = params
                .iter()
                .filter(|(key, _)| *key != "app")
                .map(|(_, value)| value)
                .collect();
            (!others.is_empty()).then(|| others.join(" "))
        }
        Err(_) => None,
    };
    let actor = parts
        .extensions
        .get::<Actor>()
        .cloned()
        .unwrap_or(Actor::Local { uid: None });
    Some(NewEvent {
        actor,
        app,
        action: action.to_string(),
        subject,
    })
}

/// Record a change that enters by another way than the API's routes but is the change the route
/// `method route` makes (the dashboard's console is a `wharf run`): the same action name and
/// log. `None` if it cannot be recorded (which is said, and must not stop the change).
pub(crate) fn record_as_route(
    store: &Arc<Store>,
    method: &Method,
    route: &str,
    actor: Actor,
    app: AppName,
) -> Option<End> {
    let Some(action) = action(method, route) else {
        tracing::warn!(%method, route, "no action name for this route in the activity log");
        return None;
    };
    let change = NewEvent {
        actor,
        app: Some(app),
        action: action.to_string(),
        subject: None,
    };
    End::start(store, &change)
}

/// The record of a change that has started, to be finished once.
pub(crate) struct End {
    store: Arc<Store>,
    id: i64,
    /// For a change whose outcome is notified: what it was, to which app, by whom.
    notified: Option<NewEvent>,
}

impl End {
    /// Record `change` as started. `None` if the log cannot be written: that is said, and must
    /// not stop the change it would record.
    fn start(store: &Arc<Store>, change: &NewEvent) -> Option<End> {
        match store.start_event(change) {
            Ok(id) => Some(End {
                store: store.clone(),
                id,
                notified: NOTIFIED
                    .contains(&change.action.as_str())
                    .then(|| change.clone()),
            }),
            Err(err) => {
                tracing::warn!(error = %err, action = change.action, "cannot record a change in the activity log");
                None
            }
        }
    }

    /// The change went through.
    pub(crate) fn ok(self) {
        self.finish(EventResult::Ok, String::new(), None)
    }

    /// The change failed, for `why`.
    pub(crate) fn failed(self, why: String) {
        self.finish(EventResult::Failed, why, None)
    }

    fn finish(self, result: EventResult, message: String, app: Option<AppName>) {
        if let Err(err) = self
            .store
            .finish_event(self.id, result, &message, app.as_ref())
        {
            tracing::warn!(error = %err, id = self.id, "cannot finish a change in the activity log");
        }
        if let Some(change) = &self.notified
            && let Some(alert) = outcome_alert(change, result, &message, app)
            && let Err(err) = self.store.notify(&alert)
        {
            tracing::warn!(error = %err, id = self.id, "cannot queue the notification of a deploy");
        }
    }

    /// A refused or failed change: its error's message, and the answer as it was.
    async fn with_error(self, response: Response) -> Response {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_ERROR_BYTES)
            .await
            .unwrap_or_default();
        let message = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|body| body.error)
            .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).trim().to_string());
        let message = if message.is_empty() {
            parts.status.to_string()
        } else {
            message
        };
        self.finish(EventResult::Failed, message, None);
        Response::from_parts(parts, Body::from(bytes))
    }

    /// A streamed change, by its last event.
    fn by_last_event(self, last: Option<Bytes>) {
        let event = last.and_then(|line| serde_json::from_slice::<ProgressEvent>(&line).ok());
        match event {
            Some(ProgressEvent::Done(Outcome::Deployed(deployed))) => {
                let app = Some(deployed.app);
                let message = format!("release v{} serves", deployed.version);
                self.finish(EventResult::Ok, message, app);
            }
            Some(ProgressEvent::Done(Outcome::Message(said))) => {
                self.finish(EventResult::Ok, said.message, None)
            }
            Some(ProgressEvent::Error(why)) => self.finish(EventResult::Failed, why, None),
            _ => self.finish(
                EventResult::Failed,
                "it ended without saying how".to_string(),
                None,
            ),
        }
    }
}

/// What a deploy's channels are told of how it ended (`app`: the app it turned out to be, for a
/// deploy whose Dockerfile named it); nothing for one cut off by a stop.
fn outcome_alert(
    change: &NewEvent,
    result: EventResult,
    message: &str,
    app: Option<AppName>,
) -> Option<wharf_domain::Alert> {
    use wharf_domain::{Alert, AlertKind};
    let (kind, said) = match result {
        EventResult::Ok => (
            AlertKind::DeploySucceeded,
            format!("{} by {}: {message}", change.action, change.actor),
        ),
        EventResult::Failed => (
            AlertKind::DeployFailed,
            format!("{} by {} failed: {message}", change.action, change.actor),
        ),
        EventResult::Running | EventResult::Interrupted => return None,
    };
    let alert = Alert::new(kind, said);
    Some(match app.or_else(|| change.app.clone()) {
        Some(app) => alert.of_app(app),
        None => alert,
    })
}

/// An error answer is one short JSON object; more than this is cut.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The last complete line of a stream, and the one being read.
#[derive(Default)]
struct LastLine {
    last: Option<Bytes>,
    partial: Vec<u8>,
}

/// The longest line kept: an outcome is short, a build's output line may not be.
const MAX_LINE_BYTES: usize = 64 * 1024;

impl LastLine {
    fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&rest[..at]);
            let line = std::mem::take(&mut self.partial);
            if !line.iter().all(u8::is_ascii_whitespace) {
                self.last = Some(Bytes::from(line));
            }
            rest = &rest[at + 1..];
        }
        if self.partial.len() + rest.len() <= MAX_LINE_BYTES {
            self.partial.extend_from_slice(rest);
        }
    }

    fn into_last(mut self) -> Option<Bytes> {
        if !self.partial.iter().all(u8::is_ascii_whitespace) {
            self.last = Some(Bytes::from(std::mem::take(&mut self.partial)));
        }
        self.last
    }
}

/// A streamed answer on its way to the client, watched for its last event.
struct Watched {
    inner: Option<axum::body::BodyDataStream>,
    last: LastLine,
    end: Option<End>,
}

impl Stream for Watched {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let next = std::task::ready!(inner.poll_next_unpin(cx));
        match &next {
            Some(Ok(chunk)) => this.last.push(chunk),
            Some(Err(_)) | None => {
                this.inner = None;
                if let Some(end) = this.end.take() {
                    end.by_last_event(std::mem::take(&mut this.last).into_last());
                }
            }
        }
        Poll::Ready(next)
    }
}

impl Drop for Watched {
    /// The client went before the end: the change goes on, so read the rest to record how
    /// it ends.
    fn drop(&mut self) {
        let (Some(mut inner), Some(end)) = (self.inner.take(), self.end.take()) else {
            return;
        };
        let mut last = std::mem::take(&mut self.last);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            end.finish(
                EventResult::Interrupted,
                "the daemon stopped before this ended".to_string(),
                None,
            );
            return;
        };
        runtime.spawn(async move {
            while let Some(Ok(chunk)) = inner.next().await {
                last.push(&chunk);
            }
            end.by_last_event(last.into_last());
        });
    }
}

/// `GET /v1/events`: the newest changes of the whole server.
pub async fn list(
    State(state): State<ApiState>,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Events>, ApiError> {
    let records = state.deployer.store().events(None, query.count())?;
    Ok(Json(events(records)))
}

/// `GET /v1/apps/{app}/events`: the newest changes of one app.
pub async fn of_app(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Events>, ApiError> {
    let records = state.deployer.store().events(Some(&app), query.count())?;
    Ok(Json(events(records)))
}

fn events(records: Vec<EventRecord>) -> Events {
    Events {
        events: records
            .into_iter()
            .map(|record| Event {
                id: record.id,
                at: record.at,
                actor: record.actor.to_string(),
                app: record.app,
                action: record.action,
                subject: record.subject,
                result: record.result,
                message: record.message,
                finished_at: record.finished_at,
                kind: record.kind,
                severity: record.severity,
                repeats: record.repeats,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_has_a_name() {
        for (method, path) in super::super::api_routes().routes {
            if method != Method::GET {
                assert!(
                    action(&method, path).is_some(),
                    "{method} {path} has no name in the log"
                );
            }
        }
    }

    #[test]
    fn a_subject_named_in_the_body_is_read_from_it() {
        assert_eq!(
            subject_in(br#"{"kind":"redis","name":"cache"}"#, "name").as_deref(),
            Some("cache")
        );
        assert_eq!(
            subject_in(br#"{"domain":"a.test"}"#, "domain").as_deref(),
            Some("a.test")
        );
        assert_eq!(subject_in(b"not json", "name"), None);
        assert_eq!(subject_in(br#"{"name":3}"#, "name"), None);
        for (method, path, _) in SUBJECT_IN_BODY {
            assert!(
                action(method, path).is_some(),
                "{method} {path} is a change"
            );
        }
    }

    #[test]
    fn the_last_line_is_found_across_chunks() {
        let mut last = LastLine::default();
        last.push(b"{\"line\":\"a\"}\n{\"do");
        last.push(b"ne\":{\"message\":\"ok\"}}\n\n");
        assert_eq!(
            last.into_last().as_deref(),
            Some(&b"{\"done\":{\"message\":\"ok\"}}"[..])
        );
        let mut unterminated = LastLine::default();
        unterminated.push(b"{\"line\":\"a\"}\n{\"error\":\"no\"}");
        assert_eq!(
            unterminated.into_last().as_deref(),
            Some(&b"{\"error\":\"no\"}"[..])
        );
    }
}
