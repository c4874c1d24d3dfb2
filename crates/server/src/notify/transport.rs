//! Sending one notification: an HTTP POST to a webhook (hyper, with rustls and the system's
//! root certificates for https), or an email through an SMTP server (lettre, STARTTLS when
//! asked, the server's certificate checked against the system's roots and any `--smtp-ca-file`
//! adds: `SmtpRoots`). Errors are said without the webhook's path or the SMTP password.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
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
        // Some errors (lettre's) already say their cause: said once.
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
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

/// Root certificates trusted for SMTP's STARTTLS besides the system's (`--smtp-ca-file`): a
/// private CA that issued the mail server's certificate.
#[derive(Debug, Clone, Default)]
pub struct SmtpRoots {
    roots: Vec<CertificateDer<'static>>,
}

/// Why the file of `--smtp-ca-file` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SmtpRootsError {
    #[error("--smtp-ca-file {path}: cannot read it: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "--smtp-ca-file {path}: not PEM certificates ({reason}); give the CA's certificate as PEM, `-----BEGIN CERTIFICATE-----` blocks"
    )]
    Pem { path: PathBuf, reason: String },
    #[error(
        "--smtp-ca-file {path}: no certificate in it; give the CA's certificate as PEM, `-----BEGIN CERTIFICATE-----` blocks"
    )]
    Empty { path: PathBuf },
    #[error("--smtp-ca-file {path}: certificate {index} cannot be a root certificate: {reason}")]
    NotRoot {
        path: PathBuf,
        index: usize,
        reason: String,
    },
}

impl SmtpRoots {
    /// Read and check the PEM certificates of `path`, each usable as a root.
    pub fn load(path: &Path) -> Result<SmtpRoots, SmtpRootsError> {
        let text = std::fs::read(path).map_err(|source| SmtpRootsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let roots = CertificateDer::pem_slice_iter(&text)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| SmtpRootsError::Pem {
                path: path.to_path_buf(),
                reason: err.to_string(),
            })?;
        if roots.is_empty() {
            return Err(SmtpRootsError::Empty {
                path: path.to_path_buf(),
            });
        }
        // Parsed as rustls will when it connects, so a bad one is said at start.
        let mut store = rustls::RootCertStore::empty();
        for (index, root) in roots.iter().enumerate() {
            store
                .add(root.clone())
                .map_err(|err| SmtpRootsError::NotRoot {
                    path: path.to_path_buf(),
                    index: index + 1,
                    reason: err.to_string(),
                })?;
        }
        Ok(SmtpRoots { roots })
    }

    /// STARTTLS to `host`, required, trusting the system's roots and these.
    fn tls(&self, host: &str) -> Result<Tls, SendError> {
        let smtp_error = |err: lettre::transport::smtp::Error| SendError::Smtp(describe(&err));
        let mut builder = TlsParameters::builder(host.to_string());
        for root in &self.roots {
            builder = builder
                .add_root_certificate(Certificate::from_der(root.to_vec()).map_err(smtp_error)?);
        }
        Ok(Tls::Required(builder.build().map_err(smtp_error)?))
    }
}

/// How to reach an SMTP server.
pub struct Smtp<'a> {
    pub server: &'a SmtpServer,
    pub login: Option<&'a SmtpLogin>,
    pub starttls: bool,
    /// Roots trusted for STARTTLS besides the system's.
    pub roots: &'a SmtpRoots,
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
    // Without STARTTLS the connection is plain (a relay on the same machine or network).
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host);
    if smtp.starttls {
        install_crypto_provider();
        builder = builder.tls(smtp.roots.tls(host)?);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn an_smtp_ca_file_that_is_not_pem_certificates_is_refused_naming_it() {
        let missing = SmtpRoots::load(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("--smtp-ca-file /nonexistent/ca.pem: cannot read it"),
            "{missing}"
        );

        let key_only = file("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        let err = SmtpRoots::load(key_only.path()).unwrap_err().to_string();
        assert!(err.contains("no certificate in it"), "{err}");
        assert!(
            err.contains(&key_only.path().display().to_string()),
            "{err}"
        );

        let cut = file("-----BEGIN CERTIFICATE-----\nMIIB\n");
        let err = SmtpRoots::load(cut.path()).unwrap_err().to_string();
        assert!(err.contains("not PEM certificates"), "{err}");

        // Base64 that decodes, but to no certificate.
        let junk =
            file("-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n");
        let err = SmtpRoots::load(junk.path()).unwrap_err().to_string();
        assert!(
            err.contains("certificate 1 cannot be a root certificate"),
            "{err}"
        );
    }
}
