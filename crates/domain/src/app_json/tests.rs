use super::*;

fn parse(text: &str) -> AppJson {
    AppJson::parse(text).unwrap()
}

fn fail(text: &str) -> String {
    AppJson::parse(text).unwrap_err().to_string()
}

fn name(s: &str) -> ProcessName {
    ProcessName::parse(s).unwrap()
}

#[test]
fn empty_inputs() {
    assert_eq!(parse(""), AppJson::default());
    assert_eq!(parse("  \n"), AppJson::default());
    assert_eq!(parse("{}"), AppJson::default());
    assert_eq!(parse("\u{feff}{}"), AppJson::default());
}

#[test]
fn heroku_keys_are_ignored() {
    let text = r#"{
            "name": "Small Sharp Tool",
            "description": "This app does one little thing, and does it well.",
            "keywords": ["productivity", "HTML5"],
            "website": "https://small-sharp-tool.com/",
            "repository": "https://github.com/jane-doe/small-sharp-tool",
            "logo": "https://small-sharp-tool.com/logo.svg",
            "success_url": "/welcome",
            "env": {"SECRET_TOKEN": {"description": "x", "generator": "secret"}},
            "addons": ["heroku-postgresql"],
            "buildpacks": [{"url": "heroku/python"}],
            "stack": "heroku-24",
            "environments": {"test": {"scripts": {"test": "pytest"}}}
        }"#;
    assert_eq!(parse(text), AppJson::default());
}

#[test]
fn full_example() {
    let text = r#"{
            "healthchecks": {
                "web": [
                    {"type": "liveness", "path": "/live"},
                    {"type": "startup", "name": "ready", "path": "/health/ready",
                     "content": "ok", "attempts": 10, "wait": 2, "timeout": 3,
                     "initialDelay": 4, "port": 8000},
                    {"type": "startup", "path": "/ignored"}
                ],
                "worker": [{"type": "startup", "uptime": 10}]
            },
            "scripts": {
                "dokku": {
                    "predeploy": "python manage.py collectstatic --noinput",
                    "postdeploy": "  python manage.py notify  "
                },
                "postdeploy": "heroku one"
            },
            "formation": {"worker": {"quantity": 2, "size": "standard-1X"}, "web": {"quantity": 3}},
            "cron": [
                {"command": "python manage.py clearsessions", "schedule": "@daily"},
                {"command": "./report", "schedule": "*/15 9-17 * * mon-fri"}
            ]
        }"#;
    let app = parse(text);
    assert_eq!(
        app.healthchecks,
        Some(WebHealthcheck {
            path: "/health/ready".into(),
            content: Some("ok".into()),
            attempts: 10,
            wait: Duration::from_secs(2),
            timeout: Duration::from_secs(3),
            initial_delay: Duration::from_secs(4),
            port: Some(8000),
        })
    );
    assert_eq!(
        app.predeploy.as_deref(),
        Some("python manage.py collectstatic --noinput")
    );
    assert_eq!(app.postdeploy.as_deref(), Some("python manage.py notify"));
    assert_eq!(app.formation, vec![(name("web"), 3), (name("worker"), 2)]);
    assert_eq!(app.quantity("worker"), Some(2));
    assert_eq!(app.quantity("clock"), None);
    assert_eq!(app.cron.len(), 2);
    assert_eq!(app.cron[0].command, "python manage.py clearsessions");
    assert_eq!(app.cron[0].schedule.as_str(), "@daily");
    assert_eq!(app.cron[1].schedule.as_str(), "*/15 9-17 * * mon-fri");
}

