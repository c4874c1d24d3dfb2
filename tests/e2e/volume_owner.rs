//! A new named volume belongs to the user the app runs as: an image with `USER app` writes into
//! a volume Wharf creates (by `wharf storage mount` or a Dockerfile `volume`) at a path the image
//! lacks; a volume that existed keeps its owner and files; one at a path the image has takes
//! that directory's owner, as Docker gives it; and a volume that cannot be given fails the
//! deploy, is removed, and the running release keeps serving. And the case it was found in: a
//! Flask app without a Dockerfile (run as `app` by the Python builder's image) keeps its SQLite
//! database in a new volume on its instance folder, which the image does not have.

use super::builders::push_ok;
use super::harness::*;
use std::path::Path;
use std::process::Command;

/// Named volumes this test makes or has Wharf make, removed when the test ends (after the
/// daemon, so after the containers using them: declare it before the daemon).
struct Volumes(Vec<String>);

impl Drop for Volumes {
    fn drop(&mut self) {
        for volume in &self.0 {
            let _ = Command::new("docker")
                .args(["volume", "rm", "-f", volume])
                .output();
        }
    }
}

/// `docker ARGS`, which must succeed: its output.
fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", stderr(&out));
    stdout(&out)
}

fn volume_exists(name: &str) -> bool {
    Command::new("docker")
        .args(["volume", "inspect", name])
        .output()
        .unwrap()
        .status
        .success()
}

/// `uid:gid` of the volume's top directory and of each path in it given, seen as root.
fn owners(volume: &str, paths: &[&str]) -> String {
    let mount = format!("{volume}:/v");
    let mut args = vec![
        "run",
        "--rm",
        "-v",
        &mount,
        "busybox:latest",
        "stat",
        "-c",
        "%u:%g",
        "/v",
    ];
    let inside: Vec<String> = paths.iter().map(|p| format!("/v/{p}")).collect();
    args.extend(inside.iter().map(String::as_str));
    docker(&args)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An app run as `app` (uid 1000, a name in the image's /etc/passwd) that writes into `/data`
/// and `/cache` when it starts and serves `/data` on port 8080; `extra` lines go before `USER`.
fn app_as_user(dir: &Path, settings: &str, extra: &str) {
    let dockerfile = format!(
        "{settings}\nFROM busybox:latest\n\
         RUN mkdir -p /etc /seed && echo 'app:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group \
         && echo seeded > /seed/s && chown -R 2000:2000 /seed\n\
         {extra}\nUSER app\nEXPOSE 8080\n\
         CMD [\"sh\", \"-c\", \"echo written-by-$(id -un) > /data/f && echo cached > /cache/f && exec httpd -f -p 8080 -h /data\"]\n"
    );
    std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
}

#[test]
fn a_new_volume_belongs_to_the_user_the_app_runs_as() {
    let app = unique("volowner");
    let [data, cache, seed, old, more] =
        ["data", "cache", "seed", "old", "more"].map(|v| format!("{app}-{v}"));
    let _volumes = Volumes(vec![
        data.clone(),
        cache.clone(),
        seed.clone(),
        old.clone(),
        more.clone(),
    ]);
    // A volume the user made before, with root's files in it.
    docker(&["volume", "create", &old]);
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{old}:/v"),
        "busybox:latest",
        "sh",
        "-c",
        "echo kept > /v/keep",
    ]);
    let d = Daemon::start();
    let domain = format!("{app}.example.com");
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(
        "# wharf.app = {app}\n# wharf.domain = {domain}\n# wharf.scale = 1\n\
         # wharf.volume = {cache}:/cache\n# wharf.volume = {seed}:/seed"
    );
    app_as_user(dir.path(), &settings, "");

    // A mount saved before the first deploy: its volume is made by that deploy.
    d.wharf_ok(&["config", "set", &app, "GREETING=hi"]);
    d.wharf_ok(&["storage", "mount", &app, &format!("{data}:/data")]);
    assert!(
        !volume_exists(&data),
        "made by the first deploy, not before"
    );
    d.deploy_ok(dir.path());
    let (status, body) = d.get(&domain, "/f").unwrap();
    assert_eq!(status, 200, "{body}\n{}", d.log());
    assert_eq!(body.trim(), "written-by-app");
    // app's login group is 1000 too; the files are the app's own.
    assert_eq!(owners(&data, &["f"]), "1000:1000 1000:1000");
    assert_eq!(owners(&cache, &["f"]), "1000:1000 1000:1000");
    // Where the image has the directory, the volume takes its owner and files, as Docker does.
    assert_eq!(owners(&seed, &["s"]), "2000:2000 2000:2000");

    // An existing volume mounted on the running app is left as it was.
    d.wharf_ok(&["storage", "mount", &app, &format!("{old}:/old")]);
    assert_eq!(owners(&old, &["keep"]), "0:0 0:0");
    let out = d.wharf(&[
        "run",
        "-T",
        &app,
        "--",
        "sh",
        "-c",
        "cat /old/keep; touch /old/x",
    ]);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("kept") && said.contains("Permission denied"),
        "{said}"
    );

    // An image without `chown` cannot give a new volume away: it is left to root, as Docker
    // makes it, and the deploy goes on.
    let settings = format!("{settings}\n# wharf.volume = {more}:/more");
    app_as_user(dir.path(), &settings, "RUN rm /bin/chown");
    d.deploy_ok(dir.path());
    assert_eq!(owners(&more, &[]), "0:0");
    let (status, body) = d.get(&domain, "/f").unwrap();
    assert_eq!((status, body.trim()), (200, "written-by-app"));

    // A new volume that cannot be given (the image's user is not in its /etc/passwd, so
    // `chown app:` fails): the deploy fails naming the volume and its path, the volume is
    // gone, and the running release serves on.
    let failing = format!("{app}-failing");
    let _failing = Volumes(vec![failing.clone()]);
    let settings = format!("{settings}\n# wharf.volume = {failing}:/failing");
    app_as_user(
        dir.path(),
        &settings,
        "RUN sed -i '/^app:/d' /etc/passwd /etc/group",
    );
    let out = d.deploy(dir.path());
    let err = stderr(&out);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        err.contains(&format!(
            "cannot give the new volume `{failing}` (mounted at `/failing`)"
        )) && err.contains("previous release keeps serving")
            && err.contains("who-may-write-to-it"),
        "{err}"
    );
    assert!(
        !volume_exists(&failing),
        "the volume that could not be given is removed"
    );
    let (status, body) = d.get(&domain, "/f").unwrap();
    assert_eq!((status, body.trim()), (200, "written-by-app"));
}

