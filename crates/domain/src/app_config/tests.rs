//! Tests of the settings read from Dockerfile comments: every key, both prefixes, and the errors that name the line.

use super::*;
use crate::VolumeSource;

fn parse(text: &str) -> AppConfig {
    AppConfig::from_dockerfile(text).unwrap()
}

fn fail(text: &str) -> ConfigError {
    AppConfig::from_dockerfile(text).unwrap_err()
}

#[test]
fn empty_and_unrelated_dockerfiles_give_defaults() {
    assert_eq!(parse(""), AppConfig::default());
    let df = "# syntax=docker/dockerfile:1\nFROM python:3.12\n# just a note\nRUN echo '# wharf.port = 1'\n#--- wharf.port = 1\n";
    assert_eq!(parse(df), AppConfig::default());
    assert_eq!(
        AppConfig::default().scale,
        1,
        "start-first unless asked otherwise"
    );
}

#[test]
fn full_example() {
    let df = "\
# wharf.app = blog
# wharf.domain = blog.example.com
# wharf.domain = www.blog.example.com, Blog.Example.org
# wharf.port = 8000
# wharf.scale = 2
# wharf.healthcheck = /healthz
# wharf.volume = blog-media:/app/media
# wharf.volume = /srv/blog/config:/app/config:ro
# wharf.env = DJANGO_SETTINGS_MODULE=blog.settings
# wharf.env = EMPTY=
# wharf.maxmem = 512m
# wharf.maxcpu = 1.5
# wharf.https = no
FROM python:3.12-slim
CMD gunicorn blog.wsgi
";
    let c = parse(df);
    assert_eq!(c.app, Some(AppName::parse("blog").unwrap()));
    let domains: Vec<&str> = c.domains.iter().map(WebAddress::as_str).collect();
    assert_eq!(
        domains,
        [
            "blog.example.com",
            "www.blog.example.com",
            "blog.example.org"
        ]
    );
    assert_eq!(c.port, Some(8000));
    assert_eq!(c.scale, 2);
    assert_eq!(c.healthcheck.as_deref(), Some("/healthz"));
    assert_eq!(c.volumes.len(), 2);
    assert_eq!(
        c.volumes[0].source,
        VolumeSource::Named("blog-media".into())
    );
    assert!(c.volumes[1].read_only);
    assert_eq!(
        c.env,
        vec![
            ("DJANGO_SETTINGS_MODULE".into(), "blog.settings".into()),
            ("EMPTY".into(), String::new())
        ]
    );
    assert_eq!(c.max_memory, Some(512 * 1024 * 1024));
    assert_eq!(c.max_cpus, Some(1.5));
    assert_eq!(c.https, Some(false));
}

#[test]
fn flexible_whitespace_and_line_endings() {
    for line in [
        "#wharf.port=80",
        "# wharf.port = 80",
        "   #   wharf.port   =   80   ",
        "\t#\twharf.port\t=\t80\t",
        "# wharf.port = 80\r",
    ] {
        assert_eq!(parse(line).port, Some(80), "{line:?}");
    }
    assert_eq!(
        parse("\u{feff}# wharf.port = 81\r\nFROM x\r\n").port,
        Some(81)
    );
}

#[test]
fn mypaas_prefix_and_aliases() {
    let c = parse(
        "# mypaas.service = hello-world\n# mypaas.url = https://example.com\n# mypaas.url=http://www.example.com/\n# mypaas.port = 8080",
    );
    assert_eq!(c.app.as_ref().map(AppName::as_str), Some("hello-world"));
    let domains: Vec<&str> = c.domains.iter().map(WebAddress::as_str).collect();
    assert_eq!(domains, ["example.com", "www.example.com"]);
    assert!(c.mypaas);
    assert_eq!(c.port, Some(8080));
    assert_eq!(
        parse("# mypaas.servicename = myservice")
            .app
            .map(String::from),
        Some("myservice".into())
    );
    assert_eq!(parse("# wharf.url = example.com").domains.len(), 1);
    // Prefixes can be mixed.
    let c = parse("# wharf.app = a\n# mypaas.port = 1");
    assert_eq!((c.app.is_some(), c.port, c.mypaas), (true, Some(1), true));
    assert!(!parse("# wharf.app = a\n# wharf.url = https://a.com").mypaas);
    // A MyPaas prefix on a prose comment is not a setting.
    assert!(!parse("# Mypaas. is what this app came from").mypaas);
}

