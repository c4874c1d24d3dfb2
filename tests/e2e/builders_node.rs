//! Node apps without a Dockerfile, for real: an Express app (package.json pinning Node 20 by
//! `engines`, a package-lock.json made by npm against the registry, kept under
//! tests/fixtures/express) is built by Wharf's Node builder on the local node:20-slim with its
//! packages from npm, deployed by `git push` and by `wharf push`, and served through the proxy.
//! A push that changes only the code builds `npm ci` from the cache. A lockfile that does not
//! match package.json fails the deploy at the `npm ci` step with npm's own message while the
//! release before keeps serving; an unsupported Node is refused before any build. A Vite
//! site (a build script and no server) is bundled by Vite from npm and only its built files
//! are served, by either push, the hashed bundle with a year's Cache-Control. An Express app on Yarn 4 (tests/fixtures/express-yarn) gets
//! that Yarn from the npm registry and runs through its Plug'n'Play loader.

use super::builders::{fixture, git_push, push, push_ok};
use super::harness::*;
use super::sshd::{Repo, all_output};
use std::process::Command;

/// The line after the build's `Step N/M : RUN npm ci...` line.
fn after_npm_ci(output: &str) -> &str {
    let mut lines = output.lines();
    lines
        .by_ref()
        .find(|line| line.contains("Step ") && line.contains(" : RUN npm ci"))
        .unwrap_or_else(|| panic!("no npm ci step in:\n{output}"));
    lines.next().unwrap_or_default()
}

fn token(d: &Daemon) -> String {
    d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string()
}

#[test]
fn an_express_app_deploys_by_git_push_and_by_wharf_push() {
    let d = Daemon::start();
    let token = token(&d);
    let repo = Repo::new(fixture("express"));

    let plan = d.wharf_ok(&["build-plan", repo.path().to_str().unwrap()]);
    assert!(plan.starts_with("-----> Builder: node\n"), "{plan}");
    assert!(plan.contains("engines.node is 20.x"), "{plan}");
    assert!(plan.contains("FROM node:20-slim"), "{plan}");

    let pushed = unique("express");
    let out = git_push(&d, &token, &repo, &pushed);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}\nserver:\n{}", d.log());
    assert!(
        output.contains("remote: -----> No Dockerfile of the app's own: Wharf's node builder"),
        "{output}"
    );
    assert!(output.contains("RUN npm ci"), "{output}");

    let uploaded = unique("express");
    push_ok(&d, &token, repo.path(), &uploaded);

    for app in [&pushed, &uploaded] {
        let host = format!("{app}.test");
        d.wharf_ok(&["domains", "add", app, &host]);
        d.wait_for_body(&host, "hello from express");
        let releases = d.wharf_json(&["releases", app]);
        assert_eq!(releases[0]["builder"], "node", "{releases}");
        let user = Command::new("docker")
            .args(["exec", &d.containers(app)[0], "id", "-un"])
            .output()
            .unwrap();
        assert_eq!(
            stdout(&user).trim(),
            "node",
            "the app runs as the image's node user"
        );
    }
}

#[test]
fn an_express_app_on_yarn_4_installs_with_yarn_from_npm_and_serves_through_plug_n_play() {
    let d = Daemon::start();
    let token = token(&d);
    let dir = fixture("express-yarn");
    let plan = d.wharf_ok(&["build-plan", dir.path().to_str().unwrap()]);
    assert!(plan.contains("with Yarn 2 or later"), "{plan}");
    assert!(plan.contains("@yarnpkg/cli-dist@4.9.4"), "{plan}");

    let app = unique("yarn");
    let shown = push_ok(&d, &token, dir.path(), &app);
    assert!(shown.contains("RUN yarn install --immutable"), "{shown}");
    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    // No node_modules: express is found through Yarn's Plug'n'Play loader.
    d.wait_for_body(&host, "hello from express with yarn 4");
    let listed = Command::new("docker")
        .args(["exec", &d.containers(&app)[0], "ls", "-a", "/app"])
        .output()
        .unwrap();
    let listed = stdout(&listed);
    assert!(
        listed.contains(".pnp.cjs") && !listed.contains("node_modules"),
        "{listed}"
    );
}

#[test]
fn a_code_only_change_builds_npm_ci_from_the_cache() {
    let d = Daemon::start();
    let token = token(&d);
    let app = unique("express");
    let repo = Repo::new(fixture("express"));
    let out = git_push(&d, &token, &repo, &app);
    assert!(out.status.success(), "{}", all_output(&out));
    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    d.wait_for_body(&host, "hello from express");

    let server = std::fs::read_to_string(repo.path().join("server.js")).unwrap();
    repo.write(
        "server.js",
        &server.replace("hello from express", "hello again from express"),
    );
    repo.commit("only the code");
    let out = git_push(&d, &token, &repo, &app);
    let output = all_output(&out);
    assert!(out.status.success(), "{output}");
    assert_eq!(
        after_npm_ci(&output).trim_start_matches("remote:").trim(),
        "---> Using cache",
        "the dependency layer is reused:\n{output}"
    );
    d.wait_for_body(&host, "hello again from express");
}

