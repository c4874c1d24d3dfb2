//! Sending one notification: an HTTP POST to a webhook (hyper, with rustls and the system's
//! root certificates for https), or an email through an SMTP server (lettre, STARTTLS when
//! asked). Errors are said without the webhook's path or the SMTP password.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use wharf_domain::{EmailAddress, SmtpServer, WebhookUrl};
use wharf_store::SmtpLogin;

/// Why a notification was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot reach the webhook: {0}")]
    Connect(String),
    #[error("the webhook answered {0}")]
    Status(hyper::StatusCode),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the SMTP server: {0}")]
    Smtp(String),
    #[error("the email cannot be written: {0}")]
    Email(String),
}

/// The HTTP client webhooks are posted with (one for the daemon: it keeps connections).
#[derive(Clone)]
pub struct Webhooks {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Webhooks {
    pub fn new() -> Result<Webhooks, std::io::Error> {
        install_crypto_provider();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Webhooks {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// POST `body` (JSON) to `url`; a 2xx answer is a delivery.
    pub async fn post(&self, url: &WebhookUrl, body: String) -> Result<(), SendError> {
        let request = hyper::Request::post(url.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("wharf/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|err| SendError::Connect(err.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|err| SendError::Connect(describe(&err)))?;
        let status = response.status();
        // Read the answer to its end, so the connection can be kept.
        let _ = response.into_body().collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(SendError::Status(status))
        }
    }
}

/// Make ring the process's TLS provider, as SMTP's STARTTLS (lettre) takes the process's
/// own: two providers are compiled in (other dependencies bring aws-lc-rs), so rustls cannot
/// pick one itself. One already installed is kept.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client error and its causes, as one line (hyper's own says little: "client error").
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An email to send.
pub struct Email<'a> {
    pub from: &'a str,
    pub to: &'a EmailAddress,
    pub subject: String,
    pub body: String,
}

/// How to reach an SMTP server.
pub struct Smtp<'a> {
    pub server: &'a SmtpServer,
    pub login: Option<&'a SmtpLogin>,
    pub starttls: bool,
    pub timeout: Duration,
}

/// Send `email` through `smtp`.
pub async fn send_email(smtp: &Smtp<'_>, email: Email<'_>) -> Result<(), SendError> {
    let mailbox = |text: &str| {
        text.parse::<Mailbox>()
            .map_err(|err| SendError::Email(format!("`{text}`: {err}")))
    };
    let message = Message::builder()
        .from(mailbox(email.from)?)
        .to(mailbox(email.to.as_str())?)
        .subject(email.subject)
        .body(email.body)
        .map_err(|err| SendError::Email(err.to_string()))?;
    let host = smtp.server.host();
    let mut builder = if smtp.starttls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|err| SendError::Smtp(err.to_string()))?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
    };
    builder = builder.port(smtp.server.port()).timeout(Some(smtp.timeout));
    if let Some(login) = smtp.login {
        builder = builder.credentials(Credentials::new(
            login.user.clone(),
            login.password.expose().to_string(),
        ));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|err| SendError::Smtp(describe(&err)))
}