#[test]
fn urls_and_domains_with_a_path() {
    for dockerfile in [
        "# mypaas.url = https://example.com/blog",
        "# wharf.url = https://Example.com/blog/",
        "# wharf.url = example.com/blog",
        "# wharf.domain = example.com/blog",
    ] {
        let c = parse(dockerfile);
        assert_eq!(c.domains.len(), 1, "{dockerfile}");
        let address = &c.domains[0];
        assert_eq!(
            (address.domain().as_str(), address.path()),
            ("example.com", Some("/blog")),
            "{dockerfile}"
        );
    }
    let c = parse("# mypaas.url = https://example.com, https://example.com/blog/api");
    let addresses: Vec<&str> = c.domains.iter().map(WebAddress::as_str).collect();
    assert_eq!(addresses, ["example.com", "example.com/blog/api"]);
    // The same path twice is listed twice; a trailing slash is the same path.
    let e = fail("# wharf.url = https://a.com/x\n# wharf.domain = a.com/x/");
    assert_eq!(
        e.kind,
        ConfigErrorKind::DuplicateDomain {
            domain: "a.com/x".into(),
            first_line: 1
        }
    );
    let e = fail("# wharf.domain = example.com/a b");
    assert!(matches!(e.kind, ConfigErrorKind::Path { .. }), "{e}");
    assert!(e.to_string().contains("invalid `wharf.domain`"), "{e}");
    let e = fail("# mypaas.url = https://example.com/blog/../x");
    assert!(e.to_string().contains("`..`"), "{e}");
}

#[test]
fn url_errors() {
    for value in [
        "https://example.com/blog?page=2",
        "https://example.com?x=1",
        "https://example.com/#top",
    ] {
        let e = fail(&format!("# mypaas.url = {value}"));
        assert!(matches!(e.kind, ConfigErrorKind::Url { .. }), "{value}");
        assert!(e.to_string().contains("query"), "{e}");
    }
    assert!(matches!(
        fail("# mypaas.url = ftp://example.com").kind,
        ConfigErrorKind::Url { .. }
    ));
    let e = fail("# mypaas.url = https://example.com:8443");
    assert!(e.to_string().contains("remove the port"), "{e}");
    assert!(matches!(
        fail("# mypaas.url = https://").kind,
        ConfigErrorKind::Domain { .. }
    ));
}

#[test]
fn app_aliases_conflict() {
    let e = fail("# wharf.app = a\n# mypaas.service = b");
    assert_eq!(e.line, 2);
    assert_eq!(
        e.kind,
        ConfigErrorKind::Repeated {
            setting: "mypaas.service".into(),
            first_line: 1
        }
    );
    assert_eq!(
        e.to_string(),
        "Dockerfile line 2: `mypaas.service` is set again (it was already set on line 1); keep only one"
    );
}

#[test]
fn repeated_single_settings_name_both_lines() {
    for key in [
        "app = x",
        "port = 80",
        "scale = 1",
        "healthcheck = /",
        "maxmem = 1g",
        "maxcpu = 1",
        "https = true",
    ] {
        let df = format!("FROM x\n# wharf.{key}\nRUN y\n# wharf.{key}\n");
        let e = fail(&df);
        assert_eq!(e.line, 4, "{key}");
        assert!(
            matches!(e.kind, ConfigErrorKind::Repeated { first_line: 2, .. }),
            "{key}"
        );
    }
}

