//! The Debian package and the binary scripts/package.sh makes (scripts/test.sh runs it with
//! `--profile debug` before the tests): the package's control fields and files as dpkg-deb
//! reads them, its systemd unit running /usr/bin/wharf, the debug info split out of the
//! binary; then real dpkg in a throwaway container of the local `debian:trixie-slim`
//! installs it (the binary runs, the `wharf` user and group exist, the man pages and
//! completions are in place), installs it again over itself as an upgrade does, and removes
//! it. And scripts/install.sh refuses a wrong file, naming what is wrong, before it installs
//! anything.

use super::harness::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/package")
}

/// The one file in target/package whose name starts with `prefix` and ends with `suffix`.
fn made(prefix: &str, suffix: &str) -> PathBuf {
    let dir = package_dir();
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; make the package first with scripts/package.sh --profile debug (scripts/test.sh does)",
                dir.display()
            )
        })
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(suffix)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "want one {prefix}*{suffix} in {}, found {found:?}; scripts/package.sh --profile debug makes it",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn the_package_holds_the_binary_units_completions_and_man_pages() {
    let deb = made("wharf_", "_amd64.deb");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        deb.file_name().unwrap().to_string_lossy(),
        format!("wharf_{version}_amd64.deb")
    );

    let info = run(Command::new("dpkg-deb").arg("--info").arg(&deb));
    for field in [
        "Package: wharf\n",
        &format!("Version: {version}\n"),
        "Architecture: amd64\n",
        "Section: admin\n",
    ] {
        assert!(info.contains(field), "no `{}` in:\n{info}", field.trim());
    }
    let depends = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("Depends: "))
        .unwrap_or_else(|| panic!("no Depends in:\n{info}"));
    assert!(depends.contains("libc6 (>= 2."), "{depends}");
    assert!(depends.contains("passwd"), "{depends}");
    // Rust's unwinder, which a binary linked with glibc loads from libgcc_s.
    assert!(depends.contains("libgcc-s1"), "{depends}");
    for script in ["postinst", "prerm", "postrm"] {
        assert!(info.contains(script), "no {script} in:\n{info}");
    }

    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for file in [
        "./usr/bin/wharf",
        "./usr/lib/systemd/system/wharf.service",
        "./usr/lib/systemd/system/wharf.socket",
        "./usr/share/bash-completion/completions/wharf",
        "./usr/share/zsh/vendor-completions/_wharf",
        "./usr/share/fish/vendor_completions.d/wharf.fish",
        "./usr/share/man/man1/wharf.1.gz",
        "./usr/share/man/man1/wharf-config-set.1.gz",
        "./usr/share/doc/wharf/copyright",
    ] {
        assert!(
            contents.lines().any(|l| l.ends_with(&format!(" {file}"))),
            "no {file} in:\n{contents}"
        );
    }
    assert!(
        contents
            .lines()
            .any(|l| l.starts_with("-rwxr-xr-x root/root") && l.ends_with(" ./usr/bin/wharf")),
        "{contents}"
    );

    // The unit is the one `wharf init` writes, with the package's path and the defaults.
    let extract = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(extract.path()));
    let unit = std::fs::read_to_string(extract.path().join("usr/lib/systemd/system/wharf.service"))
        .unwrap();
    assert!(
        unit.contains(
            "ExecStart=/usr/bin/wharf --data-dir /var/lib/wharf server --http-listen 0.0.0.0:80 --https-listen 0.0.0.0:443\n"
        ),
        "{unit}"
    );
    assert!(
        unit.contains("Requires=docker.service wharf.socket\n"),
        "{unit}"
    );

    // The binary beside the package is the package's, stripped, its debug info split out.
    let binary = made(&format!("wharf-{version}-x86_64-linux"), "");
    let packaged = std::fs::read(extract.path().join("usr/bin/wharf")).unwrap();
    assert!(std::fs::read(&binary).unwrap() == packaged);
    let sections = run(Command::new("readelf").arg("-S").arg(&binary));
    assert!(!sections.contains(".debug_info"), "{sections}");
    assert!(sections.contains(".gnu_debuglink"), "{sections}");
    let debug = run(Command::new("readelf")
        .arg("-S")
        .arg(package_dir().join("wharf.debug")));
    assert!(debug.contains(".debug_info"), "{debug}");
}

