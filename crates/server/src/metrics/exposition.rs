//! The Prometheus text exposition format (version 0.0.4) of the proxy's traffic: one series
//! per app, address (`domain`) and process, with `# HELP` and `# TYPE` before each metric's
//! samples and label values escaped as the format asks (`\\`, `\"`, `\n`).

use std::fmt::Write;

use wharf_proxy::{STATUS_CLASSES, TrafficSnapshot, TrafficTotals};

/// The media type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the daemon says about itself beside the traffic.
#[derive(Debug, Clone, Copy)]
pub struct DaemonFacts<'a> {
    pub version: &'a str,
    /// Apps in the store.
    pub apps: usize,
}

/// The whole `/metrics` body.
pub fn render(traffic: &TrafficSnapshot, facts: &DaemonFacts<'_>) -> String {
    let mut out = Exposition::default();
    out.metric("wharf_build_info", "gauge", "Which Wharf runs: always 1.");
    out.sample(
        "wharf_build_info",
        &[("version", facts.version)],
        Value::Int(1),
    );
    out.metric("wharf_apps", "gauge", "Apps on this server.");
    out.sample("wharf_apps", &[], Value::Int(facts.apps as u64));
    out.metric(
        "wharf_open_connections",
        "gauge",
        "Client HTTP connections open on the proxy.",
    );
    out.sample(
        "wharf_open_connections",
        &[],
        Value::Int(traffic.open_connections),
    );

    out.metric(
        "wharf_http_requests_total",
        "counter",
        "Requests the proxy answered for an app, by status class.",
    );
    for address in &traffic.addresses {
        for (class, count) in STATUS_CLASSES.iter().zip(address.totals.requests) {
            let labels = labels_of(address.app.as_str(), &address.address, address.process);
            let mut with_status = labels.to_vec();
            with_status.push(("status", class));
            out.sample("wharf_http_requests_total", &with_status, Value::Int(count));
        }
    }

    let histogram = "wharf_http_request_duration_seconds";
    out.metric(
        histogram,
        "histogram",
        "Time from a request to the end of its answer.",
    );
    for address in &traffic.addresses {
        let labels = labels_of(address.app.as_str(), &address.address, address.process);
        let latency = &address.totals.latency;
        for (bound, count) in latency.cumulative() {
            let le = if bound.is_infinite() {
                "+Inf".to_owned()
            } else {
                bound.to_string()
            };
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            out.sample(&format!("{histogram}_bucket"), &with_le, Value::Int(count));
        }
        out.sample(
            &format!("{histogram}_sum"),
            &labels,
            Value::Float(latency.sum_seconds),
        );
        out.sample(
            &format!("{histogram}_count"),
            &labels,
            Value::Int(latency.count()),
        );
    }

    let per_address: [Simple; 5] = [
        (
            "wharf_http_request_bytes_total",
            "counter",
            "Bytes of request bodies sent to an app.",
            |t| t.bytes_in,
        ),
        (
            "wharf_http_response_bytes_total",
            "counter",
            "Bytes of response bodies sent to clients.",
            |t| t.bytes_out,
        ),
        (
            "wharf_upstream_errors_total",
            "counter",
            "Requests whose app could not be reached or failed before answering (502).",
            |t| t.upstream_errors,
        ),
        (
            "wharf_upstream_timeouts_total",
            "counter",
            "Requests whose app did not answer in time (504).",
            |t| t.upstream_timeouts,
        ),
        (
            "wharf_open_websockets",
            "gauge",
            "Websockets (upgraded connections) open to an app.",
            |t| t.open_websockets,
        ),
    ];
    for (name, kind, help, read) in per_address {
        out.metric(name, kind, help);
        for address in &traffic.addresses {
            let labels = labels_of(address.app.as_str(), &address.address, address.process);
            out.sample(name, &labels, Value::Int(read(&address.totals)));
        }
    }
    out.text
}

/// A metric with one value per address: its name, type, help and how to read the value.
type Simple = (
    &'static str,
    &'static str,
    &'static str,
    fn(&TrafficTotals) -> u64,
);

fn labels_of<'a>(app: &'a str, domain: &'a str, process: &'a str) -> [(&'a str, &'a str); 3] {
    [("app", app), ("domain", domain), ("process", process)]
}

enum Value {
    Int(u64),
    Float(f64),
}

#[derive(Default)]
struct Exposition {
    text: String,
}

impl Exposition {
    fn metric(&mut self, name: &str, kind: &str, help: &str) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: Value) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                self.text.push_str(label);
                self.text.push_str("=\"");
                escape_into(&mut self.text, value);
                self.text.push('"');
            }
            self.text.push('}');
        }
        let _ = match value {
            Value::Int(n) => writeln!(self.text, " {n}"),
            Value::Float(x) => writeln!(self.text, " {x}"),
        };
    }
}

/// A label value as the format writes it: backslash, double quote and line feed escaped.
fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_proxy::{AddressTraffic, LatencyHistogram};

    fn snapshot() -> TrafficSnapshot {
        let mut latency = LatencyHistogram::default();
        latency.counts[0] = 3;
        latency.counts[5] = 1;
        latency.sum_seconds = 0.0525;
        let totals = TrafficTotals {
            requests: [0, 3, 0, 1, 0],
            latency,
            bytes_in: 10,
            bytes_out: 400,
            upstream_errors: 0,
            upstream_timeouts: 2,
            open_websockets: 1,
        };
        TrafficSnapshot {
            open_connections: 5,
            addresses: vec![AddressTraffic {
                app: "blog".into(),
                address: "example.com/blog\"\\\n".into(),
                process: "web",
                totals,
            }],
            apps: vec![],
        }
    }

    #[test]
    fn samples_are_written_with_their_labels_escaped() {
        let text = render(
            &snapshot(),
            &DaemonFacts {
                version: "1.2.3",
                apps: 4,
            },
        );
        let labels = r#"app="blog",domain="example.com/blog\"\\\n",process="web""#;
        for line in [
            "wharf_build_info{version=\"1.2.3\"} 1".to_owned(),
            "wharf_apps 4".to_owned(),
            "wharf_open_connections 5".to_owned(),
            format!("wharf_http_requests_total{{{labels},status=\"2xx\"}} 3"),
            format!("wharf_http_requests_total{{{labels},status=\"4xx\"}} 1"),
            format!("wharf_http_request_duration_seconds_bucket{{{labels},le=\"0.001\"}} 3"),
            format!("wharf_http_request_duration_seconds_bucket{{{labels},le=\"0.1\"}} 4"),
            format!("wharf_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 4"),
            format!("wharf_http_request_duration_seconds_sum{{{labels}}} 0.0525"),
            format!("wharf_http_request_duration_seconds_count{{{labels}}} 4"),
            format!("wharf_http_request_bytes_total{{{labels}}} 10"),
            format!("wharf_http_response_bytes_total{{{labels}}} 400"),
            format!("wharf_upstream_timeouts_total{{{labels}}} 2"),
            format!("wharf_open_websockets{{{labels}}} 1"),
            "# TYPE wharf_http_request_duration_seconds histogram".to_owned(),
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
        }
        // Every metric's HELP and TYPE come once, before its samples.
        assert_eq!(text.matches("# TYPE wharf_http_requests_total ").count(), 1);
    }
}