#[test]
fn duplicate_domains_env_volumes() {
    let e = fail("# wharf.domain = a.com\n# wharf.domain = b.com, A.COM.");
    assert_eq!(e.line, 2);
    assert_eq!(
        e.kind,
        ConfigErrorKind::DuplicateDomain {
            domain: "a.com".into(),
            first_line: 1
        }
    );
    let e = fail("# wharf.domain = a.com, a.com");
    assert_eq!(
        e.kind,
        ConfigErrorKind::DuplicateDomain {
            domain: "a.com".into(),
            first_line: 1
        }
    );
    let e = fail("# wharf.url = https://a.com\n# wharf.domain = a.com");
    assert!(matches!(e.kind, ConfigErrorKind::DuplicateDomain { .. }));
    let e = fail("# wharf.env = A=1\n\n# wharf.env = A=2");
    assert_eq!(
        (e.line, e.kind),
        (
            3,
            ConfigErrorKind::DuplicateEnv {
                key: "A".into(),
                first_line: 1
            }
        )
    );
    // Names are case-sensitive.
    assert_eq!(parse("# wharf.env = A=1\n# wharf.env = a=2").env.len(), 2);
    let e = fail("# wharf.volume = x1:/data\n# wharf.volume = /srv:/data/:ro");
    assert_eq!(e.line, 2);
    assert!(matches!(
        e.kind,
        ConfigErrorKind::DuplicateVolumeTarget { first_line: 1, .. }
    ));
}

#[test]
fn unknown_key_with_suggestion() {
    let e = fail("FROM x\n\n\n# wharf.domian = a.com");
    assert_eq!(e.line, 4);
    let msg = e.to_string();
    assert!(msg.starts_with("Dockerfile line 4: unknown setting `wharf.domian`; did you mean `domain`? known settings: app, domain,"), "{msg}");
    for (typo, want) in [
        ("domains", "domain"),
        ("prot", "port"),
        ("max_mem", "maxmem"),
        ("memory", "maxmem"),
        ("cpus", "maxcpu"),
        ("volumes", "volume"),
        ("environment", "env"),
        ("health-check", "healthcheck"),
        ("replicas", "scale"),
        ("ssl", "https"),
        ("name", "app"),
        ("ap", "app"),
    ] {
        let e = fail(&format!("# wharf.{typo} = 1"));
        assert!(
            matches!(e.kind, ConfigErrorKind::UnknownKey { suggestion: Some(s), .. } if s == want),
            "{typo}: {e}"
        );
    }
}

#[test]
fn unknown_key_without_suggestion() {
    let e = fail("# wharf.zzzzzz = 1");
    assert!(matches!(
        e.kind,
        ConfigErrorKind::UnknownKey {
            suggestion: None,
            ..
        }
    ));
    let msg = e.to_string();
    assert!(!msg.contains("did you mean"), "{msg}");
    assert!(msg.contains("known settings: app, domain, port, scale, volume, env, healthcheck, maxmem, maxcpu, https"), "{msg}");
}

#[test]
fn key_case_is_an_error_with_the_right_spelling() {
    let e = fail("# wharf.Port = 80");
    assert_eq!(
        e.kind,
        ConfigErrorKind::KeyCase {
            given: "wharf.Port".into(),
            expected: "wharf.port".into()
        }
    );
    assert!(e.to_string().contains("write `wharf.port`"), "{e}");
    let e = fail("# WHARF.port = 80");
    assert_eq!(
        e.kind,
        ConfigErrorKind::PrefixCase {
            given: "WHARF.port".into(),
            expected: "wharf.port".into()
        }
    );
    let e = fail("# MyPaas.URL = https://a.com");
    assert_eq!(
        e.kind,
        ConfigErrorKind::PrefixCase {
            given: "MyPaas.URL".into(),
            expected: "mypaas.url".into()
        }
    );
    // Prose that merely starts with the word is not a setting.
    assert_eq!(
        parse("# Wharf. Deploys this app.\n# Wharf.io: docs = here"),
        AppConfig::default()
    );
}

