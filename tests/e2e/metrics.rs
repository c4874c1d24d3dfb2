//! Prometheus' `/metrics`: real traffic through the proxy to a real app is counted exactly, by
//! app, domain and status class, and read back with a Prometheus text-format parser; the API
//! listener wants a token (not a dashboard session), `--metrics-listen` does not.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use prometheus_parse::{Sample, Scrape, Value};

use super::dashboard::{ADMIN_PASSWORD, add_user, exchange, get_signed, sign_in_raw};
use super::harness::*;

/// An app answering by path: `/missing` 404, `/fail` 500, anything else 200 `hello`, over
/// Python's own HTTP server (one connection per request, as HTTP/1.0 has it).
fn status_app(app: &str, host: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "# wharf.app = {app}\n# wharf.domain = {host}\nFROM python:3.13-slim\nCOPY app.py /app.py\nEXPOSE 8080\nCMD [\"python\", \"-u\", \"/app.py\"]\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let server = r#"from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status = {"/missing": 404, "/fail": 500}.get(self.path, 200)
        body = b"hello"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("", 8080), Handler).serve_forever()
"#;
    std::fs::write(dir.path().join("app.py"), server).unwrap();
    dir
}

/// `GET /metrics` on `addr` with `headers`: the status and the body.
fn scrape(addr: SocketAddr, headers: &[(&str, &str)]) -> (u16, String) {
    let answer = exchange(addr, "GET", "/metrics", headers, "");
    (answer.status, answer.body)
}

fn parse(body: &str) -> Scrape {
    Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("a Prometheus text body")
}

/// The samples of `metric` whose labels include every pair of `labels`.
fn samples<'a>(scrape: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect()
}

/// The one counter `metric` with `labels` (0 when there is none yet).
fn counter(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match samples(scrape, metric, labels).as_slice() {
        [] => 0.0,
        [one] => match one.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
            ref other => panic!("{metric}: not a single value: {other:?}"),
        },
        many => panic!("{metric} {labels:?}: {} samples", many.len()),
    }
}

fn requests_by_status(scrape: &Scrape, app: &str) -> BTreeMap<String, f64> {
    samples(scrape, "wharf_http_requests_total", &[("app", app)])
        .into_iter()
        .map(|s| {
            let Value::Counter(v) = s.value else {
                panic!("not a counter: {s:?}")
            };
            (s.labels.get("status").unwrap_or("?").to_owned(), v)
        })
        .collect()
}

#[test]
fn requests_through_the_proxy_are_counted_exactly_and_scraped_with_a_token_or_on_metrics_listen() {
    let metrics_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let d = Daemon::start_with(&["--metrics-listen", &metrics_addr.to_string()]);
    let app = unique("metrics");
    let host = format!("{app}.test");
    d.deploy_ok(status_app(&app, &host).path());
    d.wait_for_body(&host, "hello");
    let token = d
        .wharf_ok(&["tokens", "create", "prometheus", "--read-only"])
        .trim()
        .to_string();
    let bearer = format!("Bearer {token}");

    // Refused without a token, with a wrong one, and with a dashboard session.
    assert_eq!(scrape(d.api, &[]).0, 401);
    assert_eq!(scrape(d.api, &[("Authorization", "Bearer nope")]).0, 401);
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let session = sign_in_raw(d.api, "ada", ADMIN_PASSWORD);
    assert_eq!(get_signed(d.api, "/metrics", &session).status, 401);

    let (status, body) = scrape(d.api, &[("Authorization", &bearer)]);
    assert_eq!(status, 200, "{body}");
    let before = parse(&body);

    // Known numbers of each answer, through the proxy.
    let (ok, missing, failed) = (23, 7, 5);
    block_on(async {
        let client = http_client();
        for (path, times, status) in [
            ("/", ok, 200),
            ("/missing", missing, 404),
            ("/fail", failed, 500),
        ] {
            for _ in 0..times {
                let answer = get_with(&client, d.http, &host, path).await;
                assert_eq!(
                    answer.as_ref().map(|a| a.0),
                    Ok(status),
                    "{path}: {answer:?}"
                );
            }
        }
    });
    // The counters are written as each answer ends, just after the client has it.
    std::thread::sleep(std::time::Duration::from_millis(300));

    // Read-only tokens may scrape; the answer parses and counts exactly.
    let answer = exchange(d.api, "GET", "/metrics", &[("Authorization", &bearer)], "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        answer.headers
    );
    let after = parse(&answer.body);
    let (was, now) = (
        requests_by_status(&before, &app),
        requests_by_status(&after, &app),
    );
    let delta = |class: &str| {
        now.get(class).copied().unwrap_or(0.0) - was.get(class).copied().unwrap_or(0.0)
    };
    assert_eq!(delta("2xx"), f64::from(ok), "{now:?}");
    assert_eq!(delta("4xx"), f64::from(missing), "{now:?}");
    assert_eq!(delta("5xx"), f64::from(failed), "{now:?}");
    assert_eq!(delta("3xx") + delta("1xx"), 0.0, "{now:?}");
    let labels = [
        ("app", app.as_str()),
        ("domain", host.as_str()),
        ("process", "web"),
    ];
    assert_eq!(
        samples(&after, "wharf_http_requests_total", &labels).len(),
        5,
        "one series per status class"
    );

    // The histogram counts every answered request, cumulatively up to +Inf.
    let histogram = samples(&after, "wharf_http_request_duration_seconds", &labels);
    let [histogram] = histogram.as_slice() else {
        panic!("one latency histogram: {histogram:?}")
    };
    let Value::Histogram(buckets) = &histogram.value else {
        panic!("{histogram:?}")
    };
    let total: f64 = now.values().sum();
    let last = buckets.iter().find(|b| b.less_than.is_infinite()).unwrap();
    assert_eq!(last.count, total);
    assert!(
        buckets.windows(2).all(|w| w[0].count <= w[1].count),
        "{buckets:?}"
    );
    assert_eq!(
        counter(&after, "wharf_http_request_duration_seconds_count", &labels),
        total
    );
    assert!(counter(&after, "wharf_http_request_duration_seconds_sum", &labels) > 0.0);
    let bytes_out = counter(&after, "wharf_http_response_bytes_total", &labels)
        - counter(&before, "wharf_http_response_bytes_total", &labels);
    assert_eq!(bytes_out, f64::from((ok + missing + failed) * 5));
    assert_eq!(counter(&after, "wharf_upstream_errors_total", &labels), 0.0);
    assert_eq!(counter(&after, "wharf_open_websockets", &labels), 0.0);
    assert_eq!(counter(&after, "wharf_apps", &[]), 1.0);
    let version = samples(&after, "wharf_build_info", &[]);
    assert!(
        version.len() == 1 && version[0].labels.get("version").is_some(),
        "{version:?}"
    );

    // --metrics-listen serves the same, without a token; only /metrics.
    let (status, body) = scrape(metrics_addr, &[]);
    assert_eq!(status, 200, "{body}");
    let open = parse(&body);
    assert_eq!(requests_by_status(&open, &app), now);
    assert_eq!(
        exchange(metrics_addr, "GET", "/v1/apps", &[], "").status,
        404
    );
}
