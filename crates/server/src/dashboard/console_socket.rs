//! The console's websocket (`GET /apps/{app}/console/socket`, admins only): a `wharf run` whose
//! client is the browser. The command is the API's own one-off run (`api::run::AttachedRun`:
//! the same container, attach, relay and removal as an attached `wharf run`), relayed over one
//! end of an in-memory pipe that speaks `run_protocol`; this module only translates between
//! that protocol and websocket messages, and records the run in the activity log as the API's
//! route would (action `run`, the user as actor).
//!
//! Browser to server: first a text message `{"command": "...", "rows": R, "cols": C}`; then
//! binary messages are stdin, text `{"resize": [rows, cols]}` a new terminal size. Server to
//! browser: binary messages are the command's output, and a last text `{"exit": CODE}` or
//! `{"error": "..."}`. A socket that closes ends the command and removes its container.
//!
//! The command line is sent in a message rather than the URL, which logs and histories keep.
//! The socket is opened only from the dashboard's own pages: its `Origin` must be the
//! dashboard's (cross-site websocket hijacking; the cookie's `SameSite=Strict` is the other lock).

use super::error::PageError;
use super::session::{Signed, Transport};
use super::{State, app_page::known_name};
use crate::api::events::record_as_route;
use crate::api::{ApiError, run::AttachedRun};
use crate::run_protocol::{Frame, read_frame, write_frame};
use axum::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State as Reach};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::DuplexStream;
use wharf_api::paths;
use wharf_deploy::{Deployer, RunOptions};
use wharf_domain::{Actor, AppName};

/// How long the browser has to send the command once the socket is open.
const START_WITHIN: Duration = Duration::from_secs(30);

/// What the pipe between the websocket and the relay holds before either waits.
const PIPE_BYTES: usize = 64 * 1024;

/// The browser's first message.
#[derive(Debug, Deserialize)]
struct Start {
    command: String,
    rows: Option<u16>,
    cols: Option<u16>,
}

/// A text message after the first: the terminal's new size.
#[derive(Debug, Deserialize)]
struct Resize {
    resize: (u16, u16),
}

/// The server's last message.
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
enum Ended {
    Exit(i32),
    Error(String),
}

/// `GET /apps/{app}/console/socket`.
pub(super) async fn socket(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, PageError> {
    let name = known_name(&app)?;
    if !same_origin(&headers, state.auth.transport) {
        tracing::info!(user = %signed.user.name, %app, origin = ?headers.get(header::ORIGIN), "refused: a console socket opened from another origin");
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "The console opens only from the dashboard's own page.",
        ));
    }
    let deployer = state.api.deployer.clone();
    let actor = signed.actor();
    Ok(upgrade.on_upgrade(move |socket| console(socket, deployer, name.0, actor)))
}

/// Whether the request's `Origin` is this dashboard: its scheme and the `Host` asked for.
fn same_origin(headers: &HeaderMap, transport: Transport) -> bool {
    let scheme = match transport {
        Transport::Http => "http",
        Transport::Https => "https",
    };
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin.eq_ignore_ascii_case(&format!("{scheme}://{host}")),
        _ => false,
    }
}

/// One console session: read the command, start it as `wharf run` does, and relay it.
async fn console(socket: WebSocket, deployer: Arc<Deployer>, app: AppName, actor: Actor) {
    let (mut sink, mut stream) = socket.split();
    let Some(start) = first_message(&mut stream).await else {
        return;
    };
    let record = record_as_route(
        deployer.store(),
        &Method::POST,
        paths::RUN,
        actor,
        app.clone(),
    );
    let started = match shlex::split(&start.command) {
        Some(cmd) => {
            let options = RunOptions {
                cmd,
                tty: true,
                detach: false,
                stdin: true,
            };
            let size = start.rows.zip(start.cols);
            AttachedRun::start(&deployer, &app, &options, size)
                .await
                .map_err(|err| ApiError::from(err).message)
        }
        None => Err("the command line has a quote that is not closed".to_string()),
    };
    let run = match started {
        Ok(run) => {
            if let Some(record) = record {
                record.ok();
            }
            run
        }
        Err(why) => {
            if let Some(record) = record {
                record.failed(why.clone());
            }
            let _ = sink.send(ended(Ended::Error(why))).await;
            let _ = sink.close().await;
            return;
        }
    };
    let (ours, theirs) = tokio::io::duplex(PIPE_BYTES);
    tokio::join!(run.relay(theirs), bridge(sink, stream, ours));
}

