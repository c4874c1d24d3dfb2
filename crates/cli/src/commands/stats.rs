//! `wharf stats [APP]`: what the host and the apps use now (CPU, memory and its limit, network
//! and disk traffic, restarts and OOM kills), and a chart of the last hour: the host's without
//! an app, the app's with one, with the requests the proxy served it and their latency. `--json` prints the API's answer as it is.

use super::listing;
use crate::client::{Client, with_query};
use crate::output::chart::{bytes, sparkline};
use crate::output::{Cell, Table, outln};
use std::process::ExitCode;
use wharf_api::{AppStats, HostUsage, ServerStats, StatsQuery, StatsSample, Usage, paths};
use wharf_domain::AppName;

/// Characters a chart line is drawn in.
const CHART_WIDTH: usize = 60;

pub async fn run(client: &Client, app: Option<&AppName>, json: bool) -> anyhow::Result<ExitCode> {
    match app {
        None => server(client, json).await,
        Some(app) => of_app(client, app, json).await,
    }
}

async fn server(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let Some(stats) = listing::<ServerStats>(client, paths::STATS, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    let Some(host) = &stats.host else {
        outln!(
            "No figures yet: the server reads them every {} s.",
            stats.interval_secs
        )?;
        return Ok(ExitCode::SUCCESS);
    };
    print_host(host)?;
    outln!()?;
    let mut table = Table::new([
        "APP",
        "CONTAINERS",
        "CPU",
        "MEMORY",
        "NET IN/OUT",
        "DISK R/W",
        "RESTARTS",
    ]);
    let rows = stats
        .apps
        .iter()
        .map(|a| (a.app.to_string(), &a.usage))
        .chain(
            stats
                .services
                .iter()
                .map(|s| (format!("{} (service)", s.service), &s.usage)),
        );
    for (name, usage) in rows {
        table.row([
            name.into(),
            usage.containers.to_string().into(),
            percent(usage.cpu_percent).into(),
            memory(usage).into(),
            format!(
                "{} / {}",
                bytes(usage.net_rx as f64),
                bytes(usage.net_tx as f64)
            )
            .into(),
            format!(
                "{} / {}",
                bytes(usage.block_read as f64),
                bytes(usage.block_write as f64)
            )
            .into(),
            restarts(usage),
        ]);
    }
    table.print()?;
    outln!()?;
    outln!("The host's last hour:")?;
    print_charts(&stats.host_recent, false)?;
    Ok(ExitCode::SUCCESS)
}

async fn of_app(client: &Client, app: &AppName, json: bool) -> anyhow::Result<ExitCode> {
    let path = with_query(
        &paths::fill(paths::APP_STATS, &[app.as_str()]),
        &StatsQuery {
            since: Some("1h".into()),
        },
    )?;
    let Some(stats) = listing::<AppStats>(client, &path, json).await? else {
        return Ok(ExitCode::SUCCESS);
    };
    match &stats.current {
        None => outln!("{app} has no running container.")?,
        Some(usage) => {
            outln!(
                "{app}: {} running, CPU {}, memory {}",
                plural(usage.containers, "container"),
                percent(usage.cpu_percent),
                memory(usage)
            )?;
            outln!(
                "  network in {}, out {}; disk read {}, written {}; {} restarts, {} OOM kills",
                bytes(usage.net_rx as f64),
                bytes(usage.net_tx as f64),
                bytes(usage.block_read as f64),
                bytes(usage.block_write as f64),
                usage.restarts,
                usage.oom_killed
            )?;
        }
    }
    print_traffic(&stats)?;
    if let Some(host) = &stats.host {
        print_host(host)?;
    }
    outln!()?;
    outln!("The last hour (a sample every {} s):", stats.tier_secs)?;
    print_charts(&stats.samples, true)?;
    Ok(ExitCode::SUCCESS)
}

/// What the proxy served the app: in the last hour (from the history, which outlives
/// restarts of the server) and since the server started (with its latency).
fn print_traffic(stats: &AppStats) -> anyhow::Result<()> {
    let hour: Vec<_> = stats
        .samples
        .iter()
        .filter_map(|s| s.requests.zip(s.requests_5xx))
        .collect();
    if !hour.is_empty() {
        let requests: u64 = hour.iter().map(|(all, _)| all).sum();
        let errors: u64 = hour.iter().map(|(_, errors)| errors).sum();
        outln!("  requests in the last hour: {requests} ({errors} answered 5xx)")?;
    }
    if let Some(traffic) = &stats.traffic {
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1} ms"));
        outln!(
            "  since the server started: {} requests ({} answered 5xx), latency p50 {}, p99 {}",
            traffic.requests,
            traffic.requests_5xx,
            ms(traffic.latency_p50_ms),
            ms(traffic.latency_p99_ms)
        )?;
    }
    Ok(())
}

