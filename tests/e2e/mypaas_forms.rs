//! MyPaas Dockerfiles that use its other forms deploy unchanged: a health check with an
//! interval and a timeout after the path, an `env` line naming a variable whose value comes
//! from the server's config, a `url` with a path (apps sharing a domain), and the `MYPAAS_*`
//! variables MyPaas sets in its containers.

use super::harness::*;
use super::tls::Ca;
use std::path::Path;
use std::time::Duration;

/// Adds `body` at `www/PATH` of an app directory made by `app_dir`.
fn add_file(dir: &Path, path: &str, body: &str) {
    let file = dir.join("www").join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, body).unwrap();
}

/// The environment of a container, one `NAME=VALUE` a line.
fn container_env(container: &str) -> Vec<String> {
    inspect(container, "{{range .Config.Env}}{{println .}}{{end}}")
        .lines()
        .map(str::to_string)
        .collect()
}

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

#[test]
fn apps_share_a_domain_under_paths_and_mypaas_apps_see_its_variables() {
    let d = Daemon::start();
    let site = unique("site");
    let blog = unique("blog");
    let host = format!("{site}.test");

    // The whole domain, in Wharf's form; its `/blog` is a file, `/blogger/` a directory.
    let site_dir = app_dir(
        &format!("# wharf.app = {site}\n# wharf.domain = {host}"),
        "site-root",
    );
    add_file(site_dir.path(), "blog", "site-blog-file");
    add_file(site_dir.path(), "blogger/index.html", "site-blogger");
    d.deploy_ok(site_dir.path());

    // `/blog` on it, in MyPaas's form; the app's files live under /blog as it sees the path
    // unchanged. It sets MYPAAS_SCALE itself, which Wharf leaves alone.
    let blog_dir = app_dir(
        &format!(
            "# mypaas.service = {blog}\n# mypaas.url = https://{host}/blog\n# mypaas.env = MYPAAS_SCALE=mine"
        ),
        "not-served",
    );
    add_file(blog_dir.path(), "blog/index.html", "blog-index");
    add_file(blog_dir.path(), "blog/post.html", "blog-post");
    let out = d.deploy_ok(blog_dir.path());
    assert!(out.contains(&format!("http://{host}/blog")), "{out}");

    for (path, body) in [
        ("/", "site-root"),
        ("/blogger/", "site-blogger"),
        ("/blog/", "blog-index"),
        ("/blog/?page=2", "blog-index"),
        ("/blog/post.html", "blog-post"),
    ] {
        let answer = d.get(&host, path);
        assert!(
            matches!(&answer, Ok((200, b)) if b.contains(body)),
            "{path}: {answer:?}"
        );
    }
    // `/blog` itself is the blog's (busybox redirects a directory to `/blog/`), never the
    // site's file of that name.
    let (status, body) = d.get(&host, "/blog").unwrap();
    assert!((300..400).contains(&status), "{status} {body}");
    assert!(!body.contains("site-blog-file"), "{body}");

    // MyPaas's variables, in the blog's container only, unless the app set one itself.
    let container = format!("wharf-{blog}-web-v1-1");
    let env = container_env(&container);
    for wanted in [
        format!("MYPAAS_SERVICE={blog}"),
        "MYPAAS_SCALE=mine".to_string(),
        "MYPAAS_PORT=8080".to_string(),
        format!("MYPAAS_CONTAINER={container}"),
    ] {
        assert!(env.contains(&wanted), "{wanted} not in {env:?}");
    }
    assert_eq!(
        env.iter()
            .filter(|e| e.starts_with("MYPAAS_SCALE="))
            .count(),
        1
    );
    let site_env = container_env(&format!("wharf-{site}-web-v1-1"));
    assert!(
        !site_env.iter().any(|e| e.starts_with("MYPAAS_")),
        "{site_env:?}"
    );
    // A one-off container is told its own name.
    let out = d.wharf_ok(&[
        "run",
        &blog,
        "--",
        "sh",
        "-c",
        "echo $MYPAAS_SERVICE $MYPAAS_CONTAINER",
    ]);
    assert!(
        out.trim().starts_with(&format!("{blog} wharf-{blog}.run-")),
        "{out}"
    );

    // Where routes are listed, the path route shows as its URL.
    let apps = d.wharf_ok(&["apps"]);
    assert!(apps.contains(&format!("https://{host}/blog")), "{apps}");
    let domains = d.wharf_ok(&["domains", "list", &blog]);
    assert!(
        domains.contains(&format!("https://{host}/blog")),
        "{domains}"
    );

    // The same path claimed by a third app is refused, naming its owner; nothing changes.
    let third = unique("third");
    let out = d.deploy(
        app_dir(
            &format!("# mypaas.service = {third}\n# mypaas.url = https://{host}/blog/"),
            "third",
        )
        .path(),
    );
    fails_with(
        &out,
        &format!("https://{host}/blog is already served by the app `{blog}`"),
    );
    assert!(d.containers(&third).is_empty());

    // One certificate serves the domain for both apps; destroying the blog keeps it, and the
    // site keeps its domain, now with `/blog` too.
    let ca = Ca::new();
    let (chain, key) = ca.issue(&[&host], 1, (-1, 90));
    d.wharf_ok(&["certs", "add", &host, "--cert", &chain, "--key", &key]);
    d.wharf_ok(&["apps", "destroy", &blog, "--confirm", &blog]);
    let served = block_on(wharf_proxy::served_certificate(
        d.https,
        &host,
        Duration::from_secs(5),
    ));
    assert!(served.is_ok(), "{served:?}");
    assert!(d.wharf_ok(&["certs"]).contains(&host));
    d.wharf_ok(&["certs", "remove", &host]);
    assert_eq!(d.get(&host, "/").unwrap(), (200, "site-root".to_string()));
    assert_eq!(
        d.get(&host, "/blog").unwrap(),
        (200, "site-blog-file".to_string())
    );
}