/// The browser's first message, the command; `None` if it does not come in time or is not one.
async fn first_message(stream: &mut SplitStream<WebSocket>) -> Option<Start> {
    let first = tokio::time::timeout(START_WITHIN, async {
        loop {
            match stream.next().await? {
                Ok(Message::Text(text)) => return Some(text),
                Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                Ok(_) | Err(_) => return None,
            }
        }
    })
    .await
    .ok()??;
    match serde_json::from_str(first.as_str()) {
        Ok(start) => Some(start),
        Err(err) => {
            tracing::debug!(error = %err, "a console's first message is not its command");
            None
        }
    }
}

/// Translate between the websocket and the relay's end of the pipe until either ends. When the
/// browser goes, the pipe closes, and the relay ends the command as for a `wharf run` client
/// that went away.
async fn bridge(
    mut sink: SplitSink<WebSocket, Message>,
    mut stream: SplitStream<WebSocket>,
    pipe: DuplexStream,
) {
    let (mut from_run, mut to_run) = tokio::io::split(pipe);
    let inbound = async {
        while let Some(Ok(message)) = stream.next().await {
            let frame = match message {
                Message::Binary(data) => Frame::Stdin(data),
                Message::Text(text) => match serde_json::from_str::<Resize>(text.as_str()) {
                    Ok(Resize {
                        resize: (rows, cols),
                    }) => Frame::Resize { rows, cols },
                    Err(err) => {
                        tracing::debug!(error = %err, "a console message that is no resize");
                        continue;
                    }
                },
                Message::Close(_) => return,
                Message::Ping(_) | Message::Pong(_) => continue,
            };
            if write_frame(&mut to_run, &frame).await.is_err() {
                return;
            }
        }
    };
    let outbound = async {
        loop {
            let (message, last) = match read_frame(&mut from_run).await {
                Ok(Some(Frame::Stdout(data) | Frame::Stderr(data))) => {
                    (Message::Binary(data), false)
                }
                Ok(Some(Frame::Exit(code))) => (ended(Ended::Exit(code)), true),
                Ok(Some(Frame::Error(why))) => (ended(Ended::Error(why)), true),
                Ok(Some(other)) => {
                    tracing::debug!(frame = ?other, "unexpected frame from the relay");
                    continue;
                }
                Ok(None) | Err(_) => break,
            };
            if sink.send(message).await.is_err() {
                return;
            }
            if last {
                break;
            }
        }
        let _ = sink.close().await;
    };
    tokio::select! {
        () = inbound => {}
        () = outbound => {}
    }
}

fn ended(end: Ended) -> Message {
    let text = serde_json::to_string(&end).unwrap_or_else(|_| r#"{"error":"?"}"#.to_string());
    Message::Text(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn only_the_dashboards_own_origin_opens_the_console() {
        let http = Transport::Http;
        assert!(same_origin(
            &headers(Some("http://127.0.0.1:7777"), "127.0.0.1:7777"),
            http
        ));
        assert!(same_origin(
            &headers(Some("https://wharf.example.com"), "wharf.example.com"),
            Transport::Https
        ));
        for (origin, host) in [
            (Some("http://evil.test"), "127.0.0.1:7777"),
            (Some("http://127.0.0.1:7778"), "127.0.0.1:7777"),
            (Some("https://127.0.0.1:7777"), "127.0.0.1:7777"),
            (Some("null"), "127.0.0.1:7777"),
            (None, "127.0.0.1:7777"),
        ] {
            assert!(!same_origin(&headers(origin, host), http), "{origin:?}");
        }
    }

    #[test]
    fn the_last_message_says_the_exit_code_or_the_error() {
        let text = |end| match ended(end) {
            Message::Text(text) => text.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(Ended::Exit(3)), r#"{"exit":3}"#);
        assert_eq!(text(Ended::Error("no".into())), r#"{"error":"no"}"#);
        let resize: Resize = serde_json::from_str(r#"{"resize":[24,80]}"#).unwrap();
        assert_eq!(resize.resize, (24, 80));
    }
}
