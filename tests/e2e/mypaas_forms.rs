//! MyPaas Dockerfiles that use its other forms deploy unchanged: a health check with an
//! interval and a timeout after the path, and an `env` line naming a variable whose value
//! comes from the server's config.

use super::harness::*;

#[test]
fn mypaas_healthcheck_with_durations_and_env_from_the_server_config() {
    let d = Daemon::start();
    let app = unique("mypaasforms");
    let dir = app_dir(
        &format!(
            "# mypaas.service = {app}\n# mypaas.healthcheck = / 1s 2s\n# mypaas.env = SECRET_THING"
        ),
        "hello",
    );

    // Without the config var: refused before anything is built, saying how to set it.
    let out = d.deploy(dir.path());
    fails_with(
        &out,
        &format!(
            "`SECRET_THING` (Dockerfile line 3: `mypaas.env = SECRET_THING`) takes its value from the server's config, which has none: set it with `wharf config set {app} SECRET_THING=...`"
        ),
    );
    assert!(
        !stdout(&out).contains("Building") && !stderr(&out).contains("Building"),
        "{}",
        stdout(&out)
    );
    assert!(d.containers(&app).is_empty());

    // Set before the first deploy, the var is stored for it; then the deploy goes through
    // (its health check, `/` every second with a 2s timeout, passes).
    d.wharf_ok(&["config", "set", &app, "SECRET_THING=xyz"]);
    d.deploy_ok(dir.path());
    let out = d.wharf(&["run", &app, "--", "sh", "-c", "echo $SECRET_THING"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "xyz", "{}", stderr(&out));
}
