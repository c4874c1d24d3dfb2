//! Random input never makes Wharf's file and schedule parsers panic: app.json, cron schedules,
//! the Procfile, the `# wharf.KEY = VALUE` Dockerfile comments, and image references and
//! settings of apps deployed from an image. Besides arbitrary text,
//! each parser gets input built from its own vocabulary (keys, field syntax, names), which
//! reaches far deeper than random bytes; where the result has a promise to keep (an error
//! names its file, a next run is later and matches), that is checked too.

use proptest::prelude::*;
use serde_json::{Map, Value};
use wharf_domain::{
    AppConfig, AppJson, CronSchedule, ImageRef, ImageSettings, Procfile, RegistryHost, UtcDateTime,
};

/// Keys app.json parts use, and some they do not.
const APP_JSON_KEYS: &[&str] = &[
    "healthchecks",
    "web",
    "worker",
    "type",
    "path",
    "content",
    "attempts",
    "wait",
    "timeout",
    "initialDelay",
    "port",
    "command",
    "scripts",
    "dokku",
    "predeploy",
    "postdeploy",
    "formation",
    "quantity",
    "release",
    "cron",
    "schedule",
    "name",
    "env",
    "Web",
    "worker_1",
    "",
    "é",
];

/// Any JSON value, with object keys mostly from [`APP_JSON_KEYS`].
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0u64..200).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "/",
            "/healthz",
            "startup",
            "liveness",
            "boot",
            "@daily",
            "*/5 * * * *",
            "61 * * * *",
            "@reboot",
            "./run",
            " ",
            "//x",
            "/a b",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(APP_JSON_KEYS).prop_map(str::to_owned),
                        1 => ".{0,6}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One cron field, from the pieces of the syntax and some that are not.
fn cron_field() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        3 => Just("*".to_owned()),
        3 => (0u32..13).prop_map(|n| n.to_string()),
        1 => (0u32..70).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec!["jan", "DEC", "mon", "sun", "fri", "x", "", "-", "99999999999"])
            .prop_map(str::to_owned),
    ];
    let item = (
        atom.clone(),
        prop::option::weighted(0.2, atom.clone()),
        prop::option::weighted(0.2, atom),
    )
        .prop_map(|(a, b, step)| {
            let mut item = a;
            if let Some(b) = b {
                item = format!("{item}-{b}");
            }
            if let Some(step) = step {
                item = format!("{item}/{step}");
            }
            item
        });
    prop::collection::vec(item, 1..4).prop_map(|items| items.join(","))
}

/// A schedule: a shortcut, or a few fields (usually five).
fn schedule() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::sample::select(vec![
            "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually",
            "@reboot", "@often", "@", "@DAILY",
        ])
        .prop_map(str::to_owned),
        4 => prop::collection::vec(cron_field(), 5..=5).prop_map(|f| f.join(" ")),
        1 => prop::collection::vec(cron_field(), 0..8).prop_map(|f| f.join(" \t")),
    ]
}

/// Any minute, valid or not, in and far outside the calendar crate's years.
fn minute() -> impl Strategy<Value = UtcDateTime> {
    (
        prop_oneof![1900i32..2200, -10_100i32..10_100, any::<i32>()],
        0u8..14,
        0u8..33,
        0u8..25,
        0u8..61,
    )
        .prop_map(|(year, month, day, hour, minute)| UtcDateTime {
            year,
            month,
            day,
            hour,
            minute,
        })
}

/// Procfile lines from its vocabulary.
fn procfile() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        (
            prop::sample::select(vec![
                "web",
                "worker",
                "release",
                "Web",
                "w_1",
                "",
                " web",
                "a".repeat(70).leak()
            ]),
            prop::sample::select(vec![":", ": ", " : ", "::", ""]),
            ".{0,20}",
        )
            .prop_map(|(name, colon, command)| format!("{name}{colon}{command}")),
        prop::sample::select(vec!["# comment", "", "   ", "\r", "\u{feff}web: x"])
            .prop_map(str::to_owned),
        ".{0,30}",
    ];
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

