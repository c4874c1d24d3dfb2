//! Bad input gets a clear error naming the problem, a non-zero exit, and changes nothing.

use super::harness::*;
use std::io::Write;
use std::process::Command;

/// Deploy must fail with `needle` in its error, and the app must not exist afterwards.
fn refused(d: &Daemon, args: &[&str], needle: &str) -> String {
    let out = d.wharf(args);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "{args:?} should fail; stdout: {}",
        stdout(&out)
    );
    assert!(
        err.contains(needle),
        "{args:?}: error should mention `{needle}`: {err}"
    );
    err
}

#[test]
fn bad_names_domains_and_settings_are_refused() {
    let d = Daemon::start();
    let ok = app_dir("# wharf.domain = fine.example.com", "x");
    let path = ok.path().to_str().unwrap();
    refused(&d, &["deploy", "--app", "Bad_Name", path], "Bad_Name");
    refused(&d, &["deploy", "--app=-dash", path], "-dash");

    let bad_domain = app_dir(
        "# wharf.app = baddomain\n# wharf.domain = http://x.example.com",
        "x",
    );
    refused(
        &d,
        &["deploy", bad_domain.path().to_str().unwrap()],
        "line 2",
    );
    let typo = app_dir("# wharf.app = typo\n# wharf.domian = x.example.com", "x");
    let err = refused(&d, &["deploy", typo.path().to_str().unwrap()], "line 2");
    assert!(err.contains("domain"), "{err}");
    let bad_scale = app_dir("# wharf.app = badscale\n# wharf.scale = lots", "x");
    refused(&d, &["deploy", bad_scale.path().to_str().unwrap()], "scale");

    let empty = tempfile::tempdir().unwrap();
    refused(
        &d,
        &[
            "deploy",
            "--app",
            "nodockerfile",
            empty.path().to_str().unwrap(),
        ],
        "Dockerfile",
    );
    assert!(!d.wharf_ok(&["apps"]).contains("baddomain"));
    assert!(d.wharf_ok(&["apps"]).contains("No apps yet"));
}

#[test]
fn a_domain_owned_by_another_app_is_refused_naming_the_owner() {
    let d = Daemon::start();
    let (owner, thief) = (unique("owner"), unique("thief"));
    let domain = format!("{owner}.example.com");
    let first = app_dir(
        &format!("# wharf.app = {owner}\n# wharf.domain = {domain}"),
        "owner",
    );
    d.deploy_ok(first.path());
    let second = app_dir(
        &format!("# wharf.app = {thief}\n# wharf.domain = {domain}"),
        "thief",
    );
    let err = refused(&d, &["deploy", second.path().to_str().unwrap()], &owner);
    assert!(err.contains(&domain), "{err}");
    assert_eq!(d.get(&domain, "/").unwrap().1, "owner");
    assert!(
        !d.wharf_ok(&["apps"]).contains(&thief),
        "nothing of the refused app remains"
    );
}

#[test]
fn a_failing_build_shows_the_failing_step_and_deploys_nothing() {
    let d = Daemon::start();
    let app = unique("broken");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("# wharf.app = {app}\nFROM busybox:latest\nRUN echo about-to-fail && false\nCMD [\"true\"]\n"),
    )
    .unwrap();
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("RUN echo about-to-fail && false"), "{err}");
    assert!(
        stdout(&out).contains("about-to-fail"),
        "build output was streamed"
    );
    assert!(!d.wharf_ok(&["apps"]).contains(&app));
    assert!(d.containers(&app).is_empty());
}

/// A tar archive with one Dockerfile and one extra entry written by hand, so that names the
/// tar crate would refuse (absolute, `..`) and escaping links can be made.
fn crafted_tar(name: &str, link_target: Option<&str>) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut builder = tar::Builder::new(file.reopen().unwrap());
    let dockerfile = b"FROM busybox:latest\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "Dockerfile", &dockerfile[..])
        .unwrap();
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_mode(0o644);
    match link_target {
        Some(target) => {
            header.set_entry_type(tar::EntryType::Symlink);
            header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
            header.set_size(0);
            header.set_cksum();
            builder.append(&header, &b""[..]).unwrap();
        }
        None => {
            header.set_size(1);
            header.set_cksum();
            builder.append(&header, &b"x"[..]).unwrap();
        }
    }
    builder.into_inner().unwrap().flush().unwrap();
    file
}

