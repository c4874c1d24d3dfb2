//! The API over HTTPS (`wharf server --api-domain NAME`): with a certificate from ACME
//! (Pebble) the API answers on the HTTPS listener with tokens, plain HTTP to NAME redirects, and
//! the real `git` pushes over https and deploys; with an uploaded certificate the CLI pushes,
//! lists and runs over https://NAME trusting an extra CA, and refuses an untrusted server.

use super::acme::{Validation, acme_daemon, chain_path, wait_for};
use super::harness::*;
use super::sshd::{Repo, all_output};
use super::tls::Ca;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// GET `path` over HTTPS at `addr` with SNI and Host `name`, trusting only `root` (PEM);
/// with `token` as a bearer token. (status, body).
fn https_get(
    addr: SocketAddr,
    name: &str,
    root: &Path,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let pem = std::fs::read(root).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    let (_, parsed) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    roots
        .add(rustls::pki_types::CertificateDer::from(parsed.contents))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let (name, path, token) = (
        name.to_string(),
        path.to_string(),
        token.map(str::to_string),
    );
    block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let server = rustls::pki_types::ServerName::try_from(name.clone()).unwrap();
        let tls = tokio::time::timeout(Duration::from_secs(10), connector.connect(server, tcp))
            .await
            .unwrap()
            .unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut request = hyper::Request::get(path.as_str()).header("host", name.as_str());
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = sender
            .send_request(request.body(Empty::<Bytes>::new()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).to_string())
    })
}

/// A plain HTTP GET through the proxy: (status, Location).
fn http_location(addr: SocketAddr, host: &str) -> (u16, Option<String>) {
    let host = host.to_string();
    block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .unwrap();
        tokio::spawn(conn);
        let request = hyper::Request::get("/v1/apps")
            .header("host", host.as_str())
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), location)
    })
}

#[test]
fn api_and_git_push_over_https_with_an_acme_certificate() {
    let api = format!("{}.example.com", unique("wharf"));
    let (pebble, d) = acme_daemon(Validation::default(), &["--api-domain", &api]);
    let chain = chain_path(&d, &api);
    wait_for("a certificate for the API's name", &d, || {
        chain.exists().then_some(())
    });
    pebble.verifies(&chain).unwrap();
    let root = pebble.issuing_root();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();

    // The API answers over HTTPS on the proxy's HTTPS listener, with tokens.
    let (status, body) = https_get(d.https, &api, &root, "/v1/apps", None);
    assert_eq!(status, 401, "{body}");
    let (status, body) = https_get(d.https, &api, &root, "/v1/apps", Some(&token));
    assert_eq!(status, 200, "{body}");
    // Plain HTTP to the API's name is sent to HTTPS.
    let (status, location) = http_location(d.http, &api);
    assert_eq!(status, 308);
    assert_eq!(
        location.as_deref(),
        Some(format!("https://{api}:{}/v1/apps", d.https.port()).as_str())
    );

    // git pushes over https with the token as the password, trusting Pebble's root.
    let app = unique("httpsgit");
    let domain = format!("{app}.test");
    let repo = Repo::new(app_dir(
        &format!("# wharf.domain = {domain}"),
        "pushed over https",
    ));
    let port = d.https.port();
    let resolve = format!("http.curloptResolve={api}:{port}:127.0.0.1");
    let url = format!("https://x:{token}@{api}:{port}/git/{app}.git");
    let cainfo = root.to_str().unwrap();
    let out = repo.git(
        &["-c", &resolve, "push", &url, "main"],
        &[("GIT_SSL_CAINFO", cainfo)],
    );
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\nserver:\n{}", d.log());
    assert!(output.contains("remote: -----> Deploying"), "{output}");
    d.wait_for_body(&domain, "pushed over https");
    assert!(!d.log().contains(&token), "the token is never logged");

    // A wrong token is refused over https too; nothing is created.
    let other = unique("nope");
    let url = format!("https://x:wharf_wrong@{api}:{port}/git/{other}.git");
    let out = repo.git(
        &["-c", &resolve, "push", &url, "main"],
        &[("GIT_SSL_CAINFO", cainfo)],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Authentication failed"),
        "{}",
        stderr(&out)
    );
    assert!(!d.data_dir().join(format!("repos/{other}.git")).exists());
    // Without trusting the CA, git refuses the server.
    let out = repo.git(&["-c", &resolve, "push", &url, "main"], &[]);
    assert!(!out.status.success());
    assert!(
        all_output(&out).contains("certificate"),
        "{}",
        all_output(&out)
    );
}

/// `wharf ARGS` as a remote client: no data directory, `env` set.
fn remote_wharf(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(WHARF)
        .args(args)
        .env_remove("WHARF_SERVER")
        .env_remove("WHARF_TOKEN")
        .env_remove("WHARF_CA_CERT")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_cli_works_over_https_with_an_uploaded_certificate() {
    let d = Daemon::start_with(&["--api-domain", "localhost"]);
    let ca = Ca::new();
    let (chain, key) = ca.issue(&["localhost"], 7, (-1, 30));
    d.wharf_ok(&["certs", "add", "localhost", "--cert", &chain, "--key", &key]);
    let token = d
        .wharf_ok(&["tokens", "create", "laptop"])
        .trim()
        .to_string();
    let ca_file = ca.root_file();
    let server = format!("https://localhost:{}", d.https.port());

    // The API's name is the server's own: no app may take it.
    let squatter = unique("squat");
    let out = d.deploy(
        app_dir(
            &format!("# wharf.app = {squatter}\n# wharf.domain = localhost"),
            "mine",
        )
        .path(),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("this Wharf server's own name"),
        "{}",
        stderr(&out)
    );
    assert!(!d.wharf_ok(&["apps"]).contains(&squatter));

    let app = unique("clihttps");
    let domain = format!("{app}.test");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "deployed over https",
    );
    let dir_arg = dir.path().to_str().unwrap();
    let out = remote_wharf(
        &["push", &server, dir_arg],
        &[("WHARF_TOKEN", &token), ("WHARF_CA_CERT", &ca_file)],
    );
    assert!(
        out.status.success(),
        "{}\nserver:\n{}",
        all_output(&out),
        d.log()
    );
    d.wait_for_body(&domain, "deployed over https");

    // Other commands with --server and --ca-cert, including the upgraded run protocol.
    let out = remote_wharf(
        &["--server", &server, "--ca-cert", &ca_file, "apps"],
        &[("WHARF_TOKEN", &token)],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(stdout(&out).contains(&app), "{}", stdout(&out));
    let out = remote_wharf(
        &[
            "--server",
            &server,
            "--ca-cert",
            &ca_file,
            "run",
            "-T",
            &app,
            "--",
            "echo",
            "ran-over-https",
        ],
        &[("WHARF_TOKEN", &token)],
    );
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(
        stdout(&out).contains("ran-over-https"),
        "{}",
        all_output(&out)
    );

    // A server whose CA is not trusted is refused, with the way out in the message.
    let out = remote_wharf(&["--server", &server, "apps"], &[("WHARF_TOKEN", &token)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--ca-cert"), "{}", stderr(&out));
    // Without a token: refused by the server.
    let out = remote_wharf(&["--server", &server, "--ca-cert", &ca_file, "apps"], &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing API token"),
        "{}",
        stderr(&out)
    );
    // The API's name is not an app: plain HTTP to it redirects, other names still route.
    assert_eq!(http_location(d.http, "localhost").0, 308);
    d.wait_for_body(&domain, "deployed over https");
}