/// Dockerfiles with `# wharf.KEY = VALUE` settings among other lines.
fn dockerfile() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "app",
        "service",
        "servicename",
        "domain",
        "url",
        "port",
        "scale",
        "volume",
        "env",
        "healthcheck",
        "maxmem",
        "maxcpu",
        "https",
        "placement",
        "nope",
        "",
        "PORT",
    ]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "blog",
            "blog.example.com",
            "https://x.example.com/",
            "8000",
            "0",
            "65536",
            "2",
            "101",
            "media:/app/media",
            "/srv:/data",
            "KEY=VALUE",
            "=",
            "/healthz 5s",
            "512m",
            "0.5",
            "-1",
            "true",
            "maybe",
            "node.labels.role == web",
            "node.role != x, node.id==",
            "",
            " ",
        ])
        .prop_map(str::to_owned),
        ".{0,20}",
    ];
    let line = prop_oneof![
        (
            prop::sample::select(vec!["# wharf.", "#wharf.", "# mypaas.", "  #  wharf."]),
            key,
            prop::sample::select(vec![" = ", "=", ": ", " "]),
            value,
        )
            .prop_map(|(prefix, key, eq, value)| format!("{prefix}{key}{eq}{value}")),
        prop::sample::select(vec![
            "FROM alpine",
            "EXPOSE 8000",
            "EXPOSE 80/tcp 443",
            "# hello",
            ""
        ])
        .prop_map(str::to_owned),
        ".{0,30}",
    ];
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #[test]
    fn app_json_from_any_text(text in ".{0,200}") {
        if let Err(e) = AppJson::parse(&text) {
            prop_assert!(e.to_string().starts_with("app.json"), "{e}");
        }
    }

    #[test]
    fn app_json_from_any_json(value in json()) {
        match AppJson::parse(&value.to_string()) {
            Ok(app) => {
                prop_assert!(app.formation.windows(2).all(|w| w[0].0 < w[1].0));
                prop_assert!(app.formation.iter().all(|(n, _)| n.as_str() != "release"));
                prop_assert!(app.cron.iter().all(|job| !job.command.trim().is_empty()));
            }
            Err(e) => prop_assert!(e.to_string().starts_with("app.json"), "{e}"),
        }
    }

    #[test]
    fn app_json_from_any_manifest(parts in prop::collection::vec(
        (prop::sample::select(vec!["healthchecks", "scripts", "formation", "cron"]), json()), 0..4)
    ) {
        let root: Map<String, Value> = parts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        if let Err(e) = AppJson::parse(&Value::Object(root).to_string()) {
            prop_assert!(e.to_string().starts_with("app.json: "), "{e}");
        }
    }

    #[test]
    fn cron_from_any_text(text in ".{0,60}", t in minute()) {
        if let Ok(s) = CronSchedule::parse(&text) {
            let _ = s.next_after(t);
            let _ = s.matches(t);
        }
    }

    #[test]
    fn cron_next_run_is_later_and_matches(text in schedule(), t in minute()) {
        match CronSchedule::parse(&text) {
            Ok(s) => {
                if let Some(next) = s.next_after(t) {
                    prop_assert!(next > t, "{text}: {next} after {t:?}");
                    prop_assert!(s.matches(next), "{text}: {next}");
                }
            }
            Err(e) => prop_assert!(e.to_string().starts_with("cron schedule `"), "{e}"),
        }
    }

    #[test]
    fn unix_seconds_from_any_number(secs in any::<i64>()) {
        if let Some(t) = UtcDateTime::from_unix_seconds(secs) {
            prop_assert!(t.is_valid());
            prop_assert_eq!(t.to_unix_seconds(), Some(secs - secs.rem_euclid(60)));
        }
    }

    #[test]
    fn procfile_from_any_text(text in ".{0,200}") {
        let _ = Procfile::parse(&text);
    }

    #[test]
    fn procfile_from_its_vocabulary(text in procfile()) {
        if let Err(e) = Procfile::parse(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn dockerfile_config_from_any_text(text in ".{0,200}") {
        let _ = AppConfig::from_dockerfile(&text);
    }

    #[test]
    fn dockerfile_config_from_its_vocabulary(text in dockerfile()) {
        if let Err(e) = AppConfig::from_dockerfile(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn image_references_from_any_text(text in "[a-zA-Z0-9:/@._ -]{0,80}|.{0,80}") {
        if let Ok(image) = ImageRef::parse(&text) {
            // What is accepted is one line, so it cannot add a line to the Dockerfile.
            prop_assert!(!image.as_str().contains(['\n', '\r']));
            prop_assert!(RegistryHost::parse(image.registry().as_str()).is_ok());
        }
    }

    #[test]
    fn image_settings_from_any_text(items in prop::collection::vec(".{0,40}|(port|domain|scale|env|healthcheck)=.{0,20}", 0..4)) {
        if let Ok(settings) = ImageSettings::parse(&items) {
            let image = ImageRef::parse("busybox").unwrap();
            let text = settings.dockerfile(&image);
            // Every line but the last is a setting: nothing else reaches the Dockerfile.
            let lines: Vec<&str> = text.lines().collect();
            prop_assert_eq!(lines.len(), items.len() + 1);
            prop_assert!(lines[..items.len()].iter().all(|l| l.starts_with("# wharf.")));
            prop_assert!(AppConfig::from_dockerfile(&text).is_ok());
        }
    }
}

/// The schedules [`schedule`] builds are often valid, so the property on next runs is tested.
#[test]
fn built_schedules_are_often_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = schedule();
    let valid = (0..400)
        .filter_map(|_| strategy.new_tree(&mut runner).ok())
        .filter(|tree| CronSchedule::parse(&tree.current()).is_ok())
        .count();
    assert!(valid >= 40, "only {valid} of 400 built schedules parse");
}
