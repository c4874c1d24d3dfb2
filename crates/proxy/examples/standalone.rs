//! Run Wharf's proxy alone with static routes, for benchmarks and manual tests:
//! `standalone --listen 127.0.0.1:8081 --route example.test=127.0.0.1:9000[,127.0.0.1:9001] [--log]
//! [--no-metrics] [--tls-listen 127.0.0.1:8443 --tls-cert fullchain.pem --tls-key key.pem]`; with
//! `--tls-*` it serves HTTPS too, with that certificate for every routed host. `--no-metrics`
//! turns the traffic counters off, to measure what they cost.

use std::net::SocketAddr;

use tokio_util::sync::CancellationToken;
use wharf_proxy::{CertResolver, ProxyConfig, ProxyListener, ProxyServer, Route, Router, Target};

struct Args {
    listen: SocketAddr,
    routes: Vec<(String, Vec<SocketAddr>)>,
    log: bool,
    metrics: bool,
    tls_listen: Option<SocketAddr>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = "127.0.0.1:8081".parse().map_err(|e| format!("{e}"))?;
    let mut routes = Vec::new();
    let mut log = false;
    let mut metrics = true;
    let (mut tls_listen, mut tls_cert, mut tls_key) = (None, None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => {
                let v = args.next().ok_or("--listen needs a value")?;
                listen = v.parse().map_err(|e| format!("bad --listen {v:?}: {e}"))?;
            }
            "--route" => {
                let v = args.next().ok_or("--route needs HOST=ADDR[,ADDR]")?;
                let (host, addrs) = v.split_once('=').ok_or("--route needs HOST=ADDR[,ADDR]")?;
                let addrs = addrs
                    .split(',')
                    .map(|a| a.parse().map_err(|e| format!("bad address {a:?}: {e}")))
                    .collect::<Result<Vec<SocketAddr>, String>>()?;
                routes.push((host.to_owned(), addrs));
            }
            "--log" => log = true,
            "--no-metrics" => metrics = false,
            "--tls-listen" => {
                let v = args.next().ok_or("--tls-listen needs a value")?;
                tls_listen = Some(
                    v.parse()
                        .map_err(|e| format!("bad --tls-listen {v:?}: {e}"))?,
                );
            }
            "--tls-cert" => tls_cert = Some(args.next().ok_or("--tls-cert needs a file")?),
            "--tls-key" => tls_key = Some(args.next().ok_or("--tls-key needs a file")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        listen,
        routes,
        log,
        metrics,
        tls_listen,
        tls_cert,
        tls_key,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse()?;
    // The proxy serves on its own worker threads; this runtime only waits for Ctrl-C.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.log {
        // Like the daemon: plain text to stderr, colours only on a terminal.
        tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init();
    }
    // WHARF_WORKERS=N: proxy worker threads (default: one per CPU, as in the daemon).
    let workers = std::env::var("WHARF_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(wharf_proxy::default_workers);
    let router = Router::new();
    for (i, (host, addrs)) in args.routes.iter().enumerate() {
        let app = format!("app{i}");
        let targets = addrs.iter().map(|a| Target::new(*a)).collect();
        router.set_app(
            &app,
            std::slice::from_ref(host),
            Route::new(app.as_str(), targets),
        );
    }
    let listener = ProxyListener::bind(args.listen, workers)?;
    eprintln!(
        "wharf proxy listening on {} ({workers} workers)",
        args.listen
    );
    let config = ProxyConfig {
        count_traffic: args.metrics,
        ..ProxyConfig::default()
    };
    let mut server = ProxyServer::new().http(listener, router.clone(), config.clone());
    if let (Some(addr), Some(cert), Some(key)) = (args.tls_listen, &args.tls_cert, &args.tls_key) {
        let (chain, key) = (std::fs::read(cert)?, std::fs::read(key)?);
        let certs = CertResolver::new();
        for (host, _) in &args.routes {
            let name = wharf_domain::CertDomain::parse(host)?;
            let valid = wharf_certs::validate(&name, &chain, &key, std::time::SystemTime::now())?;
            certs.set(host, valid.key);
        }
        let tls = ProxyListener::bind(addr, workers)?;
        eprintln!("wharf proxy listening on {addr} (https)");
        server = server.https(tls, router, config, certs)?;
    }
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    server.run(shutdown).await?;
    Ok(())
}
