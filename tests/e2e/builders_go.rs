//! Go apps without a Dockerfile, for real: a web app using only the standard library (go.mod
//! says `go 1.24`, kept under tests/fixtures/go-hello) is built by Wharf's Go builder on the
//! local golang:1.24, its binary alone copied onto debian:trixie-slim, deployed by `git push`
//! and by `wharf push` and served through the proxy as a user other than root.

use super::builders::{fixture, git_push, push_ok};
use super::harness::*;
use super::sshd::{Repo, all_output};
use std::process::Command;

#[test]
fn a_go_app_deploys_by_git_push_and_by_wharf_push() {
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let repo = Repo::new(fixture("go-hello"));

    let plan = d.wharf_ok(&["build-plan", repo.path().to_str().unwrap()]);
    assert!(plan.starts_with("-----> Builder: go\n"), "{plan}");
    assert!(plan.contains("FROM golang:1.24 AS build"), "{plan}");

    let pushed = unique("goapp");
    let out = git_push(&d, &token, &repo, &pushed);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\nserver:\n{}", d.log());
    assert!(
        output.contains("remote: -----> No Dockerfile of the app's own: Wharf's go builder"),
        "{output}"
    );

    let uploaded = unique("goapp");
    push_ok(&d, &token, repo.path(), &uploaded);

    for app in [&pushed, &uploaded] {
        let host = format!("{app}.test");
        d.wharf_ok(&["domains", "add", app, &host]);
        d.wait_for_body(&host, "hello from go (go1.24");
        let releases = d.wharf_json(&["releases", app]);
        assert_eq!(releases[0]["builder"], "go", "{releases}");
        let container = &d.containers(app)[0];
        let user = Command::new("docker")
            .args(["exec", container, "id", "-u"])
            .output()
            .unwrap();
        assert_ne!(stdout(&user).trim(), "0", "the app does not run as root");
        let compiler = Command::new("docker")
            .args(["exec", container, "sh", "-c", "command -v go"])
            .output()
            .unwrap();
        assert!(
            !compiler.status.success(),
            "the compiler stays in the build stage"
        );
    }
}