#[test]
fn a_lockfile_that_does_not_match_fails_the_deploy_and_the_release_keeps_serving() {
    let d = Daemon::start();
    let token = token(&d);
    let app = unique("express");
    let dir = fixture("express");
    push_ok(&d, &token, dir.path(), &app);
    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    d.wait_for_body(&host, "hello from express");

    // A dependency added to package.json only: the lockfile no longer matches.
    let package = std::fs::read_to_string(dir.path().join("package.json")).unwrap();
    let package = package.replace(
        "\"express\": \"^4.21.2\"",
        "\"express\": \"^4.21.2\",\n    \"ms\": \"^2.1.3\"",
    );
    std::fs::write(dir.path().join("package.json"), package).unwrap();
    std::fs::write(
        dir.path().join("server.js"),
        "require('http').createServer((q, s) => s.end('broken\\n')).listen(process.env.PORT);\n",
    )
    .unwrap();
    let out = push(&d, &token, dir.path(), &app);
    assert!(!out.status.success(), "{}", stdout(&out));
    let (shown, err) = (stdout(&out), stderr(&out));
    assert!(
        shown.contains("package.json and package-lock.json") && shown.contains("in sync"),
        "the build's output shows npm's message:\n{shown}"
    );
    assert!(
        err.contains("the build failed at") && err.contains("RUN npm ci"),
        "the error names the failing step: {err}"
    );
    let (status, body) = d.get(&host, "/").unwrap();
    assert_eq!((status, body.as_str()), (200, "hello from express\n"));
    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases[0]["status"], "failed", "{releases}");
}

#[test]
fn an_unsupported_node_is_refused_before_any_build() {
    let d = Daemon::start();
    let token = token(&d);
    let app = unique("express");
    let dir = fixture("express");
    let package = std::fs::read_to_string(dir.path().join("package.json")).unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        package.replace("\"node\": \"20.x\"", "\"node\": \"16\""),
    )
    .unwrap();
    let wanted =
        "package.json, line 11: Node 16 is not supported: Wharf builds with Node 18, 20, 22, 24";

    let out = push(&d, &token, dir.path(), &app);
    fails_with(&out, wanted);
    assert!(!stdout(&out).contains("Uploading"), "{}", stdout(&out));

    // A git push has no client to check first: the server refuses before building.
    let repo = Repo::new(dir);
    let out = git_push(&d, &token, &repo, &app);
    let output = all_output(&out);
    assert!(!out.status.success(), "{output}");
    assert!(output.contains(wanted), "{output}");
    assert!(!output.contains("Step 1/"), "nothing was built: {output}");
}

#[test]
fn a_site_vite_builds_is_served_as_static_files_by_git_push_and_by_wharf_push() {
    let d = Daemon::start();
    let token = token(&d);
    let repo = Repo::new(fixture("vite-site"));
    let plan = d.wharf_ok(&["build-plan", repo.path().to_str().unwrap()]);
    assert!(plan.contains("a static site"), "{plan}");
    assert!(plan.contains("FROM busybox:latest"), "{plan}");

    let pushed = unique("vite");
    let out = git_push(&d, &token, &repo, &pushed);
    assert!(
        out.status.success(),
        "{}\nserver:\n{}",
        all_output(&out),
        d.log()
    );
    let uploaded = unique("vite");
    push_ok(&d, &token, repo.path(), &uploaded);

    for app in [&pushed, &uploaded] {
        let host = format!("{app}.test");
        d.wharf_ok(&["domains", "add", app, &host]);
        d.wait_for_body(&host, "A site built by Vite");
        // The page names the bundle Vite wrote (assets/index-HASH.js), not the source.
        let (_, page) = d.get(&host, "/").unwrap();
        assert!(!page.contains("/main.js"), "{page}");
        let bundle = page
            .split('"')
            .find(|part| part.starts_with("/assets/") && part.ends_with(".js"))
            .unwrap_or_else(|| panic!("no bundle in {page}"));
        let (status, headers, script) = super::builders::get_raw(&d, &host, bundle);
        assert_eq!(status, 200, "{bundle}");
        assert!(script.contains("bundled by Vite"), "{script}");
        assert!(
            headers
                .iter()
                .any(|(name, value)| name == "content-type" && value.starts_with("text/javascript")),
            "{headers:?}"
        );
        // Named by its contents' hash: browsers keep it a year; the page is revalidated.
        assert_eq!(
            super::builders::header(&headers, "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{bundle}"
        );
        let (_, headers, _) = super::builders::get_raw(&d, &host, "/");
        assert_eq!(
            super::builders::header(&headers, "cache-control"),
            Some("no-cache")
        );
        // Only the built files are served: no node_modules, no package.json.
        assert_eq!(d.get(&host, "/package.json").unwrap().0, 404);
    }
}
