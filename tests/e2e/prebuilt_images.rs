//! Prebuilt images (`wharf deploy --image REF`), pulled from a real registry: Debian's
//! `docker-registry` (Distribution) on loopback, with a password (htpasswd), which the Docker
//! engine reaches over plain HTTP as it does any 127.0.0.0/8 registry. Without a login the
//! pull is refused and nothing is left behind; after `wharf registries login` the image
//! deploys with its settings given by `--set`, serves on its domain, a second image deploys
//! by `wharf push` with a token, and a rollback brings the first back. The password is never
//! printed nor logged. In a real headless Chromium, an admin deploys an image that is on the
//! server from the dashboard's overview, and a bad reference is refused in the parser's words.

use super::dashboard::*;
use super::harness::*;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "ci";
const PASSWORD: &str = "pw-9f3c1e77a2";

/// A registry that needs a login, and the images this test pushed to it.
struct Registry {
    child: Child,
    dir: tempfile::TempDir,
    addr: String,
    pushed: Vec<String>,
}

impl Registry {
    fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let htpasswd = Command::new("htpasswd")
            .args(["-Bbn", USER, PASSWORD])
            .output()
            .expect("htpasswd (apache2-utils) is installed by scripts/test-deps.sh");
        assert!(htpasswd.status.success(), "{}", stderr(&htpasswd));
        std::fs::write(dir.path().join("htpasswd"), &htpasswd.stdout).unwrap();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\nhttp:\n  addr: {addr}\n  secret: wharf-e2e\nauth:\n  htpasswd:\n    realm: wharf-e2e\n    path: {root}/htpasswd\n",
            root = dir.path().display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("docker-registry is installed by scripts/test-deps.sh");
        let registry = Registry {
            child,
            dir,
            addr,
            pushed: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&registry.addr).is_err() {
            assert!(Instant::now() < deadline, "the registry never listened");
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }

    /// Build the app in `dir`, push it as `PATH:TAG`, and remove it from the engine, so a
    /// deploy has to pull it. Returns its reference.
    fn push(&mut self, dir: &Path, path_tag: &str) -> String {
        let image = format!("{}/{path_tag}", self.addr);
        let docker_config = self.dir.path().join("docker");
        let docker = |args: &[&str], stdin: Option<&str>| {
            let mut cmd = Command::new("docker");
            cmd.arg("--config").arg(&docker_config).args(args);
            let out = output_with_stdin(&mut cmd, stdin.unwrap_or_default());
            assert!(out.status.success(), "docker {args:?}: {}", stderr(&out));
        };
        docker(&["build", "-q", "-t", &image, dir.to_str().unwrap()], None);
        self.pushed.push(image.clone());
        docker(
            &["login", &self.addr, "-u", USER, "--password-stdin"],
            Some(PASSWORD),
        );
        docker(&["push", "-q", &image], None);
        docker(&["rmi", &image], None);
        image
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The engine pulled these for the releases; the releases' own images go with the
        // daemon's instance label.
        for image in &self.pushed {
            let _ = Command::new("docker").args(["rmi", "-f", image]).output();
        }
    }
}

fn login(d: &Daemon, registry: &str, password: &str) -> Output {
    d.wharf_with_stdin(
        &["registries", "login", registry, "--username", USER],
        format!("{password}\n"),
    )
}

#[test]
fn an_image_from_a_private_registry_deploys_after_a_login_and_rolls_back() {
    let d = Daemon::start();
    let mut registry = Registry::start();
    let v1 = registry.push(app_dir("", "image one").path(), "team/hello:1");
    let v2 = registry.push(app_dir("", "image two").path(), "team/hello:2");
    let app = unique("image");
    let host = format!("{app}.test");
    let domain = format!("domain={host}");

    // No login yet: the registry refuses the pull, the deploy fails and no app is left.
    let out = d.wharf(&["deploy", "--app", &app, "--image", &v1, "--set", &domain]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        said.contains("no basic auth credentials") || said.contains("unauthorized"),
        "{said}"
    );
    assert!(said.contains("wharf registries login"), "{said}");
    let apps = d.wharf_json(&["apps"]);
    assert!(
        !apps.to_string().contains(&app),
        "a failed first deploy leaves no app: {apps}"
    );

    // A login from stdin; listed by username, the password nowhere.
    let out = login(&d, &registry.addr, PASSWORD);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = d.wharf_ok(&["registries", "list"]);
    assert!(
        listed.contains(&registry.addr) && listed.contains(USER),
        "{listed}"
    );
    assert!(!listed.contains(PASSWORD), "{listed}");
    assert!(
        !d.wharf_ok(&["registries", "list", "--json"])
            .contains(PASSWORD)
    );

    // The image deploys with its settings from --set: the port from its EXPOSE, the domain
    // given here.
    let out = d.wharf_ok(&["deploy", "--app", &app, "--image", &v1, "--set", &domain]);
    assert!(out.contains(&format!("Prebuilt image {v1}")), "{out}");
    d.wait_for_body(&host, "image one");
    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases[0]["source_image"], v1.as_str(), "{releases}");
    assert!(releases[0].get("builder").is_none(), "{releases}");
    let table = d.wharf_ok(&["releases", &app]);
    assert!(table.lines().nth(1).unwrap().contains(&v1), "{table}");

    // The next image by `wharf push` with a token, over the API's TCP listener.
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let out = Command::new(WHARF)
        .args(["push", &format!("http://{}", d.api)])
        .args(["--app", &app, "--image", &v2, "--set", &domain])
        .env("WHARF_TOKEN", &token)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    d.wait_for_body(&host, "image two");

    // A rollback is to the first image's release, as for an app built from source.
    d.wharf_ok(&["rollback", &app]);
    d.wait_for_body(&host, "image one");
    let events = d.wharf_json(&["events", &app]);
    assert!(
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "deploy image" && e["result"] == "ok"),
        "{events}"
    );

    // The password reached neither the daemon's log nor the store's listing.
    assert!(!d.log().contains(PASSWORD), "{}", d.log());
    let logged_out = d.wharf_ok(&["registries", "logout", &registry.addr]);
    assert!(logged_out.contains("Forgot"), "{logged_out}");
    fails_with(
        &d.wharf(&["registries", "logout", &registry.addr]),
        "no login",
    );
}

