//! Tests of image references, registries and the settings of an app deployed from an image.

use super::*;

#[test]
fn references_docker_accepts_are_read_with_their_registry() {
    for (given, registry) in [
        ("nginx", "docker.io"),
        ("nginx:1.27", "docker.io"),
        ("library/nginx:1.27-alpine", "docker.io"),
        ("ghcr.io/team/app:v1.2.3", "ghcr.io"),
        ("127.0.0.1:5000/team/hello:1", "127.0.0.1:5000"),
        ("localhost/app", "localhost"),
        (
            "registry.example.com:5000/a/b/c",
            "registry.example.com:5000",
        ),
        ("my_org/my__app-x", "docker.io"),
        (
            "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "docker.io",
        ),
    ] {
        let image = ImageRef::parse(given).unwrap_or_else(|e| panic!("{given}: {e}"));
        assert_eq!(image.as_str(), given);
        assert_eq!(image.registry().as_str(), registry, "{given}");
    }
}

#[test]
fn bad_references_say_what_is_wrong() {
    for (given, words) in [
        ("", "empty"),
        ("Nginx", "path"),
        ("nginx:", "tag"),
        ("nginx:-x", "tag"),
        ("team//app", "path"),
        ("app name", "space"),
        ("app\nRUN rm -rf /", "control"),
        ("app@sha256:abc", "digest"),
        ("app@md5:00", "digest"),
        ("ghcr.io:99999/app", "registry"),
    ] {
        let err = ImageRef::parse(given).unwrap_err().to_string();
        assert!(err.contains(words), "{given:?}: {err}");
        assert!(err.contains("e.g."), "{err}");
    }
    assert!(ImageRef::parse(&format!("a:{}", "1".repeat(300))).is_err());
}

#[test]
fn registries_are_lowercase_hosts_and_docker_hub_has_one_name() {
    assert_eq!(RegistryHost::parse("GHCR.io").unwrap().as_str(), "ghcr.io");
    assert_eq!(
        RegistryHost::parse("https://registry.example.com:5000/")
            .unwrap()
            .as_str(),
        "registry.example.com:5000"
    );
    assert_eq!(
        RegistryHost::parse("index.docker.io").unwrap(),
        RegistryHost::docker_hub()
    );
    assert_eq!(
        RegistryHost::docker_hub().engine_key(),
        "https://index.docker.io/v1/"
    );
    assert_eq!(
        RegistryHost::parse("127.0.0.1:5000").unwrap().engine_key(),
        "127.0.0.1:5000"
    );
    for bad in ["", "a b", "-x.io", "x.io:0", "x.io:port", "x.io/path"] {
        assert!(RegistryHost::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn settings_become_the_dockerfile_comments_their_parser_reads() {
    let settings =
        ImageSettings::parse(&["port=8080", "domain = hello.example.com", "wharf.scale=2"])
            .unwrap();
    let image = ImageRef::parse("ghcr.io/team/hello:1").unwrap();
    let text = settings.dockerfile(&image);
    assert_eq!(
        text,
        "# wharf.port = 8080\n# wharf.domain = hello.example.com\n# wharf.scale = 2\nFROM ghcr.io/team/hello:1\n"
    );
    let config = AppConfig::from_dockerfile(&text).unwrap();
    assert_eq!(config.port, Some(8080));
    assert_eq!(config.scale, 2);
    let back: Vec<String> = settings.clone().into();
    assert_eq!(ImageSettings::parse(&back).unwrap(), settings);
}

#[test]
fn bad_settings_are_refused_naming_the_setting() {
    for (given, words) in [
        (vec!["port"], "KEY=VALUE"),
        (vec!["port=eighty"], "port=eighty"),
        (vec!["colour=blue"], "colour"),
        (vec!["app=other"], "--app"),
        (vec!["domain=a.example.com\nRUN id"], "line break"),
        (vec!["port=80", "port=81"], "port=81"),
    ] {
        let err = ImageSettings::parse(&given).unwrap_err().to_string();
        assert!(err.contains(words), "{given:?}: {err}");
    }
}