#[test]
fn healthcheck_defaults_and_selection() {
    let app = parse(r#"{"healthchecks": {"web": [{"path": "/healthz"}]}}"#);
    assert_eq!(
        app.healthchecks,
        Some(WebHealthcheck {
            path: "/healthz".into(),
            ..WebHealthcheck::default()
        })
    );
    let d = WebHealthcheck::default();
    assert_eq!(d.path, "/");
    assert_eq!(d.attempts, 3);
    assert_eq!(d.wait, Duration::from_secs(5));
    assert_eq!(d.timeout, Duration::from_secs(5));
    assert_eq!(d.initial_delay, Duration::ZERO);
    // Content alone is an HTTP check of `/`.
    let app = parse(r#"{"healthchecks": {"web": [{"type": "", "content": "Welcome"}]}}"#);
    let check = app.healthchecks.unwrap();
    assert_eq!(check.path, "/");
    assert_eq!(check.content.as_deref(), Some("Welcome"));
    // Uptime, listening and command checks are skipped; the next HTTP one is used.
    let app = parse(
        r#"{"healthchecks": {"web": [
                {"type": "startup", "uptime": 10},
                {"type": "startup", "listening": true},
                {"type": "startup", "command": ["/bin/true"], "path": "/x"},
                {"type": "readiness", "path": "/ready"},
                {"path": "/second", "content": ""}
            ]}}"#,
    );
    let check = app.healthchecks.unwrap();
    assert_eq!(check.path, "/second");
    assert_eq!(check.content, None);
    // Only non-startup checks: none.
    for text in [
        r#"{"healthchecks": {"web": [{"type": "liveness", "path": "/l"}]}}"#,
        r#"{"healthchecks": {"web": []}}"#,
        r#"{"healthchecks": {"worker": [{"path": "/x"}]}}"#,
        r#"{"healthchecks": {"web": null}}"#,
        r#"{"healthchecks": null}"#,
    ] {
        assert_eq!(parse(text).healthchecks, None, "{text}");
    }
}

#[test]
fn ignored_checks_are_not_validated() {
    let app = parse(
        r#"{"healthchecks": {"web": [
                {"path": "/ok"},
                {"type": "startup", "path": "bad", "attempts": "many"}
            ]}}"#,
    );
    assert_eq!(app.healthchecks.unwrap().path, "/ok");
}

#[test]
fn healthcheck_errors() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"healthchecks": []}"#,
            "app.json: healthchecks must be an object",
        ),
        (
            r#"{"healthchecks": {"web": {"path": "/"}}}"#,
            "app.json: healthchecks.web must be a list of checks",
        ),
        (
            r#"{"healthchecks": {"web": ["/"]}}"#,
            "app.json: healthchecks.web[0] must be an object",
        ),
        (
            r#"{"healthchecks": {"web": [{"type": "boot", "path": "/"}]}}"#,
            "healthchecks.web[0].type must be one of \"startup\"",
        ),
        (r#"{"healthchecks": {"web": [{"type": 1}]}}"#, "got 1"),
        (
            r#"{"healthchecks": {"web": [{"path": "healthz"}]}}"#,
            "healthchecks.web[0].path must be a path starting with a single `/`",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "http://x/healthz"}]}}"#,
            "got \"http://x/healthz\"",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "//x"}]}}"#,
            "single `/`",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/a b"}]}}"#,
            "no spaces",
        ),
        (r#"{"healthchecks": {"web": [{"path": "/a#b"}]}}"#, "no `#`"),
        (r#"{"healthchecks": {"web": [{"path": 5}]}}"#, "got 5"),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "content": 5}]}}"#,
            "content must be a string",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "attempts": 0}]}}"#,
            "attempts must be a whole number of tries from 1 to 100, got 0",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "attempts": 101}]}}"#,
            "got 101",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "attempts": "3"}]}}"#,
            "got \"3\"",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "attempts": 2.5}]}}"#,
            "got 2.5",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "attempts": -1}]}}"#,
            "got -1",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "timeout": 0}]}}"#,
            "timeout must be a whole number of seconds from 1 to 120",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "timeout": 3600}]}}"#,
            "got 3600",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "wait": 301}]}}"#,
            "wait must be a whole number of seconds from 0 to 300",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "initialDelay": 601}]}}"#,
            "initialDelay must be a whole number of seconds from 0 to 600",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "port": 0}]}}"#,
            "port must be a port number from 1 to 65535, got 0",
        ),
        (
            r#"{"healthchecks": {"web": [{"path": "/", "port": 65536}]}}"#,
            "got 65536",
        ),
    ];
    for (text, needle) in cases {
        let msg = fail(text);
        assert!(msg.starts_with("app.json"), "{msg}");
        assert!(msg.contains(needle), "{text}\n{msg}");
    }
    let long = format!(
        r#"{{"healthchecks": {{"web": [{{"path": "/{}"}}]}}}}"#,
        "a".repeat(2000)
    );
    let msg = fail(&long);
    assert!(msg.contains('…') && msg.len() < 400, "{msg}");
}

