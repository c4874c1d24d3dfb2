//! The API client: HTTP/1.1 over the local unix socket, or to a remote server with a bearer
//! token, over TCP (the API listener) or HTTPS (the server's `--api-domain` on its HTTPS
//! listener, trusting the system's roots and optionally one more CA). Errors from the server
//! arrive as `{"error": "..."}` and become the message.

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{Method, Request, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wharf_api::ACTOR_HEADER;
use wharf_domain::Actor;

/// Where the server is.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// The local daemon's socket.
    Unix(PathBuf),
    /// A remote daemon's API listener: `host:port` and the token to present.
    Tcp {
        authority: String,
        token: Option<String>,
    },
    /// A remote daemon's API over HTTPS: its name (sent as SNI, and what its certificate must
    /// name), `host:port`, the token, and a CA to trust besides the system's roots.
    Https {
        host: String,
        authority: String,
        token: Option<String>,
        extra_ca: Option<PathBuf>,
    },
}

/// Default port of the remote API.
const DEFAULT_API_PORT: u16 = wharf_server::DEFAULT_API_PORT;
/// Default port of the API over HTTPS.
const DEFAULT_HTTPS_PORT: u16 = 443;

const SERVER_FORMS: &str = "give https://NAME[:PORT], http://HOST:PORT, HOST:PORT or HOST";

impl Endpoint {
    /// Parse SERVER as the user gives it: https://NAME[:PORT] (port 443), http://HOST:PORT,
    /// HOST:PORT or HOST (port 7070). `extra_ca` is trusted for HTTPS only. Plain HTTP to a
    /// host that is not a loopback address is refused unless `insecure`: the token and the
    /// app's source would cross the network in clear. Nothing is sent before this check.
    pub fn remote(
        server: &str,
        token: Option<String>,
        extra_ca: Option<PathBuf>,
        insecure: bool,
    ) -> anyhow::Result<Endpoint> {
        let (rest, https) = if let Some(rest) = server.strip_prefix("https://") {
            (rest, true)
        } else if let Some(rest) = server.strip_prefix("http://") {
            (rest, false)
        } else if server.contains("://") {
            bail!("`{server}` is not a server address; {SERVER_FORMS}");
        } else {
            (server, false)
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty()
            || rest.contains('/')
            || rest.contains('@')
            || rest.contains(char::is_whitespace)
        {
            bail!("`{server}` is not a server address; {SERVER_FORMS}");
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                (host, Some(port))
            }
            _ => (rest, None),
        };
        if !https {
            let port = port.map_or(DEFAULT_API_PORT.to_string(), str::to_string);
            if !insecure && !is_loopback(host) {
                bail!(
                    "refusing to talk to {host}:{port} over plain http: the API token and the app's source would cross the network unencrypted. \
                     Use the server's HTTPS name instead (https://NAME, served by `wharf server --api-domain NAME`), \
                     or an SSH tunnel (ssh -N -L 7070:127.0.0.1:7070 root@{host}, then http://127.0.0.1:7070), \
                     or git push over SSH (wharf@{host}:APP); \
                     pass --insecure (or WHARF_INSECURE=1) to send it in clear anyway"
                );
            }
            return Ok(Endpoint::Tcp {
                authority: format!("{host}:{port}"),
                token,
            });
        }
        let port = port.map_or(DEFAULT_HTTPS_PORT.to_string(), str::to_string);
        Ok(Endpoint::Https {
            host: host.to_string(),
            authority: format!("{host}:{port}"),
            token,
            extra_ca,
        })
    }
}

/// Whether `host` (a name, an IPv4 address or a bracketed IPv6 address) is this machine's
/// loopback: `localhost`, 127.0.0.0/8 or ::1. Other names are not resolved: a name that
/// happens to point at loopback still needs https or --insecure.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// The TLS client for the API over HTTPS: the system's roots plus `extra_ca` (PEM, one or
/// more certificates), HTTP/1.1 (the run protocol upgrades the connection).
fn tls_connector(extra_ca: Option<&Path>) -> anyhow::Result<tokio_rustls::TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = extra_ca {
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path)
            .with_context(|| format!("reading the CA file {}", path.display()))?
        {
            let cert = cert.with_context(|| format!("reading the CA file {}", path.display()))?;
            roots
                .add(cert)
                .with_context(|| format!("trusting the CA in {}", path.display()))?;
            added += 1;
        }
        if added == 0 {
            bail!("the CA file {} holds no PEM certificate", path.display());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

pub type Body = BoxBody<Bytes, std::io::Error>;

pub fn empty() -> Body {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed()
}

/// A request body streamed from a file.
pub fn file_body(file: tokio::fs::File) -> Body {
    let frames = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024)
        .map(|chunk| chunk.map(hyper::body::Frame::data));
    BodyExt::boxed(http_body_util::StreamBody::new(frames))
}