#[test]
fn malformed_setting_lines() {
    for bad in [
        "# wharf.port",
        "# wharf.",
        "# wharf. = 1",
        "# wharf.my key = 1",
        "#wharf.port 80",
    ] {
        let e = fail(bad);
        assert_eq!(e.line, 1, "{bad}");
        assert!(
            matches!(e.kind, ConfigErrorKind::NotASetting { .. }),
            "{bad}: {e:?}"
        );
    }
    assert!(
        fail("# wharf.port")
            .to_string()
            .contains("# wharf.KEY = VALUE")
    );
}

#[test]
fn unsupported_mypaas_key() {
    let e = fail("# mypaas.publish = 8080:80");
    assert!(matches!(e.kind, ConfigErrorKind::Unsupported { .. }));
    assert!(e.to_string().contains("not supported"), "{e}");
}

#[test]
fn empty_values() {
    for key in DOCKERFILE_KEYS.iter().flat_map(|k| k.names()) {
        let e = fail(&format!("# wharf.{key} ="));
        assert!(
            matches!(e.kind, ConfigErrorKind::EmptyValue { .. }),
            "{key}"
        );
        assert!(!e.to_string().ends_with("a value"), "{key}: {e}");
    }
}

#[test]
fn bad_values_name_line_and_expectation() {
    let cases: &[(&str, &str)] = &[
        ("app = My App", "app name"),
        ("app = wharf", "reserved"),
        ("domain = *.a.com", "wildcards"),
        ("domain = a.com,", "domain is empty"),
        ("port = 0", "1 to 65535"),
        ("port = 65536", "1 to 65535"),
        ("port = 80/tcp", "1 to 65535"),
        ("port = -1", "1 to 65535"),
        ("scale = 101", "0 to 100"),
        ("scale = -1", "0 to 100"),
        ("scale = two", "0 to 100"),
        ("volume = ./data:/data", "absolute"),
        ("env = 1X=2", "letters, digits"),
        ("healthcheck = healthz", "start with `/`"),
        ("healthcheck = http://x/healthz", "not a full URL"),
        ("healthcheck = //x", "single `/`"),
        ("healthcheck = /a\u{7}b", "control characters"),
        ("healthcheck = /a b", "`b` is not a duration"),
        ("healthcheck = /a 1s 2x", "`2x` is not a duration"),
        ("healthcheck = /a 0s", "`0s` is not a duration"),
        ("healthcheck = /a 1s 2s 3s", "an interval and a timeout"),
        ("env = NO-VALUE", "KEY=VALUE"),
        ("healthcheck = /a#b", "`#`"),
        ("maxmem = 1m", "minimum"),
        ("maxmem = lots", "512m"),
        ("maxcpu = 0", "0.01"),
        ("maxcpu = 2000", "1024"),
        ("https = maybe", "`true` or `false`"),
    ];
    for (setting, needle) in cases {
        let df = format!("FROM x\n# wharf.{setting}\n");
        let e = fail(&df);
        assert_eq!(e.line, 2, "{setting}");
        let msg = e.to_string();
        assert!(msg.starts_with("Dockerfile line 2: "), "{msg}");
        assert!(msg.contains(needle), "{setting}: {msg}");
    }
    let long = format!("# wharf.healthcheck = /{}", "a".repeat(2000));
    assert!(fail(&long).to_string().contains("too long"));
}

#[test]
fn mypaas_healthcheck_takes_an_interval_and_a_timeout() {
    let c = parse("# mypaas.healthcheck = /status 11s 2s\nFROM x");
    assert_eq!(c.healthcheck.as_deref(), Some("/status"));
    assert_eq!(c.healthcheck_interval, Some(Duration::from_secs(11)));
    assert_eq!(c.healthcheck_timeout, Some(Duration::from_secs(2)));
    let c = parse("# wharf.healthcheck = /h?x=1   500ms");
    assert_eq!(c.healthcheck.as_deref(), Some("/h?x=1"));
    assert_eq!(c.healthcheck_interval, Some(Duration::from_millis(500)));
    assert_eq!(c.healthcheck_timeout, None);
    let c = parse("# wharf.healthcheck = / 1m 3");
    assert_eq!(c.healthcheck_interval, Some(Duration::from_secs(60)));
    assert_eq!(c.healthcheck_timeout, Some(Duration::from_secs(3)));
    let c = parse("# wharf.healthcheck = /healthz");
    assert_eq!(
        (c.healthcheck_interval, c.healthcheck_timeout),
        (None, None)
    );
    let e = fail("FROM x\n\n# mypaas.healthcheck = /status 11s 2z");
    assert_eq!(e.line, 3);
    let msg = e.to_string();
    assert!(
        msg.contains("`mypaas.healthcheck`") && msg.contains("`2z`"),
        "{msg}"
    );
}