#[test]
fn scripts() {
    let app = parse(r#"{"scripts": {"postdeploy": "bundle exec rake bootstrap"}}"#);
    assert_eq!(app.predeploy, None);
    assert_eq!(
        app.postdeploy.as_deref(),
        Some("bundle exec rake bootstrap")
    );
    // Heroku's object form.
    let app = parse(
        r#"{"scripts": {"postdeploy": {"command": "rake db:seed", "size": "performance-l"}}}"#,
    );
    assert_eq!(app.postdeploy.as_deref(), Some("rake db:seed"));
    // Dokku's wins over Heroku's.
    let app = parse(r#"{"scripts": {"postdeploy": "heroku", "dokku": {"postdeploy": "dokku"}}}"#);
    assert_eq!(app.postdeploy.as_deref(), Some("dokku"));
    // Blank means unset; other Heroku scripts are ignored.
    let app = parse(
        r#"{"scripts": {"dokku": {"predeploy": "  "}, "test": "pytest", "pr-predestroy": "x"}}"#,
    );
    assert_eq!(app, AppJson::default());
    let cases: &[(&str, &str)] = &[
        (
            r#"{"scripts": "migrate"}"#,
            "app.json: scripts must be an object",
        ),
        (
            r#"{"scripts": {"dokku": ["x"]}}"#,
            "app.json: scripts.dokku must be an object",
        ),
        (
            r#"{"scripts": {"dokku": {"predeploy": ["python", "x"]}}}"#,
            "app.json: scripts.dokku.predeploy must be a command string",
        ),
        (
            r#"{"scripts": {"dokku": {"postdeploy": true}}}"#,
            "got true",
        ),
        (
            r#"{"scripts": {"postdeploy": {"size": "x"}}}"#,
            "app.json: scripts.postdeploy.command must be a command string such as \"python manage.py migrate\", got nothing (the key is missing)",
        ),
        (
            r#"{"scripts": {"postdeploy": 3}}"#,
            "app.json: scripts.postdeploy must be",
        ),
    ];
    for (text, needle) in cases {
        let msg = fail(text);
        assert!(msg.contains(needle), "{text}\n{msg}");
    }
}

#[test]
fn formation() {
    let app = parse(
        r#"{"formation": {"web": {"quantity": 0}, "clock": {}, "worker": {"quantity": 100}, "gone": null}}"#,
    );
    assert_eq!(
        app.formation,
        vec![(name("clock"), 1), (name("web"), 0), (name("worker"), 100)]
    );
    assert_eq!(
        fail(r#"{"formation": {"web": {"quantity": "two"}}}"#),
        "app.json: formation.web.quantity must be a number from 0 to 100, got \"two\""
    );
    let cases: &[(&str, &str)] = &[
        (r#"{"formation": {"web": {"quantity": 101}}}"#, "got 101"),
        (r#"{"formation": {"web": {"quantity": -2}}}"#, "got -2"),
        (r#"{"formation": {"web": {"quantity": 1.0}}}"#, "got 1.0"),
        (
            r#"{"formation": {"web": 2}}"#,
            "app.json: formation.web must be an object such as {\"quantity\": 1}, got 2",
        ),
        (
            r#"{"formation": [{"process": "web"}]}"#,
            "app.json: formation must be an object",
        ),
        (
            r#"{"formation": {"worker_1": {"quantity": 1}}}"#,
            "app.json: formation.worker_1: process name `worker_1` contains '_'",
        ),
        (
            r#"{"formation": {"Web": {"quantity": 1}}}"#,
            "use lowercase: `web`",
        ),
        (
            r#"{"formation": {"my worker": {"quantity": 1}}}"#,
            "formation[\"my worker\"]",
        ),
        (
            r#"{"formation": {"": {"quantity": 1}}}"#,
            "formation[\"\"]: process name is empty",
        ),
        (
            r#"{"formation": {"release": {"quantity": 1}}}"#,
            "app.json: formation.release: `release` runs once per deploy",
        ),
    ];
    for (text, needle) in cases {
        let msg = fail(text);
        assert!(msg.contains(needle), "{text}\n{msg}");
    }
    assert!(fail(r#"{"formation": {"worker_1": {}}}"#).contains("rename it to `worker-1`"));
}

#[test]
fn cron() {
    let app = parse(
        r#"{"cron": [{"command": " ./a ", "schedule": "0 3 * * *", "concurrency_policy": "forbid"}]}"#,
    );
    assert_eq!(app.cron[0].command, "./a");
    assert_eq!(
        app.cron[0].schedule,
        CronSchedule::parse("0 3 * * *").unwrap()
    );
    assert_eq!(parse(r#"{"cron": []}"#).cron, vec![]);
    let cases: &[(&str, &str)] = &[
        (
            r#"{"cron": {"command": "x"}}"#,
            "app.json: cron must be a list",
        ),
        (
            r#"{"cron": ["0 * * * * ./x"]}"#,
            "app.json: cron[0] must be an object",
        ),
        (
            r#"{"cron": [{"schedule": "@daily"}]}"#,
            "app.json: cron[0].command must be a non-empty command string such as \"python manage.py clearsessions\", got nothing (the key is missing)",
        ),
        (
            r#"{"cron": [{"command": " ", "schedule": "@daily"}]}"#,
            "cron[0].command must be a non-empty",
        ),
        (
            r#"{"cron": [{"command": ["x"], "schedule": "@daily"}]}"#,
            "got a list",
        ),
        (
            r#"{"cron": [{"command": "x"}]}"#,
            "app.json: cron[0].schedule must be a cron schedule string",
        ),
        (r#"{"cron": [{"command": "x", "schedule": 5}]}"#, "got 5"),
        (
            r#"{"cron": [{"command": "x", "schedule": "@daily"}, {"command": "y", "schedule": "61 * * * *"}]}"#,
            "app.json: cron[1].schedule: cron schedule `61 * * * *`: in the minute field, `61` is not valid; use a number from 0 to 59",
        ),
    ];
    for (text, needle) in cases {
        let msg = fail(text);
        assert!(msg.contains(needle), "{text}\n{msg}");
    }
}

#[test]
fn invalid_json_gives_position() {
    let err = AppJson::parse("{\n  \"formation\": {\n    \"web\": {\"quantity\": 1},\n  }\n}")
        .unwrap_err();
    let AppJsonError::Syntax { line, column, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!((*line, *column), (4, 3));
    let msg = err.to_string();
    assert!(
        msg.starts_with("app.json is not valid JSON: trailing comma at line 4, column 3"),
        "{msg}"
    );
    assert!(fail("{").contains("EOF"), "{}", fail("{"));
    assert!(fail("// comment\n{}").contains("line 1, column 1"));
}

#[test]
fn top_level_must_be_an_object() {
    for (text, got) in [
        ("[]", "a list"),
        ("null", "null"),
        ("\"x\"", "\"x\""),
        ("3", "3"),
    ] {
        let msg = fail(text);
        assert!(
            msg.starts_with("app.json: the top level must be a JSON object"),
            "{msg}"
        );
        assert!(msg.ends_with(&format!("got {got}")), "{msg}");
    }
}

#[test]
fn invalid_keeps_expected_and_found_apart() {
    assert_eq!(
        AppJson::parse(r#"{"formation": {"web": {"quantity": "x, got y"}}}"#).unwrap_err(),
        AppJsonError::Invalid {
            path: "formation.web.quantity".into(),
            expected: "a number from 0 to 100".into(),
            got: "\"x, got y\"".into(),
        }
    );
    // The split relies on no expected text containing the separator.
    for (_, expected) in EXPECTED {
        assert!(!expected.contains(GOT), "{expected}");
    }
}

#[test]
fn every_kind_of_wrong_value_is_described() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"cron": [null]}"#,
            "app.json: cron[0] must be an object such as {\"command\": \"./cleanup.sh\", \"schedule\": \"0 3 * * *\"}, got null",
        ),
        (r#"{"cron": [true]}"#, "cron[0] must be an object such as"),
        (r#"{"cron": [-3]}"#, "got -3"),
        (r#"{"cron": [2.5]}"#, "got 2.5"),
        (r#"{"cron": [{}]}"#, "cron[0].command must be"),
        (r#"{"healthchecks": {"web": [{"path": "/"}, false]}}"#, ""),
        (
            r#"{"healthchecks": {"web": [{"type": "liveness"}, false]}}"#,
            "app.json: healthchecks.web[1] must be an object such as {\"type\": \"startup\", \"path\": \"/healthz\"}, got false",
        ),
        (
            r#"{"scripts": {"postdeploy": {"command": 5}}}"#,
            "app.json: scripts.postdeploy.command must be a command string such as \"python manage.py migrate\", got 5",
        ),
        (
            r#"{"scripts": {"dokku": {"postdeploy": {"command": null}}}}"#,
            "scripts.dokku.postdeploy.command must be a command string such as \"python manage.py migrate\", got nothing (the key is missing)",
        ),
        (
            r#"{"healthchecks": {"web": "/healthz"}}"#,
            "app.json: healthchecks.web must be a list of checks such as [{\"type\": \"startup\", \"path\": \"/healthz\"}], got \"/healthz\"",
        ),
    ];
    for (text, needle) in cases {
        match AppJson::parse(text) {
            Ok(_) => assert!(needle.is_empty(), "{text} was accepted"),
            Err(e) => assert!(
                !needle.is_empty() && e.to_string().contains(needle),
                "{text}\n{e}"
            ),
        }
    }
}

#[test]
fn a_bad_process_name_is_reported_before_its_entry() {
    assert!(fail(r#"{"formation": {"Web": {"quantity": 500}}}"#).contains("use lowercase: `web`"));
}

#[test]
fn never_panics() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let _ = AppJson::parse(&deep);
    let deep_obj = format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let _ = AppJson::parse(&deep_obj);
    for text in [
        "\u{0}",
        "{\"cron\": [null]}",
        "{\"formation\": {\"é\": {}}}",
        "{\"healthchecks\": {\"web\": [null]}}",
        "{\"healthchecks\": {\"web\": [{\"port\": 1e400}]}}",
        "{\"formation\": {\"web\": {\"quantity\": 18446744073709551616}}}",
        "{\"a\":1,\"a\":2}",
    ] {
        let _ = AppJson::parse(text);
    }
}

#[test]
fn wharf_builder_forces_a_builder() {
    assert_eq!(parse("{}").builder, None);
    assert_eq!(parse(r#"{"wharf": null}"#).builder, None);
    assert_eq!(parse(r#"{"wharf": {}}"#).builder, None);
    assert_eq!(
        parse(r#"{"wharf": {"builder": "python"}}"#).builder,
        Some(BuilderKind::Python)
    );
    assert_eq!(
        parse(r#"{"wharf": {"builder": "static"}}"#).builder,
        Some(BuilderKind::Static)
    );
    let e = fail(r#"{"wharf": {"builder": "ruby"}}"#);
    assert!(
        e.contains("wharf.builder must be one of \"dockerfile\""),
        "{e}"
    );
    assert!(e.contains("got \"ruby\""), "{e}");
    let e = fail(r#"{"wharf": {"bulider": "python"}}"#);
    assert!(e.contains("app.json: wharf"), "{e}");
    let e = fail(r#"{"wharf": "python"}"#);
    assert!(e.contains("app.json: wharf must be an object"), "{e}");
}

/// Every key Wharf reads from app.json, named by its place in [`EXPECTED`], has its words in
/// the reference: a key added to the reader without documentation fails here.
#[test]
fn the_docs_describe_every_key_read() {
    let docs = include_str!("../../../../docs/procfile-and-app-json.md");
    let mut checked = 0;
    for (path, _) in EXPECTED {
        let keys: Vec<&str> = path.iter().copied().filter(|key| *key != "*").collect();
        let Some(last) = keys.last() else { continue };
        let dotted = keys.join(".");
        assert!(
            docs.contains(&format!("`{last}")) || docs.contains(&format!("`{dotted}")),
            "app.json's `{dotted}` is not in docs/procfile-and-app-json.md"
        );
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}
