//! `wharf stats`: a real app's containers are read from the engine every interval, the host's
//! figures come with them, requests through the proxy are in the history exactly once, the
//! history API returns the samples, and they are still there after the daemon restarts.

use super::harness::*;
use std::time::{Duration, Instant};

/// Wait until `wharf stats APP --json` shows memory used by the app, and return it.
fn figures_with_memory(d: &Daemon, app: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stats = d.wharf_json(&["stats", app]);
        if stats["current"]["memory"].as_u64().unwrap_or(0) > 0 {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "no memory figure for {app}: {stats}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn stats_show_an_apps_memory_and_the_host_and_outlive_a_restart() {
    let mut d = Daemon::start_with(&["--stats-interval", "1"]);
    let app = unique("stats");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "counted",
    );
    d.deploy_ok(dir.path());

    let stats = figures_with_memory(&d, &app);
    assert_eq!(stats["app"], app.as_str());
    assert_eq!(stats["current"]["containers"], 1, "{stats}");
    assert!(
        stats["current"]["memory_limit"].as_u64().unwrap() > 0,
        "{stats}"
    );
    let host = &stats["host"];
    assert!(host["cpus"].as_u64().unwrap() >= 1, "{stats}");
    assert!(host["memory_total"].as_u64().unwrap() > 0, "{stats}");
    assert!(host["data_disk"]["total"].as_u64().unwrap() > 0, "{stats}");
    // Every reading of the last hour: one a second here.
    assert_eq!(stats["tier_secs"], 1);
    // Two readings a second apart give a CPU figure, and both are in the history.
    std::thread::sleep(Duration::from_millis(2500));
    let stats = d.wharf_json(&["stats", &app]);
    let samples = stats["samples"].as_array().unwrap();
    assert!(samples.len() >= 2, "{stats}");
    assert!(
        samples
            .iter()
            .any(|s| s["memory"].as_u64().unwrap_or(0) > 0),
        "{stats}"
    );
    assert!(stats["current"]["cpu_percent"].is_number(), "{stats}");
    // Requests through the proxy: each round stores those since the one before, so the
    // history holds every one of them, exactly once.
    let host = format!("{app}.example.com");
    for _ in 0..7 {
        assert_eq!(d.get(&host, "/").unwrap().0, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let stats = loop {
        let stats = d.wharf_json(&["stats", &app]);
        let served: u64 = stats["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["requests"].as_u64())
            .sum();
        if served == 7 {
            break stats;
        }
        assert!(served < 7, "counted twice: {stats}");
        assert!(Instant::now() < deadline, "{served} of 7 requests: {stats}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(stats["traffic"]["requests"], 7, "{stats}");
    assert_eq!(stats["traffic"]["requests_5xx"], 0, "{stats}");
    assert!(
        stats["traffic"]["latency_p99_ms"].as_f64().unwrap() > 0.0,
        "{stats}"
    );
    let shown = d.wharf_ok(&["stats", &app]);
    assert!(
        shown.contains("requests in the last hour: 7 (0 answered 5xx)")
            && shown.contains("since the server started: 7 requests"),
        "{shown}"
    );

    // The whole server: the host and every app, as a table and a chart.
    let server = d.wharf_json(&["stats"]);
    assert!(
        server["host"]["memory_used"].as_u64().unwrap() > 0,
        "{server}"
    );
    let apps = server["apps"].as_array().unwrap();
    assert!(apps.iter().any(|a| a["app"] == app.as_str()), "{server}");
    // Only this server's apps: other Wharf servers may share the engine.
    assert_eq!(apps.len(), 1, "{server}");
    assert!(
        !server["host_recent"].as_array().unwrap().is_empty(),
        "{server}"
    );
    let shown = d.wharf_ok(&["stats"]);
    assert!(shown.contains(&app) && shown.contains("host:"), "{shown}");
    let chart = d.wharf_ok(&["stats", &app]);
    assert!(chart.contains("memory") && chart.contains('▁'), "{chart}");

    // The history API itself, for a span the finest tier keeps.
    let (status, body) = d.api_get(&format!("/v1/apps/{app}/stats?since=5m"));
    assert_eq!(status, 200, "{body}");
    let (status, body) = d.api_get(&format!("/v1/apps/{app}/stats?since=5w"));
    assert_eq!(status, 400, "{body}");

    // A restart loses no stored sample.
    let before: Vec<i64> = samples.iter().map(|s| s["at"].as_i64().unwrap()).collect();
    assert!(d.terminate(), "{}", d.log());
    d.spawn();
    let after = d.wharf_json(&["stats", &app]);
    let kept: Vec<i64> = after["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["at"].as_i64().unwrap())
        .collect();
    for at in &before {
        assert!(kept.contains(at), "sample at {at} lost: {after}");
    }
}