/// A JSON request body: one of the API's request types.
pub fn json_body(value: &impl Serialize) -> anyhow::Result<Body> {
    let bytes = serde_json::to_vec(value).context("encoding the request")?;
    Ok(Full::new(Bytes::from(bytes))
        .map_err(|never| match never {})
        .boxed())
}

/// `path` with `query` (one of the API's query types) as its query string, if it has any field
/// to send.
pub fn with_query(path: &str, query: &impl Serialize) -> anyhow::Result<String> {
    let query = serde_urlencoded::to_string(query).context("encoding the query")?;
    Ok(if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    })
}

pub struct Client {
    endpoint: Endpoint,
    /// Whom the calls are made for, when not the local user (an SSH key's command): the
    /// daemon's activity log names them. Sent on the unix socket only, which trusts it.
    actor: Option<Actor>,
}

impl Client {
    pub fn new(endpoint: Endpoint) -> Client {
        Client {
            endpoint,
            actor: None,
        }
    }

    /// A client whose changes are made for `actor` (on the unix socket).
    pub fn acting_for(mut self, actor: Actor) -> Client {
        self.actor = Some(actor);
        self
    }

    /// Send one request on a fresh connection and return the response, whatever its status.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Body,
    ) -> anyhow::Result<http::Response<Incoming>> {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        self.exchange_on_new_connection(request, body, false).await
    }

    /// POST a JSON `body` asking to switch the connection to `protocol`. Returns the upgraded
    /// connection, or the server's answer if it did not switch (an error, usually).
    pub async fn upgrade(
        &self,
        path: &str,
        protocol: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<Result<hyper::upgrade::Upgraded, http::Response<Incoming>>> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONNECTION, "Upgrade")
            .header(header::UPGRADE, protocol);
        let response = self
            .exchange_on_new_connection(request, json_body(body)?, true)
            .await?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Ok(Err(response));
        }
        let upgraded = hyper::upgrade::on(response)
            .await
            .context("switching the connection to the wharf server's run protocol")?;
        Ok(Ok(upgraded))
    }

    async fn exchange_on_new_connection(
        &self,
        mut request: http::request::Builder,
        body: Body,
        upgrades: bool,
    ) -> anyhow::Result<http::Response<Incoming>> {
        let response = match &self.endpoint {
            Endpoint::Unix(socket) => {
                let stream = tokio::net::UnixStream::connect(socket).await.map_err(|err| {
                    let hint = match err.kind() {
                        std::io::ErrorKind::PermissionDenied => {
                            "run as root or as a member of the `wharf` group"
                        }
                        _ => "is `wharf server` running? (pass --data-dir if it uses another one)",
                    };
                    anyhow!("cannot reach the wharf server at {}: {err}; {hint}", socket.display())
                })?;
                request = request.header(header::HOST, "wharf");
                if let Some(actor) = &self.actor {
                    request = request.header(ACTOR_HEADER, actor.to_written());
                }
                let request = request.body(body)?;
                exchange(TokioIo::new(stream), request, upgrades).await?
            }
            Endpoint::Tcp { authority, token } => {
                let stream = tokio::net::TcpStream::connect(authority)
                    .await
                    .with_context(|| format!("cannot reach the wharf server at {authority}"))?;
                request = request.header(header::HOST, authority.as_str());
                if let Some(token) = token {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                exchange(TokioIo::new(stream), request.body(body)?, upgrades).await?
            }
            Endpoint::Https {
                host,
                authority,
                token,
                extra_ca,
            } => {
                let connector = tls_connector(extra_ca.as_deref())?;
                let name = ServerName::try_from(host.clone())
                    .map_err(|_| anyhow!("`{host}` is not a server name"))?;
                let stream = tokio::net::TcpStream::connect(authority)
                    .await
                    .with_context(|| format!("cannot reach the wharf server at {authority}"))?;
                let stream = connector.connect(name, stream).await.map_err(|err| {
                    anyhow!(
                        "TLS handshake with the wharf server at {authority} failed: {err}; if its certificate comes from a private CA, pass --ca-cert FILE (or WHARF_CA_CERT)"
                    )
                })?;
                request = request.header(header::HOST, authority.as_str());
                if let Some(token) = token {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                exchange(TokioIo::new(stream), request.body(body)?, upgrades).await?
            }
        };
        Ok(response)
    }

    /// Send a request without a body and decode the JSON answer, turning an error answer into
    /// an error.
    pub async fn json<T: DeserializeOwned>(&self, method: Method, path: &str) -> anyhow::Result<T> {
        let response = self.send(method, path, None, empty()).await?;
        decode(response, path).await
    }

    /// Send a request with a JSON `body` and decode the JSON answer, turning an error answer
    /// into an error.
    pub async fn json_with<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<T> {
        let response = self
            .send(method, path, Some("application/json"), json_body(body)?)
            .await?;
        decode(response, path).await
    }

    /// POST a JSON `body` and return the answer as it is (a progress stream, usually).
    pub async fn post_json(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> anyhow::Result<http::Response<Incoming>> {
        self.send(
            Method::POST,
            path,
            Some("application/json"),
            json_body(body)?,
        )
        .await
    }
}

/// The JSON answer to a request for `path`, or the error it carries.
pub async fn decode<T: DeserializeOwned>(
    response: http::Response<Incoming>,
    path: &str,
) -> anyhow::Result<T> {
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(server_error(status, &bytes));
    }
    serde_json::from_slice(&bytes).with_context(|| format!("decoding the answer to {path}"))
}

/// The message of an error answer: its `ErrorBody`, else the body as text (from a proxy, say).
pub fn server_error(status: StatusCode, body: &[u8]) -> anyhow::Error {
    let message = match serde_json::from_slice::<wharf_api::ErrorBody>(body) {
        Ok(answer) => answer.error,
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    anyhow!("{message} (HTTP {})", status.as_u16())
}

async fn exchange<S>(
    io: TokioIo<S>,
    request: Request<Body>,
    upgrades: bool,
) -> anyhow::Result<http::Response<Incoming>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .context("HTTP handshake with the wharf server")?;
    tokio::spawn(async move {
        let ended = if upgrades {
            connection.with_upgrades().await
        } else {
            connection.await
        };
        if let Err(err) = ended {
            tracing::debug!(error = %err, "API connection ended");
        }
    });
    sender
        .send_request(request)
        .await
        .context("sending the request to the wharf server")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(server: &str) -> String {
        match Endpoint::remote(server, None, None, true).unwrap() {
            Endpoint::Tcp { authority, .. } => authority,
            Endpoint::Https {
                host, authority, ..
            } => format!("https {host} {authority}"),
            Endpoint::Unix(_) => unreachable!(),
        }
    }

    #[test]
    fn server_addresses() {
        assert_eq!(authority("example.com"), "example.com:7070");
        assert_eq!(authority("http://example.com:8000/"), "example.com:8000");
        assert_eq!(authority("10.0.0.1:9000"), "10.0.0.1:9000");
        assert_eq!(
            authority("https://wharf.example.com"),
            "https wharf.example.com wharf.example.com:443"
        );
        assert_eq!(
            authority("https://wharf.example.com:8443/"),
            "https wharf.example.com wharf.example.com:8443"
        );
        assert!(Endpoint::remote("ftp://x", None, None, true).is_err());
        assert!(Endpoint::remote("http://x/path", None, None, true).is_err());
        assert!(Endpoint::remote("https://user@x", None, None, true).is_err());
        assert!(Endpoint::remote("", None, None, true).is_err());
    }

    #[test]
    fn plain_http_is_refused_beyond_loopback_unless_insecure() {
        let token = Some("wharf_secret".to_string());
        for server in [
            "http://example.com:7070",
            "example.com",
            "10.0.0.1:9000",
            "http://172.17.0.1:7070",
            "[2001:db8::1]:7070",
            "localhost.example.com",
        ] {
            let err = Endpoint::remote(server, token.clone(), None, false)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("over plain http")
                    && err.contains("https://NAME")
                    && err.contains("ssh -N -L")
                    && err.contains("--insecure"),
                "{server}: {err}"
            );
            assert!(!err.contains("wharf_secret"), "{err}");
            assert!(Endpoint::remote(server, token.clone(), None, true).is_ok());
        }
        for server in [
            "http://127.0.0.1:7070",
            "127.0.0.2:7070",
            "localhost",
            "http://LocalHost:8000",
            "[::1]:7070",
            "https://wharf.example.com",
        ] {
            assert!(
                Endpoint::remote(server, token.clone(), None, false).is_ok(),
                "{server}"
            );
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "not a certificate\n").unwrap();
        let err = tls_connector(Some(file.path())).err().unwrap();
        assert!(
            err.to_string().contains("holds no PEM certificate"),
            "{err}"
        );
        assert!(tls_connector(Some(Path::new("/nonexistent/ca.pem"))).is_err());
        assert!(tls_connector(None).is_ok());
    }
}
