//! Dokku's flags on the commands Wharf mirrors over SSH, typed as Dokku users type them through
//! a real sshd: `config:set --encoded` (values in base64), `--no-restart` (stored for the next
//! deploy), `config:get --quoted`, `ps:scale --skip-deploy`, and unknown flags refused.

use super::harness::*;
use super::sshd::*;
use std::process::Command;

/// `printf %s VALUE | base64 -w0`, as a Dokku user encodes a value.
fn base64(value: &str) -> String {
    stdout(&output_with_stdin(Command::new("base64").arg("-w0"), value))
}

#[test]
fn dokku_config_flags_over_ssh() {
    let d = Daemon::start();
    let sshd = Sshd::start();
    let key = SshKey::new();
    sshd.add_key(&d, "alice", &key);
    let app = unique("flags");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "hello",
    );
    d.deploy_ok(dir.path());
    let ssh_ok = |command: &str| {
        let out = sshd.ssh(&key, command);
        assert!(out.status.success(), "{command}: {}", all_output(&out));
        stdout(&out)
    };
    let releases = || ssh_ok(&format!("releases {app}")).lines().count();
    let before = releases();

    // --no-restart: stored, no new release; the running release keeps its vars.
    let out = ssh_ok(&format!("config:set --no-restart {app} PENDING=later"));
    assert!(out.contains("not deployed"), "{out}");
    assert_eq!(releases(), before, "no release was made");
    assert_eq!(ssh_ok(&format!("config:get {app} PENDING")), "later\n");
    let out = ssh_ok(&format!("run {app} -- sh -c 'echo pending=[$PENDING]'"));
    assert!(
        out.contains("pending=[]"),
        "the running release is untouched: {out}"
    );

    // --encoded: the value arrives decoded, quotes, `$` and newlines included; this deploy
    // also takes the stored var.
    let value = "it's $HOME; a \"b\"\nline two";
    let out = ssh_ok(&format!(
        "config:set --encoded {app} SECRET={}",
        base64(value)
    ));
    assert!(out.contains("release v2"), "{out}");
    assert_eq!(
        ssh_ok(&format!("config:get {app} SECRET")),
        format!("{value}\n")
    );
    let out = ssh_ok(&format!(
        "run {app} -- sh -c 'printf %s \"$SECRET\"; echo; echo pending=[$PENDING]'"
    ));
    assert!(out.contains(value), "{out}");
    assert!(out.contains("pending=[later]"), "{out}");
    assert_eq!(
        ssh_ok(&format!("config:get --quoted {app} PENDING")),
        "'later'\n"
    );
    let keys = ssh_ok(&format!("config:keys {app}"));
    assert_eq!(keys, "PENDING\nSECRET\n");

    // config:unset --no-restart stores the removal only.
    let before = releases();
    ssh_ok(&format!("config:unset --no-restart {app} PENDING"));
    assert_eq!(releases(), before);
    let out = sshd.ssh(&key, &format!("config:get {app} PENDING"));
    assert!(
        !out.status.success(),
        "an unset var prints nothing and fails"
    );
    assert_eq!(stdout(&out), "");

    // ps:scale --skip-deploy: stored for the next deploy.
    ssh_ok(&format!("ps:scale --skip-deploy {app} web=2"));
    assert_eq!(releases(), before);
    assert!(!d.containers(&app).iter().any(|c| c.ends_with("-2")));

    // Dokku's `ps:restart` after `--no-restart` deploys what was stored, scale included.
    let out = ssh_ok(&format!("ps:restart {app}"));
    assert!(out.contains("release v3"), "{out}");
    assert_eq!(releases(), before + 1);
    let out = ssh_ok(&format!("run {app} -- sh -c 'echo pending=[$PENDING]'"));
    assert!(out.contains("pending=[]"), "the unset is live: {out}");
    assert!(
        d.containers(&app)
            .contains(&format!("wharf-{app}-web-v3-2")),
        "{:?}",
        d.containers(&app)
    );
    let before = releases();

    // Bad input is refused, naming what is wrong.
    let out = sshd.ssh(&key, &format!("config:set --encoded {app} A=not*base64"));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the value of A is not base64"),
        "{}",
        stderr(&out)
    );
    let out = sshd.ssh(&key, &format!("config:set --shell {app} A=1"));
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("config:set does not take `--shell`; it takes --encoded, --no-restart"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        releases(),
        before,
        "nothing was deployed by refused commands"
    );
}