#[test]
fn an_env_name_without_a_value_comes_from_the_config_vars() {
    let c = parse("# mypaas.env = EXAMPLE_SECRET\n# wharf.env = A=1\nFROM x\n# wharf.env = _OTHER");
    assert_eq!(c.env, vec![("A".to_string(), "1".to_string())]);
    let names: Vec<(&str, usize, &str)> = c
        .env_from_config
        .iter()
        .map(|e| (e.name.as_str(), e.line, e.setting.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("EXAMPLE_SECRET", 1, "mypaas.env"),
            ("_OTHER", 4, "wharf.env")
        ]
    );
    let msg = c.env_from_config[0].missing_message("blog");
    assert_eq!(
        msg,
        "`EXAMPLE_SECRET` (Dockerfile line 1: `mypaas.env = EXAMPLE_SECRET`) takes its value from the server's config, which has none: set it with `wharf config set blog EXAMPLE_SECRET=...`, then deploy again"
    );
    // Either form counts once.
    let e = fail("# wharf.env = A=1\n# mypaas.env = A");
    assert_eq!(e.line, 2);
    assert!(e.to_string().contains("line 1"), "{e}");
    let e = fail("# wharf.env = A\n# mypaas.env = A=2");
    assert_eq!(e.line, 2);
    assert!(e.to_string().contains("line 1"), "{e}");
    // Not a name: still the assignment error.
    let msg = fail("# wharf.env = 1X").to_string();
    assert!(msg.contains("KEY=VALUE"), "{msg}");
    // An older snapshot without the new fields still loads.
    let json = serde_json::to_string(&AppConfig::default()).unwrap();
    assert!(!json.contains("env_from_config"), "{json}");
    assert_eq!(
        serde_json::from_str::<AppConfig>(&json).unwrap(),
        AppConfig::default()
    );
}

#[test]
fn first_error_wins() {
    let e = fail("# wharf.port = x\n# wharf.scale = y");
    assert_eq!(e.line, 1);
}

#[test]
fn booleans() {
    for (v, want) in [
        ("true", true),
        ("YES", true),
        ("1", true),
        ("on", true),
        ("False", false),
        ("no", false),
        ("0", false),
        ("off", false),
    ] {
        assert_eq!(
            parse(&format!("# wharf.https = {v}")).https,
            Some(want),
            "{v}"
        );
    }
}

#[test]
fn value_keeps_inner_equals_and_spaces() {
    let c = parse("# wharf.env = GREETING=hello = world  ");
    assert_eq!(c.env, vec![("GREETING".into(), "hello = world".into())]);
}

#[test]
fn scale_and_port_bounds() {
    assert_eq!(parse("# wharf.scale = 0").scale, 0);
    assert_eq!(
        parse("# mypaas.scale = 0").scale,
        0,
        "MyPaas's stop-first, written out"
    );
    assert_eq!(parse("FROM busybox").scale, DEFAULT_SCALE);
    assert_eq!(parse("# wharf.scale = 100").scale, 100);
    assert_eq!(parse("# wharf.port = 1").port, Some(1));
    assert_eq!(parse("# wharf.port = 65535").port, Some(65535));
    assert!(
        fail("# wharf.scale = 99999999999999999999")
            .to_string()
            .contains("0 to 100")
    );
}