fn print_host(host: &HostUsage) -> anyhow::Result<()> {
    let used = match (host.memory_used, host.memory_total) {
        (Some(used), Some(total)) => format!("{} of {}", bytes(used as f64), bytes(total as f64)),
        _ => "-".to_string(),
    };
    let load = host
        .load_average
        .map_or_else(|| "-".to_string(), |l| format!("{l:.2}"));
    outln!(
        "host: {}, CPU {}, load {load}, memory {used}",
        plural(host.cpus, "CPU"),
        percent(host.cpu_percent)
    )?;
    for (what, disk) in [("data", &host.data_disk), ("docker", &host.docker_disk)] {
        if let Some(disk) = disk {
            outln!(
                "  {what} disk ({}): {} free of {}",
                disk.path,
                bytes(disk.free as f64),
                bytes(disk.total as f64)
            )?;
        }
    }
    Ok(())
}

/// One sparkline per series that has values, labelled with its least and most.
fn print_charts(samples: &[StatsSample], app: bool) -> anyhow::Result<()> {
    type Series = (
        &'static str,
        fn(&StatsSample) -> Option<f64>,
        fn(f64) -> String,
    );
    let as_percent: fn(f64) -> String = |v| format!("{v:.1}%");
    let as_bytes: fn(f64) -> String = bytes;
    let as_number: fn(f64) -> String = |v| format!("{v:.2}");
    let as_ms: fn(f64) -> String = |v| format!("{v:.0} ms");
    let mut series: Vec<Series> = vec![
        ("cpu", |s| s.cpu_percent, as_percent),
        ("memory", |s| s.memory.map(|m| m as f64), as_bytes),
    ];
    if app {
        series.extend([
            (
                "net in",
                (|s| Some(s.net_rx as f64)) as fn(&StatsSample) -> Option<f64>,
                as_bytes,
            ),
            ("net out", |s| Some(s.net_tx as f64), as_bytes),
            ("disk read", |s| Some(s.block_read as f64), as_bytes),
            ("disk write", |s| Some(s.block_write as f64), as_bytes),
            ("requests", |s| s.requests.map(|r| r as f64), as_number),
            ("p99", |s| s.latency_p99_ms, as_ms),
        ]);
    } else {
        series.push(("load", |s| s.load_average, as_number));
    }
    let mut drawn = 0;
    for (label, value, show) in series {
        let values: Vec<Option<f64>> = samples.iter().map(value).collect();
        if let Some((line, least, most)) = sparkline(&values, CHART_WIDTH) {
            outln!("  {label:<10} {line}  {} .. {}", show(least), show(most))?;
            drawn += 1;
        }
    }
    if drawn == 0 {
        outln!("  no samples yet")?;
    }
    Ok(())
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.1}%"))
}

fn memory(usage: &Usage) -> String {
    match usage.memory_limit {
        Some(limit) => format!("{} of {}", bytes(usage.memory as f64), bytes(limit as f64)),
        None => bytes(usage.memory as f64),
    }
}

fn restarts(usage: &Usage) -> Cell {
    if usage.oom_killed > 0 {
        format!("{} ({} OOM)", usage.restarts, usage.oom_killed).into()
    } else {
        usage.restarts.to_string().into()
    }
}

fn plural(count: u32, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