#[test]
fn a_flask_app_without_a_dockerfile_keeps_its_sqlite_database_on_a_new_volume() {
    let app = unique("flaskdb");
    let volume = format!("{app}-instance");
    let _volumes = Volumes(vec![volume.clone()]);
    let d = Daemon::start();
    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("requirements.txt", "flask\ngunicorn\n");
    write("Procfile", "web: gunicorn app:app --bind 0.0.0.0:$PORT\n");
    write(
        "app.py",
        "import os\nimport sqlite3\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n\
         @app.route(\"/\")\ndef health():\n\
         \x20   return \"ok\\n\"\n\n\n\
         @app.route(\"/visit\")\ndef visit():\n\
         \x20   db = sqlite3.connect(os.path.join(app.instance_path, \"visits.db\"))\n\
         \x20   db.execute(\"create table if not exists visits (n integer)\")\n\
         \x20   db.execute(\"insert into visits values (1)\")\n\
         \x20   db.commit()\n\
         \x20   (n,) = db.execute(\"select count(*) from visits\").fetchone()\n\
         \x20   return f\"visits {n} as {os.getuid()}\\n\"\n",
    );
    d.wharf_ok(&["config", "set", &app, "FLASK_DEBUG=0"]);
    d.wharf_ok(&["storage", "mount", &app, &format!("{volume}:/app/instance")]);
    push_ok(&d, &token, dir.path(), &app);
    let host = format!("{app}.test");
    d.wharf_ok(&["domains", "add", &app, &host]);
    // The health checks ask for `/`; only `/visit` writes to the database.
    d.wait_for_body(&host, "ok");
    let (status, body) = d.get(&host, "/visit").unwrap();
    assert_eq!(status, 200, "{body}\n{}", d.log());
    assert!(body.starts_with("visits 1 as "), "{body}");
    let (_, body) = d.get(&host, "/visit").unwrap();
    let uid = body.trim().rsplit(' ').next().unwrap().to_string();
    assert_ne!(
        uid, "0",
        "the builder's image runs the app as a user of its own"
    );
    assert_eq!(body.trim(), format!("visits 2 as {uid}"));
    let owner = owners(&volume, &["visits.db"]);
    assert!(owner.starts_with(&format!("{uid}:")), "{owner}");
}