#[test]
fn effective_port_rule() {
    let none = AppConfig::default();
    assert_eq!(none.effective_port(&[]), 80);
    assert_eq!(none.effective_port(&[3000]), 3000);
    assert_eq!(none.effective_port(&[3000, 4000]), 80);
    let set = AppConfig {
        port: Some(8000),
        ..AppConfig::default()
    };
    assert_eq!(set.effective_port(&[]), 8000);
    assert_eq!(set.effective_port(&[3000]), 8000);
    let df = "FROM x\nEXPOSE 5000\n";
    let c = parse(df);
    assert_eq!(c.effective_port(&crate::exposed_ports(df)), 5000);
}

#[test]
fn suggestion_helpers() {
    assert_eq!(edit_distance("", ""), 0);
    assert_eq!(edit_distance("abc", ""), 3);
    assert_eq!(edit_distance("domian", "domain"), 2);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(suggest("zzzz"), None);
}

#[test]
fn known_keys_message_is_generated_from_the_table() {
    assert_eq!(
        known_keys_text(),
        "app, domain, port, scale, volume, env, healthcheck, maxmem, maxcpu, https, asset_cache, placement (MyPaas names also work: service, servicename, url)"
    );
}

#[test]
fn the_docs_describe_every_key() {
    let docs = include_str!("../../../../docs/dockerfile-config.md");
    for key in DOCKERFILE_KEYS {
        for name in key.names() {
            assert!(docs.contains(&format!("`{name}`")), "{name}");
        }
        assert!(!key.doc.is_empty(), "{}", key.name);
        if key.mypaas_name {
            continue;
        }
        let repeatable = if key.repeatable { "yes" } else { "no" };
        let row = format!("| [`{0}`](#{0}) | {repeatable} |", key.name);
        assert!(docs.contains(&row), "no row `{row}` in the settings table");
        let section = format!("\n### `{}`\n", key.name);
        assert!(docs.contains(&section), "no section for `{}`", key.name);
    }
}

#[test]
fn never_panics_on_odd_lines() {
    for line in [
        "#",
        "# ",
        "#wharf",
        "#wharf.",
        "# wharf.=",
        "# wharf.==",
        "# mypaas.é=1",
        "# wharfé.x=1",
        "# wh",
        "#\u{0}wharf.port=1",
        "# wharf.port = ٣",
    ] {
        let _ = AppConfig::from_dockerfile(line);
    }
}

#[test]
fn asset_cache_is_a_boolean_off_by_default() {
    assert!(!AppConfig::from_dockerfile("FROM x\n").unwrap().asset_cache);
    let on = AppConfig::from_dockerfile("# wharf.asset_cache = yes\nFROM x\n").unwrap();
    assert!(on.asset_cache);
    let err = AppConfig::from_dockerfile("# wharf.asset_cache = always\nFROM x\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid `wharf.asset_cache` `always`: expected `true` or `false`"),
        "{err}"
    );
}

#[test]
fn placement_rules_are_repeated_or_comma_separated_and_kept_once() {
    let c = parse(
        "# wharf.placement = node.labels.role == web\n\
         # mypaas.placement = node.hostname!=node3, node.role == worker\n\
         # wharf.placement = node.labels.role==web\n",
    );
    let rules: Vec<String> = c.placement.iter().map(ToString::to_string).collect();
    assert_eq!(
        rules,
        [
            "node.labels.role==web",
            "node.hostname!=node3",
            "node.role==worker"
        ]
    );
    assert!(parse("FROM busybox").placement.is_empty());
}

#[test]
fn a_bad_placement_rule_names_the_line_the_setting_the_rule_and_the_forms() {
    let err = fail("FROM busybox\n# wharf.placement = node.labels.role == web, role = web");
    assert_eq!(err.line, 2);
    let msg = err.to_string();
    assert!(msg.contains("invalid `wharf.placement`"), "{msg}");
    assert!(msg.contains("`role = web`"), "{msg}");
    assert!(msg.contains("FIELD == VALUE or FIELD != VALUE"), "{msg}");
    assert!(msg.contains("node.labels.KEY"), "{msg}");
    let err = fail("# wharf.constraint = node.role == manager");
    assert!(
        err.to_string().contains("did you mean `placement`"),
        "{err}"
    );
}