/// POST a tar straight to the API socket, as a hostile client could; returns (status, body).
fn post_tar(d: &Daemon, tar: &std::path::Path) -> (String, String) {
    let out = Command::new("curl")
        .arg("-sS")
        .arg("--unix-socket")
        .arg(d.data_dir().join("wharf.sock"))
        .args([
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
            "-X",
            "POST",
            "--data-binary",
        ])
        .arg(format!("@{}", tar.display()))
        .args([
            "-H",
            "content-type: application/x-tar",
            "http://wharf/v1/deploy?app=crafted",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    let (body, status) = text.trim_end().rsplit_once('\n').unwrap_or(("", ""));
    (status.to_string(), body.to_string())
}

#[test]
fn build_contexts_that_escape_are_refused() {
    let d = Daemon::start();
    for (name, link, needle) in [
        ("/etc/evil", None, "absolute path"),
        ("a/../../evil", None, ".."),
        ("link", Some("/etc/shadow"), "outside the context"),
        ("link", Some("../../outside"), "outside the context"),
    ] {
        let tar = crafted_tar(name, link);
        let (status, body) = post_tar(&d, tar.path());
        assert_eq!(status, "400", "{name}: {body}");
        assert!(body.contains(needle), "{name}: {body}");
    }
    // A context without a Dockerfile that no builder recognises, sent by hand.
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut builder = tar::Builder::new(file.reopen().unwrap());
    let mut header = tar::Header::new_gnu();
    header.set_size(1);
    header.set_cksum();
    builder
        .append_data(&mut header, "app.py", &b"x"[..])
        .unwrap();
    builder.finish().unwrap();
    let (status, body) = post_tar(&d, file.path());
    assert_eq!(status, "400");
    assert!(
        body.contains("cannot tell what kind of app this is"),
        "{body}"
    );
    assert!(!d.wharf_ok(&["apps"]).contains("crafted"));
}

#[test]
fn a_gzipped_build_context_is_refused_saying_to_send_a_tar() {
    let d = Daemon::start();
    let dir = app_dir("# wharf.app = crafted", "zipped");
    let gz = tempfile::NamedTempFile::new().unwrap();
    let packed = Command::new("tar")
        .arg("-czf")
        .arg(gz.path())
        .arg("-C")
        .arg(dir.path())
        .arg(".")
        .status()
        .unwrap();
    assert!(packed.success());
    let (status, body) = post_tar(&d, gz.path());
    assert_eq!(status, "400", "{body}");
    assert!(
        body.contains("gzip-compressed") && body.contains("plain (uncompressed) tar"),
        "{body}"
    );
    assert!(!d.wharf_ok(&["apps"]).contains("crafted"));
}

#[test]
fn uploads_over_the_limit_are_refused() {
    let d = Daemon::start_with(&["--max-upload", "8m"]);
    let dir = app_dir("# wharf.app = toolarge", "x");
    let big: Vec<u8> = (0..10_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(dir.path().join("big.bin"), big).unwrap();
    let out = d.deploy(dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("upload limit"), "{err}");
    // A client that does not ask first is refused by the server itself.
    let big_tar = crafted_tar("big.bin", None);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(big_tar.path())
        .unwrap();
    file.write_all(&vec![0u8; 9 << 20]).unwrap();
    let (status, body) = post_tar(&d, big_tar.path());
    assert_eq!(status, "413", "{body}");
    assert!(body.contains("upload limit"), "{body}");
    assert!(!d.wharf_ok(&["apps"]).contains("toolarge"));
}

#[test]
fn an_unreachable_docker_engine_is_reported_before_serving() {
    let mut d = Daemon::configured(&[], &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")]);
    let out = d.server_command().output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("/nonexistent/docker.sock"), "{err}");
    assert!(err.to_lowercase().contains("docker"), "{err}");
    assert!(
        std::net::TcpStream::connect(d.http).is_err(),
        "no port was left open"
    );
    d.kill9();
}

#[test]
fn remote_push_needs_a_valid_token() {
    let d = Daemon::start();
    let app = unique("remote");
    let domain = format!("{app}.example.com");
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {domain}"),
        "pushed",
    );
    let server = format!("http://{}", d.api);
    let path = dir.path().to_str().unwrap();

    let out = Command::new(WHARF)
        .args(["push", &server, path])
        .env_remove("WHARF_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing API token"),
        "{}",
        stderr(&out)
    );
    let out = Command::new(WHARF)
        .args(["push", &server, path, "--token", "wharf_0000"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("invalid or revoked"),
        "{}",
        stderr(&out)
    );
    assert!(!d.wharf_ok(&["apps"]).contains(&app));

    let token = d.wharf_ok(&["tokens", "create", "ci"]).trim().to_string();
    let out = Command::new(WHARF)
        .args(["push", &server, path])
        .env("WHARF_TOKEN", &token)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stderr(&out), d.log());
    assert!(stdout(&out).contains(&format!("http://{domain}/")));
    assert_eq!(d.get(&domain, "/").unwrap().1, "pushed");
    let listed = Command::new(WHARF)
        .args(["apps", "--server", &server, "--token", &token])
        .output()
        .unwrap();
    assert!(stdout(&listed).contains(&app));

    d.wharf_ok(&["tokens", "revoke", "ci"]);
    let out = Command::new(WHARF)
        .args(["apps", "--server", &server, "--token", &token])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a revoked token no longer works");
}

#[test]
fn a_container_name_taken_by_someone_else_is_reported_and_left_alone() {
    let d = Daemon::start();
    let app = unique("squatted");
    let name = format!("wharf-{app}-web-v1-1");
    foreign_container(&name);
    let dir = app_dir(
        &format!("# wharf.app = {app}\n# wharf.domain = {app}.example.com"),
        "x",
    );
    let out = d.deploy(dir.path());
    let alive = container_running(&name);
    remove_container(&name);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not managed by this Wharf server"),
        "{}",
        stderr(&out)
    );
    assert!(alive, "the other container was not touched");
    assert!(!d.wharf_ok(&["apps"]).contains(&app));
}

/// Names, domains, processes, services and release numbers are refused by the command line
/// itself, with the message the server would give: the server is never asked.
#[test]
fn bad_names_are_refused_before_any_request() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    for (args, needle) in [
        (&["ps", "Bad_Name"][..], "app name `Bad_Name` contains"),
        (
            &["domains", "add", "blog", "https://x.example.com/"],
            "is a URL; give the bare domain, e.g. `x.example.com`",
        ),
        (&["restart", "blog", "wëb"], "process name `wëb`"),
        (
            &["services", "link", "wharf-db", "blog"],
            "service name `wharf-db` is reserved",
        ),
        (&["rollback", "blog", "latest"], "`latest` is not a release"),
    ] {
        let out = Command::new(WHARF)
            .args(["--server", &server])
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert!(listener.accept().is_err(), "no request reached the server");
}
