//! app.json's predeploy command keeps what it writes, as on Dokku: the release's image is the
//! predeploy container committed with the image's own config, its processes see the files,
//! a rollback gets them back, and the release's secrets stay out of the image.

use super::harness::*;
use std::process::Command;

fn write_app(dir: &std::path::Path, app: &str, predeploy: &str) {
    std::fs::write(
        dir.join("Dockerfile"),
        format!(
            "# wharf.app = {app}\n# wharf.domain = {app}.example.com\nFROM busybox:latest\n\
             RUN mkdir -p /www && echo built > /www/index.html\nEXPOSE 8080\n\
             CMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"
        ),
    )
    .unwrap();
    let app_json = serde_json::json!({ "scripts": { "dokku": { "predeploy": predeploy } } });
    std::fs::write(dir.join("app.json"), app_json.to_string()).unwrap();
}

fn inspect(image: &str, format: &str) -> String {
    let out = Command::new("docker")
        .args(["image", "inspect", "-f", format, image])
        .output()
        .unwrap();
    stdout(&out).trim().to_string()
}

#[test]
fn predeploy_changes_are_in_the_deployed_image() {
    let d = Daemon::start();
    let app = unique("predeploy");
    let domain = format!("{app}.example.com");
    let dir = tempfile::tempdir().unwrap();
    d.wharf_ok(&["config", "set", &app, "SECRET=hush-9f3a"]);
    write_app(
        dir.path(),
        &app,
        "echo made by predeploy v1 $(echo $SECRET | wc -c) > /www/index.html",
    );
    let out = d.deploy_ok(dir.path());
    assert!(out.contains("Predeploy's changes kept"), "{out}");
    assert_eq!(
        d.get(&domain, "/").unwrap(),
        (200, "made by predeploy v1 10\n".to_string()),
        "the web process serves what predeploy wrote"
    );

    // The image keeps its own config, and no secret of the release.
    let image = format!("wharf/{app}:v1");
    assert_eq!(
        inspect(&image, "{{json .Config.Cmd}}"),
        r#"["httpd","-f","-p","8080","-h","/www"]"#
    );
    assert_eq!(inspect(&image, "{{json .Config.Entrypoint}}"), "[]");
    assert_eq!(
        inspect(&image, "{{json .Config.ExposedPorts}}"),
        r#"{"8080/tcp":{}}"#
    );
    let everything = inspect(&image, "{{json .}}");
    assert!(!everything.contains("hush-9f3a"), "{everything}");
    assert!(!everything.contains("wharf.task"), "{everything}");
    let history = Command::new("docker")
        .args(["history", "--no-trunc", &image])
        .output()
        .unwrap();
    assert!(!stdout(&history).contains("hush-9f3a"));

    // A second release's predeploy writes something else; a rollback brings v1's files back.
    write_app(
        dir.path(),
        &app,
        "echo made by predeploy v2 > /www/index.html",
    );
    d.deploy_ok(dir.path());
    assert_eq!(d.get(&domain, "/").unwrap().1, "made by predeploy v2\n");
    d.wharf_ok(&["rollback", &app, "v1"]);
    assert_eq!(d.get(&domain, "/").unwrap().1, "made by predeploy v1 10\n");

    // A failing predeploy keeps nothing: no image, no container, the app serves on.
    write_app(dir.path(), &app, "echo half > /www/index.html; exit 3");
    let out = d.deploy(dir.path());
    fails_with(&out, "predeploy command failed with exit code 3");
    assert_eq!(d.get(&domain, "/").unwrap().1, "made by predeploy v1 10\n");
    assert_eq!(
        inspect(&format!("wharf/{app}:v4"), "{{.Id}}"),
        "",
        "no image is left"
    );
    assert!(
        d.containers(&app)
            .iter()
            .all(|c| !c.contains(".predeploy-")),
        "{:?}",
        d.containers(&app)
    );
}
