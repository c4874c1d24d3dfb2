//! The API's contract holds: every type survives a trip through JSON, its JSON looks as
//! clients expect (a renamed field fails here), and docs/api/openapi.json is what the types
//! and routes say.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use utoipa::OpenApi;
use wharf_api::*;
use wharf_domain::{
    AppName, Availability, CertDomain, DomainName, ImageRef, ImageSettings, MountSelector,
    MountSpec, NodeLabel, NodeName, ProcessName, WebAddress,
};

fn process(name: &str) -> ProcessName {
    ProcessName::parse(name).unwrap()
}

fn domain(name: &str) -> DomainName {
    DomainName::parse(name).unwrap()
}

fn address(written: &str) -> WebAddress {
    WebAddress::parse(written).unwrap()
}

fn cert_domain(name: &str) -> CertDomain {
    CertDomain::parse(name).unwrap()
}

/// Serialize `value`, decode it again and check both agree; returns its JSON.
fn round_trip<T>(value: T) -> serde_json::Value
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let text = serde_json::to_string(&value).unwrap();
    let back: T = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", std::any::type_name::<T>()));
    assert_eq!(back, value, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Round-trip a type that is a schema of the document, and note its name.
fn schema<T>(seen: &mut BTreeSet<String>, value: T) -> serde_json::Value
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + utoipa::ToSchema,
{
    seen.insert(T::name().to_string());
    round_trip(value)
}

/// Round-trip a schema and give it back, to build a larger value of it.
fn schema_value<T>(seen: &mut BTreeSet<String>, value: T) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + Clone + utoipa::ToSchema,
{
    schema(seen, value.clone());
    value
}

fn deployed() -> Deployed {
    Deployed {
        app: AppName::parse("blog").unwrap(),
        version: 3,
        urls: vec!["http://blog.example.com/".into()],
    }
}

fn backup() -> Backup {
    Backup {
        id: 4,
        service: "db".into(),
        file: Some("db-20260101.dump".into()),
        size: Some(2048),
        sha256: Some("ab".repeat(32)),
        scheduled: true,
        started_at: 1_767_225_600,
        error: None,
        verified_at: Some(1_767_225_660),
    }
}

fn service() -> Service {
    Service {
        name: "db".into(),
        kind: "postgres".into(),
        version: "17".into(),
        image: "postgres:17".into(),
        state: "running".into(),
        volume_bytes: Some(40_000),
        volume: "wharf-service.db".into(),
        network: "wharf-service.db".into(),
        node: Some("node1".into()),
        overlay: Some("wharf_svc_db".into()),
        linked_apps: vec!["blog".into()],
        links: BTreeMap::from([("blog".into(), "DATABASE_URL".into())]),
        exposed_port: None,
        backup_schedule: Some("0 3 * * *".into()),
        backup_keep: 7,
        last_backup: Some(backup()),
        url: "postgres://db:********@db:5432/db".into(),
        tls: "required".into(),
    }
}

fn certificate() -> Certificate {
    Certificate {
        source: CertSource::Uploaded,
        domain: cert_domain("example.com"),
        names: vec!["example.com".into(), "www.example.com".into()],
        issuer: "CN=Test CA".into(),
        serial: "0a1b".into(),
        not_before: 1_700_000_000,
        not_after: 1_800_000_000,
    }
}

#[test]
fn every_type_survives_a_round_trip() {
    let mut seen = BTreeSet::new();
    let s = &mut seen;
    schema(
        s,
        ServerStatus {
            version: "0.1.0".into(),
            max_upload_bytes: 1 << 30,
            docker_version: Some("27.5.1".into()),
            host: Some(HostFacts {
                cpus: 2,
                load_average: Some("0.42".into()),
                memory_total: Some(4 << 30),
                memory_available: Some(3 << 30),
                data_disk: Some(DiskSpace {
                    path: "/var/lib/wharf".into(),
                    free: 10 << 30,
                    total: 40 << 30,
                }),
                docker_disk: None,
            }),
        },
    );
    schema(
        s,
        HostFacts {
            cpus: 1,
            ..HostFacts::default()
        },
    );
    schema(
        s,
        DiskSpace {
            path: "/".into(),
            free: 1,
            total: 2,
        },
    );
    schema(
        s,
        AppSummary {
            name: "blog".parse().unwrap(),
            domains: vec![address("blog.example.com")],
            urls: vec!["http://blog.example.com/".into()],
            release: Some(2),
            released_at: Some(1_700_000_000),
            newest: Some(ReleaseStatus::Failed),
            stopped: false,
            instances: 2,
            healthy: 1,
        },
    );
    schema(
        s,
        AppDestroyed {
            destroyed: "blog".into(),
        },
    );
    for status in [
        ReleaseStatus::Deploying,
        ReleaseStatus::Active,
        ReleaseStatus::Superseded,
        ReleaseStatus::Failed,
    ] {
        schema(s, status);
    }
    schema(
        s,
        Release {
            id: 9,
            app: "blog".into(),
            version: 2,
            image: "wharf/blog:v2".into(),
            config: r#"{"vars":[["A","********"]]}"#.into(),
            revision: Some("abc123".into()),
            builder: Some("python".into()),
            source_image: None,
            status: ReleaseStatus::Failed,
            error: Some("the build failed".into()),
            created_at: 1_767_225_600,
            vars_set: vec!["A".into()],
            vars_unset: vec!["B".into()],
        },
    );
    let job = CronJob {
        command: "bin/report".into(),
        schedule: "*/5 * * * *".into(),
    };
    let run = CronRun {
        id: 1,
        app: "blog".into(),
        command: "bin/report".into(),
        started_at: 1,
        finished_at: None,
        exit_code: Some(2),
        log: "out\n".into(),
    };
    schema(s, job.clone());
    schema(s, run.clone());
    schema(
        s,
        CronJobs {
            jobs: vec![job],
            runs: vec![run],
        },
    );
    schema(
        s,
        ConfigVars {
            vars: BTreeMap::from([("A".into(), "1".into())]),
        },
    );
    round_trip(ConfigQuery { reveal: true });
    schema(
        s,
        ConfigChangeRequest {
            set: vec!["A=1".into()],
            unset: vec!["B".into()],
            no_restart: true,
        },
    );
    schema(s, RollbackRequest { version: Some(3) });
    schema(
        s,
        ProcessStatus {
            container: "wharf-blog.web.1-v2-ab12".into(),
            process: "web".into(),
            task: false,
            replica: "1".into(),
            release: "2".into(),
            state: "draining".into(),
            started_at: Some("2026-01-01T00:00:00Z".into()),
            healthy: Some(true),
        },
    );
    schema(
        s,
        ProcessFormation {
            process: "worker".into(),
            scale: 0,
            started: false,
        },
    );
    schema(s, ScaleRequest(BTreeMap::from([(process("web"), 2)])));
    round_trip(ScaleQuery { deploy: false });
    schema(
        s,
        LimitsRequest {
            process: "web".parse().unwrap(),
            memory: Some("512m".into()),
            cpus: None,
        },
    );
    schema(
        s,
        LifecycleRequest {
            process: Some("worker".parse().unwrap()),
        },
    );
    schema(
        s,
        AppDomains {
            dockerfile: vec![address("a.example.com"), address("example.com/blog")],
            added: vec![domain("b.example.com")],
        },
    );
    schema(
        s,
        AddDomainRequest {
            domain: domain("b.example.com"),
        },
    );
    let mount = StorageMount {
        source: "/srv/data".into(),
        target: "/data".into(),
        read_only: true,
        kind: MountKind::HostPath,
        mount: "/srv/data:/data:ro".into(),
    };
    schema(s, MountKind::Volume);
    schema(s, mount.clone());
    schema(
        s,
        StorageMounts {
            mounts: vec![mount],
            pinned_to: Some("node1".into()),
        },
    );
    schema(
        s,
        MountRequest {
            mount: MountSpec::parse("cache:/cache").unwrap(),
        },
    );
    schema(
        s,
        UnmountRequest {
            mount: MountSelector::parse("/cache").unwrap(),
        },
    );
    round_trip(DeployQuery {
        app: Some("blog".into()),
        revision: Some("abc123".into()),
    });
    schema(
        s,
        ImageDeployRequest {
            image: ImageRef::parse("ghcr.io/team/hello:1").unwrap(),
            settings: ImageSettings::parse(&["port=8080"]).unwrap(),
        },
    );
    schema(
        s,
        ImageDeployRequest {
            image: ImageRef::parse("nginx").unwrap(),
            settings: ImageSettings::default(),
        },
    );
    schema(s, ProgressEvent::Line("Step 1/3".into()));
    schema(s, ProgressEvent::Done(Outcome::Deployed(deployed())));
    schema(s, ProgressEvent::Done(Outcome::message("nothing changed")));
    schema(s, ProgressEvent::Error("the build failed".into()));
    schema(s, Outcome::Deployed(deployed()));
    schema(s, deployed());
    schema(
        s,
        Message {
            message: "saved".into(),
        },
    );
    let terminal = Terminal {
        tty: true,
        rows: Some(24),
        cols: Some(80),
    };
    schema(s, terminal);
    schema(
        s,
        RunRequest {
            cmd: vec!["rails".into(), "console".into()],
            detach: false,
            stdin: true,
            terminal,
        },
    );
    schema(
        s,
        RunStarted {
            name: "wharf-blog.run-x1".into(),
            id: "abcdef".into(),
        },
    );
    schema(s, ConnectRequest { terminal });
    round_trip(LogsQuery {
        tail: Some("10".into()),
        follow: true,
        process: Some("web".into()),
        since: Some("2026-01-02T15:04:05.000000000Z".into()),
        until: Some("30m".into()),
        grep: Some("GET /".into()),
        release: Some("v7".into()),
    });
    let entry = LogEntry {
        source: "web.1".into(),
        stream: LogStream::Stderr,
        time: "2026-01-02T15:04:05.000000000Z".into(),
        line: "listening".into(),
    };
    schema(s, LogStream::Stdout);
    schema(s, entry.clone());
    schema(s, LogEvent::Line(entry));
    schema(
        s,
        LogEvent::Error(ErrorBody {
            error: "the engine went away".into(),
        }),
    );
    schema(
        s,
        ReleaseLog {
            version: 3,
            log: "built\n".into(),
        },
    );
    schema(
        s,
        CreateServiceRequest {
            kind: "postgres".into(),
            name: "db".into(),
            version: Some("17".into()),
            image: None,
            node: Some(NodeName::parse("node2").unwrap()),
        },
    );
    schema(s, service());
    schema(s, backup());
    round_trip(ServiceQuery { reveal: true });
    round_trip(DestroyServiceQuery { purge: true });
    schema(
        s,
        ServiceDestroyed {
            destroyed: "db".into(),
            purged: false,
            node: Some("node2".into()),
        },
    );
    schema(s, ExposeRequest { port: Some(15432) });
    schema(
        s,
        VerifyReport {
            service: "db".into(),
            file: "db-1.dump".into(),
            size: 10,
            sha256: "cd".repeat(32),
            restored_objects: 3,
            seconds: 1.5,
        },
    );
    schema(
        s,
        BackupScheduleRequest {
            schedule: None,
            keep: Some(3),
        },
    );
    round_trip(RestoreQuery {
        backup: Some("db-1.dump".into()),
    });
    schema(
        s,
        Restored {
            restored: "db".into(),
        },
    );
    schema(s, certificate());
    schema(s, CertSource::Acme);
    schema(
        s,
        CertList {
            certs: vec![certificate()],
        },
    );
    schema(
        s,
        CertUploadRequest {
            domain: cert_domain("*.example.com"),
            cert: "-----BEGIN CERTIFICATE-----".into(),
            key: "-----BEGIN PRIVATE KEY-----".into(),
        },
    );
    schema(
        s,
        CertRemoved {
            removed: cert_domain("example.com"),
        },
    );
    let acme = AcmeDomain {
        domain: domain("example.com"),
        last_attempt: Some(1),
        last_success: None,
        failures: 2,
        last_error: Some("rate limited".into()),
        next_attempt: None,
        challenge: None,
        issuer: None,
        serial: None,
        not_after: None,
        served_checked: None,
        renew_at: None,
        renew_by: Some("ari".into()),
    };
    schema(s, acme.clone());
    schema(
        s,
        AcmeStatus {
            directory: Some("https://acme.example/dir".into()),
            domains: vec![acme],
        },
    );
    schema(
        s,
        ErrorBody {
            error: "no such app".into(),
        },
    );
    let event = Event {
        id: 7,
        at: 1_700_000_000,
        actor: "user alice".into(),
        app: Some("blog".into()),
        action: "domains add".into(),
        subject: Some("blog.example.com".into()),
        result: EventResult::Failed,
        message: "`blog.example.com` is served by shop".into(),
        finished_at: Some(1_700_000_001),
        kind: None,
        severity: None,
        repeats: 1,
    };
    let alert = Event {
        actor: "Wharf".into(),
        action: "app crashed".into(),
        kind: Some(wharf_domain::AlertKind::CrashLoop),
        severity: Some(wharf_domain::Severity::Critical),
        repeats: 4,
        ..event.clone()
    };
    let json = round_trip(alert);
    assert_eq!(
        (&json["kind"], &json["severity"], &json["repeats"]),
        (
            &serde_json::json!("crash-loop"),
            &serde_json::json!("critical"),
            &serde_json::json!(4)
        )
    );
    assert!(round_trip(event.clone()).get("repeats").is_none());
    schema(
        s,
        AddWebhookRequest {
            url: wharf_domain::WebhookUrl::parse("https://hooks.example.com/x").unwrap(),
            format: wharf_domain::WebhookFormat::Slack,
        },
    );
    schema(
        s,
        AddEmailRequest {
            to: wharf_domain::EmailAddress::parse("ops@example.com").unwrap(),
            smtp: wharf_domain::SmtpServer::parse("smtp.example.com:587").unwrap(),
            smtp_user: Some("wharf".into()),
            smtp_password: Some("pw".into()),
            starttls: true,
        },
    );
    let channel = NotifyChannel {
        id: 1,
        kind: "webhook".into(),
        target: "https://hooks.example.com/… (json)".into(),
        created_at: 1_700_000_000,
        last_delivery: Some(1_700_000_100),
        last_error: Some("connection refused".into()),
        last_error_at: Some(1_700_000_050),
    };
    schema(s, channel.clone());
    schema(
        s,
        NotifyChannels {
            channels: vec![channel],
        },
    );
    schema(s, NotifyChannelRemoved { removed: 1 });
    schema(s, NotifyTestSent { channels: 2 });
    // Not a schema of its own (a domain type): a string, as the event's schema lists.
    for result in EventResult::ALL {
        assert_eq!(round_trip(result), result.as_str());
    }
    schema(s, event.clone());
    schema(
        s,
        Events {
            events: vec![event],
        },
    );

    let usage = Usage {
        containers: 2,
        cpu_percent: Some(12.5),
        memory: 64 << 20,
        memory_limit: Some(512 << 20),
        net_rx: 1,
        net_tx: 2,
        block_read: 3,
        block_write: 4,
        restarts: 1,
        oom_killed: 0,
    };
    let host = HostUsage {
        cpus: 2,
        cpu_percent: Some(40.0),
        memory_used: Some(1 << 30),
        memory_total: Some(4 << 30),
        load_average: Some(0.42),
        data_disk: None,
        docker_disk: None,
    };
    let sample = StatsSample {
        at: 1_700_000_000,
        readings: 6,
        cpu_percent: Some(1.5),
        cpu_percent_max: Some(3.0),
        memory: Some(1 << 20),
        load_average: Some(0.5),
        ..StatsSample::default()
    };
    let app_usage = schema_value(
        s,
        AppUsage {
            app: AppName::parse("blog").unwrap(),
            usage: usage.clone(),
        },
    );
    let service_usage = schema_value(
        s,
        ServiceUsage {
            service: wharf_domain::ServiceName::parse("db").unwrap(),
            usage: usage.clone(),
        },
    );
    schema(
        s,
        ServerStats {
            at: Some(1_700_000_000),
            interval_secs: 10,
            host: Some(host.clone()),
            apps: vec![app_usage],
            services: vec![service_usage],
            host_recent: vec![sample.clone()],
        },
    );
    schema(s, host);
    schema(s, usage.clone());
    schema(s, sample.clone());
    let served = ServedTraffic {
        requests: 35,
        requests_5xx: 5,
        latency_p50_ms: Some(1.5),
        latency_p99_ms: None,
    };
    schema(s, served);
    schema(
        s,
        AppStats {
            app: AppName::parse("blog").unwrap(),
            at: None,
            interval_secs: 10,
            current: Some(usage),
            host: None,
            tier_secs: 10,
            samples: vec![sample],
            traffic: Some(served),
        },
    );

    let status = schema_value(
        s,
        ClusterStatus {
            state: "active".into(),
            manager: true,
            node_id: Some("j5ijt19urwwt6bn224raf2eef".into()),
            address: Some("10.0.0.2".into()),
            nodes: Some(3),
            error: None,
            registry: Some("10.0.0.2:5000".into()),
        },
    );
    schema(
        s,
        ClusterInitRequest {
            advertise_addr: Some("10.0.0.2".into()),
        },
    );
    schema(
        s,
        ClusterInitialized {
            created: true,
            status,
        },
    );
    let name = NodeName::parse("web-2").unwrap();
    let node = schema_value(
        s,
        Node {
            name: name.clone(),
            id: "j5ijt19urwwt6bn224raf2eef".into(),
            hostname: "vps2".into(),
            role: "worker".into(),
            leader: false,
            this_server: false,
            state: "ready".into(),
            availability: "active".into(),
            address: "10.0.0.3".into(),
            labels: BTreeMap::from([("role".to_string(), "web".to_string())]),
            tasks: 2,
            containers: None,
            cpus: 2.0,
            memory_bytes: 1 << 30,
            engine_version: "26.1.5".into(),
            databases: vec!["db".into()],
        },
    );
    schema(s, Nodes { nodes: vec![node] });
    schema(s, AddNodeRequest { name: name.clone() });
    let file = schema_value(
        s,
        TrustFile {
            name: "ca.crt".into(),
            contents: "-----BEGIN CERTIFICATE-----\n...".into(),
            mode: 0o644,
        },
    );
    let trust = schema_value(
        s,
        RegistryTrust {
            address: "10.0.0.2:5000".into(),
            directory: "/etc/docker/certs.d/10.0.0.2:5000".into(),
            files: vec![file],
        },
    );
    schema(
        s,
        NodeJoin {
            name: name.clone(),
            token: "SWMTKN-1-abc".into(),
            manager: "10.0.0.2:2377".into(),
            command: vec!["docker".into(), "swarm".into(), "join".into()],
            registry: trust,
        },
    );
    schema(
        s,
        AvailabilityRequest {
            availability: Availability::Drain,
        },
    );
    let labels = schema(
        s,
        LabelsRequest {
            set: vec![NodeLabel::parse("role=web").unwrap()],
            remove: vec!["zone".into()],
        },
    );
    assert_eq!(labels, json!({"set": ["role=web"], "remove": ["zone"]}));
    assert!(
        serde_json::from_value::<LabelsRequest>(json!({"set": ["wharf.name=x"]})).is_err(),
        "Wharf's own labels are refused as the body is decoded"
    );
    schema(s, RenameNodeRequest { name: name.clone() });
    schema(s, NodeRemoved { removed: name });

    let documented: BTreeSet<String> = ApiDoc::openapi()
        .components
        .expect("the document has components")
        .schemas
        .keys()
        .cloned()
        .collect();
    let missing: Vec<_> = documented.difference(&seen).collect();
    assert!(missing.is_empty(), "no round trip for {missing:?}");
}

#[test]
fn json_shapes_are_the_wire_format() {
    let event = ProgressEvent::Done(Outcome::Deployed(deployed()));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({"done": {"app": "blog", "version": 3, "urls": ["http://blog.example.com/"]}})
    );
    assert_eq!(
        serde_json::to_value(ProgressEvent::Done(Outcome::message("stored"))).unwrap(),
        json!({"done": {"message": "stored"}})
    );
    assert_eq!(
        serde_json::to_value(ProgressEvent::Line("x".into())).unwrap(),
        json!({"line": "x"})
    );
    assert_eq!(
        serde_json::to_value(ProgressEvent::Error("bad".into())).unwrap(),
        json!({"error": "bad"})
    );
    let line: LogEvent = serde_json::from_value(json!({
        "source": "web.1", "stream": "stdout", "time": "t", "line": "hi"
    }))
    .unwrap();
    assert!(matches!(line, LogEvent::Line(LogEntry { ref source, .. }) if source == "web.1"));
    let error: LogEvent = serde_json::from_value(json!({"error": "gone"})).unwrap();
    assert!(matches!(error, LogEvent::Error(ErrorBody { ref error }) if error == "gone"));

    assert_eq!(
        serde_json::to_value(ScaleRequest(BTreeMap::from([(process("web"), 2)]))).unwrap(),
        json!({"web": 2})
    );
    // Names and mounts are parsed as a body is read: a bad one is refused in its parser's words.
    let bad = serde_json::from_value::<ScaleRequest>(json!({"web": 1, "Web": 2})).unwrap_err();
    assert!(
        bad.to_string()
            .contains("process name `Web` contains uppercase letters"),
        "{bad}"
    );
    let bad = serde_json::from_value::<MountRequest>(json!({"mount": "./data:/data"})).unwrap_err();
    assert!(bad.to_string().contains("is relative"), "{bad}");
    let bad = serde_json::from_value::<UnmountRequest>(json!({"mount": "data"})).unwrap_err();
    assert!(bad.to_string().contains("names no mount"), "{bad}");
    assert_eq!(
        serde_json::to_value(MountRequest {
            mount: MountSpec::parse("/srv/x/:/x:ro").unwrap()
        })
        .unwrap(),
        json!({"mount": "/srv/x:/x:ro"})
    );
    assert_eq!(
        serde_json::to_value(RunRequest {
            cmd: vec!["ls".into()],
            detach: true,
            stdin: false,
            terminal: Terminal::default(),
        })
        .unwrap(),
        json!({"cmd": ["ls"], "detach": true, "tty": false, "rows": null, "cols": null})
    );
    // What older clients send still decodes.
    let run: RunRequest = serde_json::from_value(json!({"cmd": ["ls"]})).unwrap();
    assert!(!run.detach && !run.terminal.tty);
    let change: ConfigChangeRequest = serde_json::from_value(json!({"set": ["A=1"]})).unwrap();
    assert_eq!(change.set, ["A=1"]);
    assert!(change.unset.is_empty() && !change.no_restart);

    let mount = StorageMount {
        source: "cache".into(),
        target: "/cache".into(),
        read_only: false,
        kind: MountKind::Volume,
        mount: "cache:/cache".into(),
    };
    assert_eq!(
        serde_json::to_value(&mount).unwrap(),
        json!({"source": "cache", "target": "/cache", "read_only": false, "kind": "volume", "mount": "cache:/cache"})
    );
    assert_eq!(
        serde_json::to_value(MountKind::HostPath).unwrap(),
        json!("host path")
    );
    assert_eq!(
        serde_json::to_value(ProcessStatus {
            container: "c".into(),
            process: "web".into(),
            task: false,
            replica: "2".into(),
            release: "5".into(),
            state: "running".into(),
            started_at: None,
            healthy: None,
        })
        .unwrap(),
        json!({
            "container": "c", "process": "web", "task": false, "replica": "2", "release": "5",
            "state": "running", "started_at": null, "healthy": null
        })
    );
    assert_eq!(
        serde_json::to_value(certificate()).unwrap(),
        json!({
            "source": "uploaded", "domain": "example.com",
            "names": ["example.com", "www.example.com"], "issuer": "CN=Test CA",
            "serial": "0a1b", "not_before": 1_700_000_000, "not_after": 1_800_000_000
        })
    );
    assert_eq!(
        serde_json::to_value(ReleaseStatus::Superseded).unwrap(),
        json!("superseded")
    );
}