/// Removes the container whatever happens.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        remove_container(&self.0);
    }
}

#[test]
fn dpkg_installs_upgrades_and_removes_the_package() {
    let deb = made("wharf_", "_amd64.deb");
    let name = unique("wharf-package-test");
    let _container = Container(name.clone());
    // Each step prints a marker the test looks for; `set -e` stops at the first failure.
    let steps = r#"
        set -e
        dpkg -i /tmp/wharf.deb
        echo "version: $(wharf --version)"
        id wharf && getent group wharf && test -d /home/wharf && echo "user: made"
        test -f /usr/share/man/man1/wharf-deploy.1.gz && echo "man: in place"
        test -s /usr/share/bash-completion/completions/wharf \
          && test -s /usr/share/zsh/vendor-completions/_wharf \
          && test -s /usr/share/fish/vendor_completions.d/wharf.fish && echo "completions: in place"
        dpkg -i /tmp/wharf.deb
        echo "upgraded: $(dpkg-query -W -f='${Status}' wharf)"
        dpkg -r wharf
        test ! -e /usr/bin/wharf && echo "removed: binary gone"
        id wharf >/dev/null && echo "removed: user kept"
        dpkg --purge wharf
        echo "purged: $(dpkg-query -W -f='${Status}' wharf 2>&1 || true)"
    "#;
    let out = Command::new("docker")
        .args(["run", "--rm", "--name", &name, "--network", "none"])
        .arg("-v")
        .arg(format!("{}:/tmp/wharf.deb:ro", deb.display()))
        .args(["debian:trixie-slim", "sh", "-c", steps])
        .output()
        .unwrap();
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "{printed}");
    let version = format!("version: wharf {}", env!("CARGO_PKG_VERSION"));
    for marker in [
        version.as_str(),
        "Created the group `wharf`",
        "Created the user `wharf`",
        "Set it up and start it with: sudo wharf init",
        "user: made",
        "man: in place",
        "completions: in place",
        "Restart the daemon to run it",
        "upgraded: install ok installed",
        "removed: binary gone",
        "removed: user kept",
        "kept /var/lib/wharf",
    ] {
        assert!(printed.contains(marker), "no `{marker}` in:\n{printed}");
    }
    // The reinstall found the user and group there and made neither again.
    assert_eq!(printed.matches("Created the user").count(), 1, "{printed}");
    assert!(!printed.contains("purged: install ok"), "{printed}");
}

#[test]
fn the_install_script_refuses_a_wrong_file_before_installing_anything() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    let scratch = tempfile::tempdir().unwrap();
    let text = scratch.path().join("notes.deb");
    std::fs::write(&text, "not a package\n").unwrap();
    let install = |args: &[&std::ffi::OsStr]| {
        Command::new("bash")
            .arg(&script)
            .args(args)
            .env("WHARF_DATA_DIR", scratch.path().join("data"))
            .env("WHARF_BIN_DIR", scratch.path().join("bin"))
            .output()
            .unwrap()
    };
    let missing = scratch.path().join("wharf_9.9.9_amd64.deb");
    let out = install(&["--package".as_ref(), missing.as_os_str()]);
    fails_with(&out, "does not exist");
    let out = install(&["--package".as_ref(), text.as_os_str()]);
    fails_with(&out, "is not a Debian package");
    let out = install(&["--binary".as_ref(), text.as_os_str()]);
    fails_with(&out, "is a package, not a binary: give it with --package");

    // A package of wharf for another architecture (its control file alone is enough).
    let root = scratch.path().join("root");
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        "Package: wharf\nVersion: 9.9.9\nArchitecture: arm64\nMaintainer: tests <t@localhost>\nDescription: wharf for another CPU\n",
    )
    .unwrap();
    let foreign = scratch.path().join("wharf_arm64.deb");
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&root)
        .arg(&foreign));
    let out = install(&["--package".as_ref(), foreign.as_os_str()]);
    fails_with(&out, "is built for arm64; this machine is amd64");

    // Nothing was installed.
    assert!(!scratch.path().join("bin/wharf").exists());
    assert!(!scratch.path().join("data").exists());
}