#[test]
fn bad_image_references_and_settings_are_refused_before_anything_starts() {
    let d = Daemon::start();
    let app = unique("image");
    for (args, words) in [
        (vec!["--image", "Team/App"], "lowercase letters"),
        (
            vec!["--image", "busybox:latest", "--set", "port"],
            "KEY=VALUE",
        ),
        (
            vec!["--image", "busybox:latest", "--set", "colour=blue"],
            "colour",
        ),
        (
            vec!["--image", "busybox:latest", "--set", "app=other"],
            "--app",
        ),
    ] {
        let mut full = vec!["deploy", "--app", &app];
        full.extend(args.iter().copied());
        fails_with(&d.wharf(&full), words);
    }
    fails_with(&d.wharf(&["deploy", "--image", "busybox:latest"]), "--app");
    // The API refuses the same input with the same words (a client other than the CLI).
    let out = Command::new("curl")
        .args(["-s", "--unix-socket"])
        .arg(d.data_dir().join("wharf.sock"))
        .args([
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"image": "busybox:latest", "settings": ["port=eighty"]}"#,
        ])
        .arg(format!("http://wharf/v1/apps/{app}/image"))
        .output()
        .unwrap();
    let answer = stdout(&out);
    assert!(answer.contains("port=eighty"), "{answer}");
    let apps = d.wharf_json(&["apps"]);
    assert!(!apps.to_string().contains(&app), "{apps}");
}

/// An image built here and only here (no registry has it), removed when dropped.
struct LocalImage(String);

impl LocalImage {
    fn build(dir: &Path, tag: &str) -> LocalImage {
        let out = Command::new("docker")
            .args(["build", "-q", "-t", tag, dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        LocalImage(tag.to_string())
    }
}

impl Drop for LocalImage {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

#[test]
fn an_admin_deploys_an_image_from_the_dashboard_and_a_bad_reference_is_refused() {
    let d = Daemon::start();
    add_user(&d, "ada", ADMIN_PASSWORD, false);
    let app = unique("imgform");
    let host = format!("{app}.test");
    let image = LocalImage::build(
        app_dir("", "hello from a prebuilt image").path(),
        &format!("wharf-e2e-local/{app}:1"),
    );
    let base = format!("http://{}", d.api);
    block_on(async {
        let browser = Browser::start().await;
        browser.sign_in_at(&base, "ada", ADMIN_PASSWORD).await;
        browser.press("details.deploy-image summary").await;
        browser.fill("#image-app-new", &app).await;
        browser.fill("#image-ref-new", &image.0).await;
        browser
            .fill("#image-settings-new", &format!("domain={host}\nport=8080"))
            .await;
        browser.screenshots("image-form").await;
        browser
            .click_within("form.image-deploy button[type=submit]", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_path_within(&format!("/apps/{app}"), DEPLOY_LIMIT)
            .await;
        assert_eq!(browser.text(".live-end").await, "The release is live.");
        let active = browser.text("#releases tbody tr:first-child").await;
        assert!(
            active.contains("v1") && active.contains("active") && active.contains(&image.0),
            "{active}"
        );
        browser.screenshots("app-deployed-from-image").await;

        // A reference Docker would refuse comes back in the parser's words, and deploys nothing.
        browser.press("details.deploy-image summary").await;
        browser
            .fill(&format!("#image-ref-{app}"), "Team/App:1")
            .await;
        browser
            .click_within("form.image-deploy button[type=submit]", DEPLOY_LIMIT)
            .await;
        browser
            .wait_for_text("p.error", "lowercase letters", Duration::from_secs(10))
            .await;
        browser.screenshots("image-refused").await;
        browser.close().await;
    });
    d.wait_for_body(&host, "hello from a prebuilt image");
    let releases = d.wharf_json(&["releases", &app]);
    assert_eq!(releases.as_array().unwrap().len(), 1, "{releases}");
    assert_eq!(releases[0]["source_image"], image.0.as_str(), "{releases}");
}