#[test]
fn domains_are_checked_as_they_are_decoded() {
    let refused =
        serde_json::from_value::<AddDomainRequest>(json!({"domain": "https://x.example.com/"}))
            .unwrap_err()
            .to_string();
    assert!(refused.contains("give the bare domain"), "{refused}");
    let added: AddDomainRequest =
        serde_json::from_value(json!({"domain": "WWW.Example.com."})).unwrap();
    assert_eq!(added.domain, "www.example.com");
    // Only a certificate may be for a wildcard.
    assert!(
        serde_json::from_value::<AddDomainRequest>(json!({"domain": "*.example.com"})).is_err()
    );
    let upload: CertUploadRequest =
        serde_json::from_value(json!({"domain": "*.example.com", "cert": "", "key": ""})).unwrap();
    assert!(upload.domain.is_wildcard());
    // An app's Dockerfile addresses may carry a path.
    let domains: AppDomains =
        serde_json::from_value(json!({"dockerfile": ["example.com/blog"], "added": []})).unwrap();
    assert_eq!(domains.dockerfile[0].path(), Some("/blog"));
}

/// docs/api/openapi.json is the document the types and routes make. When it is stale this
/// test rewrites it and fails, so the change shows in the diff: run it again and commit.
#[test]
fn the_published_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api/openapi.json");
    let mut current = ApiDoc::openapi().to_pretty_json().unwrap();
    current.push('\n');
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    if published != current {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &current).unwrap();
        panic!(
            "{} was stale and has been rewritten from the API's types; review and commit it",
            path.display()
        );
    }
}

#[test]
fn every_route_is_documented_once_with_its_method() {
    let doc = ApiDoc::openapi();
    let mut routes = 0;
    for (path, item) in &doc.paths.paths {
        for operation in [&item.get, &item.post, &item.delete].into_iter().flatten() {
            routes += 1;
            assert!(
                operation.responses.responses.contains_key("200")
                    || operation.responses.responses.contains_key("101"),
                "{path}: no success answer"
            );
        }
    }
    assert_eq!(routes, 65);
}
