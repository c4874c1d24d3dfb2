//! Guides that CI runs: each `docs/guides/*.md`, and the other pages a user follows on the
//! server ([`OTHER_RUN_PAGES`]: the install, DNS and first deploy pages, and the walk-throughs
//! of the pages on migrating from Heroku, Dokku, MyPaas and CapRover), is read and done, top
//! to bottom, against a fresh daemon of its own (with Pebble as its ACME directory; the install
//! page starts its own), so a page that drifts from the code fails here. The page's text is the
//! test; these are its conventions:
//!
//! - ```` ```sh test ```` blocks run in order, each as a `bash -e` script, from an empty
//!   directory at first; the working directory and exported variables carry over to the next
//!   block. `wharf` is the binary under test, first on `PATH`, and talks to the test daemon as
//!   it would on the server (`WHARF_DATA_DIR`). Plain ```` ```sh ```` blocks are not run.
//! - ```` ```sh test wait=60 ```` runs the block again, for up to 60 seconds, until it succeeds
//!   and its output matches: for what a user would wait for (a certificate being issued).
//! - A ```` ```text ```` block after a run (before any other fenced block) is what the run
//!   prints, standard output and error together; see `guides/expect.rs` for how it is matched
//!   (whole lines in order, `...` for lines left out, `<placeholder>` for values that vary).
//! - A block with `file=PATH` in its info string (```` ```python file=mysite/urls.py ````) is
//!   written to PATH, relative to the working directory at that point: the files a guide tells
//!   the user to write are the files the test deploys.
//! - Domains: guides use the domains a user would (`blog.example.com`) and plain
//!   `curl https://blog.example.com/`. The runner gives curl a configuration file
//!   (`CURL_HOME`) that connects ports 80 and 443 of every name to the test daemon's HTTP and
//!   HTTPS ports (and the HTTPS port itself, where its redirects to HTTPS point, for
//!   `curl -L`) and trusts Pebble's root, as DNS and Let's Encrypt's root do on a server
//!   (and, as in a terminal, shows no progress meter).
//! - `<!-- guide names: blog blog-db -->` declares the guide's app and service names; each run
//!   gives them a suffix of its own (`guides/names.rs`), since Docker's names are shared.
//! - `/var/lib/wharf`, a server's data directory, is the test daemon's.
//! - When the page is done, or fails, the daemons remove what they made, and the runner the
//!   named volumes the guide's names give (`# mypaas.volume = blog-data:/data`), which Docker
//!   makes without the daemon's label.
//! - Two servers, for a guide about moving from one to another: ```` ```sh test server=new ````
//!   runs on a second daemon (its own data directory, ports and Pebble), started when a block
//!   first names it; blocks without `server=` run on the first (readers do not see the info
//!   string: such a block says `# on the new server`). Each block's `wharf` talks to
//!   its own server, and its curl reaches that server: every name points at the server the
//!   block runs on, so a guide checks the new server from blocks on it, and after its step
//!   that moves the DNS its later checks are such blocks too. Both servers are this machine:
//!   they share the reader's directory (what a guide carries to the new server with a plain,
//!   not run, `rsync moving/ new-server:moving/` is already there) and the Docker engine, so
//!   each server gives the guide's names a suffix of its own (`blog-3f2a1c` on the first,
//!   `blog-3f2a1c-new` on `new`): files carried across are named in the guide with other
//!   words (`moving/database.dump`), and `file=` blocks get the first server's names.
//! - `<!-- guide daemon: none -->`: the page installs Wharf and starts its server itself
//!   (`getting-started/install.md`: `sudo scripts/install.sh`), so the runner starts none. The
//!   page starts in a copy of the checkout's `scripts/` and `examples/` (its names renamed in
//!   the examples too), and every block gets, as its environment, the settings the script reads
//!   (as `tests/e2e/install_script.rs` gives them): `WHARF_NO_SYSTEMD=1`, since there is no
//!   systemd here; `WHARF_BINARY`, this build's binary, so CI installs the binary (the Debian
//!   package's way is tested by `tests/e2e/package.rs`); a temporary `WHARF_DATA_DIR` and
//!   `WHARF_BIN_DIR` (first on `PATH`: `wharf` is what the page installed); and loopback ports
//!   (`WHARF_HTTP_LISTEN`, `WHARF_HTTPS_LISTEN`, `WHARF_API_LISTEN`), which curl's
//!   configuration reaches as ports 80 and 443. The commands stay the ones a user types.
//!   `sudo` runs its arguments as they are (the tests run as root; a real `sudo` would reset
//!   that environment). When the page is done, or fails, its apps are destroyed and the
//!   server it started is stopped; a done page fails if that server does not stop on SIGTERM
//!   or its containers still run.
//!
//! A failure names the guide, the block's line, the script, what it printed and the line of
//! the shown output that was not printed.

mod expect;
mod markdown;
mod names;

use super::acme::{Validation, acme_daemon};
use super::harness::{Daemon, WHARF, unique};
use super::install_script::running;
use super::pebble::Pebble;
use expect::Expected;
use markdown::{Guide, Run, Step};
use names::Renames;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The longest a block may run (a first build downloads its packages).
const BLOCK_TIMEOUT_SECS: &str = "900";

/// A page of the documentation, by its path under `docs/` (`guides/django.md`).
fn doc_path(page: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs")).join(page)
}

/// One of the servers a guide runs on: a daemon with Pebble as its ACME directory (or, for a
/// page that installs Wharf, the data directory and ports of the server the page starts), the
/// names it gives the guide's names, and curl's configuration that reaches it.
struct Server {
    /// Started by the runner, or (for a page that installs Wharf) only its data directory,
    /// ports and clean-up, for the server the page starts.
    daemon: Daemon,
    _pebble: Option<Pebble>,
    renames: Renames,
    /// `CURL_HOME`: a `.curlrc` that connects every name to this server.
    curl_home: tempfile::TempDir,
    /// What a page that starts its own server needs; see [`Install`].
    install: Option<Install>,
}

impl Server {
    /// A server started by the runner, or with `installed` (the guide's names), one that the
    /// page installs and starts.
    fn start(renames: Renames, installed: Option<&[String]>) -> Server {
        let (pebble, daemon, install) = match installed {
            Some(names) => {
                let install = Install::prepare(names, &renames);
                (None, Daemon::configured(&[], &[]), Some(install))
            }
            None => {
                let (pebble, daemon) = acme_daemon(Validation::default(), &[]);
                (Some(pebble), daemon, None)
            }
        };
        let curl_home = tempfile::tempdir().unwrap();
        // Ports 80 and 443 of every name, and the HTTPS port itself, where the daemon's
        // redirects to HTTPS point (`curl -L`).
        let (http, https) = (daemon.http.port(), daemon.https.port());
        let mut curlrc = format!(
            "connect-to = \":80:127.0.0.1:{http}\"\nconnect-to = \":443:127.0.0.1:{https}\"\nconnect-to = \":{https}:127.0.0.1:{https}\"\nno-progress-meter\n",
        );
        if let Some(pebble) = &pebble {
            curlrc.push_str(&format!(
                "cacert = \"{}\"\n",
                pebble.issuing_root().display()
            ));
        }
        std::fs::write(curl_home.path().join(".curlrc"), curlrc).unwrap();
        Server {
            daemon,
            _pebble: pebble,
            renames,
            curl_home,
            install,
        }
    }

    /// `text` as this server's test runs it: the guide's names renamed, and its data
    /// directory where the guide says `/var/lib/wharf`.
    fn apply(&self, text: &str) -> String {
        self.renames
            .apply(text)
            .replace(DATA_DIR, self.daemon.data_dir().to_str().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(install) = &self.install {
            let _ = install.stop(&self.daemon);
        }
    }
}

/// A page that installs Wharf and starts its server itself (`<!-- guide daemon: none -->`).
struct Install {
    /// The reader's checkout: a copy of this one's `scripts/` and `examples/`, with the
    /// page's names renamed in the examples (the script deploys `examples/hello`).
    checkout: tempfile::TempDir,
    /// Holds `bin_dir` and `tools`.
    _dir: tempfile::TempDir,
    /// Where the script installs `wharf` (`WHARF_BIN_DIR`).
    bin_dir: PathBuf,
    /// The pass-through `sudo`.
    tools: PathBuf,
    /// The page's names, renamed: apps destroyed when the page is done.
    apps: Vec<String>,
    /// Whether the page's apps are destroyed and its server stopped.
    stopped: std::cell::Cell<bool>,
}

impl Install {
    fn prepare(names: &[String], renames: &Renames) -> Install {
        let checkout = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().to_path_buf();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["scripts", "examples"] {
            let copied = Command::new("cp")
                .arg("-a")
                .arg(source.join(dir))
                .arg(checkout.path())
                .status()
                .unwrap();
            assert!(copied.success(), "copying {dir}/ of the checkout");
        }
        rename_in_files(&checkout.path().join("examples"), renames);
        let tools = state.join("tools");
        std::fs::create_dir_all(&tools).unwrap();
        // The tests run as root, where `sudo` changes nothing; a real one would reset the
        // environment that points the script at this test's directories and ports.
        let sudo = tools.join("sudo");
        std::fs::write(&sudo, "#!/bin/sh\nexec \"$@\"\n").unwrap();
        std::fs::set_permissions(&sudo, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        Install {
            checkout,
            _dir: dir,
            bin_dir: state.join("bin"),
            tools,
            apps: names.iter().map(|n| renames.apply(n)).collect(),
            stopped: std::cell::Cell::new(false),
        }
    }

    /// The settings `scripts/install.sh` reads, as a user would export them: no systemd,
    /// this build's binary, the test's data directory and loopback ports.
    fn env(&self, daemon: &Daemon) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("WHARF_NO_SYSTEMD", "1".into()),
            ("WHARF_BINARY", WHARF.into()),
            ("WHARF_BIN_DIR", self.bin_dir.clone().into()),
            ("WHARF_HTTP_LISTEN", daemon.http.to_string().into()),
            ("WHARF_HTTPS_LISTEN", daemon.https.to_string().into()),
            ("WHARF_API_LISTEN", daemon.api.to_string().into()),
            // Where the runner reads the server's log when a block fails.
            (
                "WHARF_LOG_FILE",
                daemon.data_dir().join("server.log").into(),
            ),
        ]
    }

    /// Destroy the page's apps and stop the server the page started (its pid file is the
    /// script's), once; the daemon's clean-up then removes what is left of its containers.
    /// An error says what is still running.
    fn stop(&self, daemon: &Daemon) -> Result<(), String> {
        if self.stopped.replace(true) {
            return Ok(());
        }
        for app in &self.apps {
            let _ = Command::new(WHARF)
                .arg("--data-dir")
                .arg(daemon.data_dir())
                .args(["apps", "destroy", app, "--confirm", app])
                .output();
        }
        let Ok(pid) = std::fs::read_to_string(daemon.data_dir().join("wharf.pid")) else {
            return Ok(());
        };
        let pid = pid.trim();
        let _ = Command::new("kill").args(["-TERM", pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while running(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        if running(pid) {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
            return Err(format!(
                "the server the page started (pid {pid}) did not stop on SIGTERM"
            ));
        }
        let id = std::fs::read_to_string(daemon.data_dir().join("instance-id")).unwrap_or_default();
        let label = format!("label=wharf.instance={}", id.trim());
        let left = Command::new("docker")
            .args(["ps", "--format", "{{.Names}}", "--filter", &label])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .unwrap_or_default();
        if !id.trim().is_empty() && !left.is_empty() {
            return Err(format!(
                "containers still running after the page's apps were destroyed: {left}"
            ));
        }
        Ok(())
    }
}

/// Every text file under `dir` with the page's names renamed.
fn rename_in_files(dir: &Path, renames: &Renames) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rename_in_files(&path, renames);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            std::fs::write(&path, renames.apply(&text)).unwrap();
        }
    }
}

/// The data directory of a server installed as the guides describe it.
const DATA_DIR: &str = "/var/lib/wharf";

/// A guide being done: its servers, the reader's directory and the shell's state.
struct Reader {
    /// The page, by its path under `docs/`.
    page: String,
    names: Vec<String>,
    /// This run's suffix for the guide's names (`names.rs`).
    suffix: String,
    /// The servers, by the name blocks give them (`server=new`); the first, unnamed, starts
    /// at once, another when a block first names it.
    servers: Vec<(Option<String>, Server)>,
    /// Where the reader starts: an empty directory.
    _home: tempfile::TempDir,
    /// The shell's state between blocks (`cwd`, `env`), the scripts.
    state: tempfile::TempDir,
}

impl Reader {
    fn start(page: &str, guide: &Guide) -> Reader {
        let names = &guide.names;
        let suffix = unique("g").trim_start_matches("g-").to_string();
        let first = Server::start(
            Renames::new(names, &suffix),
            guide.starts_its_server.then_some(names.as_slice()),
        );
        let home = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        // A page that installs Wharf starts in its checkout; any other in an empty directory.
        let start_in = match &first.install {
            Some(install) => install.checkout.path(),
            None => home.path(),
        };
        std::fs::write(state.path().join("cwd"), start_in.to_str().unwrap()).unwrap();
        Reader {
            page: page.to_string(),
            names: names.to_vec(),
            suffix,
            servers: vec![(None, first)],
            _home: home,
            state,
        }
    }

    /// The index of the server named `name` (the first for `None`), started if it is not
    /// yet. Each has names of its own: the servers share this machine's Docker engine, where
    /// a real new server has its own.
    fn server(&mut self, name: Option<&str>) -> usize {
        let name = name.map(str::to_string);
        if let Some(index) = self.servers.iter().position(|(n, _)| *n == name) {
            return index;
        }
        let suffix = format!("{}-{}", self.suffix, name.as_deref().unwrap_or_default());
        let server = Server::start(Renames::new(&self.names, &suffix), None);
        self.servers.push((name, server));
        self.servers.len() - 1
    }

    fn cwd(&self) -> PathBuf {
        PathBuf::from(
            std::fs::read_to_string(self.state.path().join("cwd"))
                .unwrap()
                .trim(),
        )
    }

    /// Run one block once: its exit status's success and what it printed.
    fn run_once(&self, server: &Server, run: &Run) -> (bool, String) {
        let dir = self.state.path();
        let script = dir.join(format!("block-{}.sh", run.line));
        std::fs::write(&script, &run.script).unwrap();
        let wrapper = dir.join(format!("run-{}.sh", run.line));
        let q = |p: &Path| format!("'{}'", p.display());
        std::fs::write(
            &wrapper,
            format!(
                // The variables carried over are the guide's: the server's own come after them.
                "exec 2>&1\n[ -f {env} ] && . {env}\nexport WHARF_DATA_DIR={data} CURL_HOME={curl}\ncd \"$(cat {cwd})\"\n. {script}\npwd > {cwd}\nexport -p > {env}\n",
                env = q(&dir.join("env")),
                data = q(server.daemon.data_dir()),
                curl = q(server.curl_home.path()),
                cwd = q(&dir.join("cwd")),
                script = q(&script),
            ),
        )
        .unwrap();
        // The binary under test first on PATH; for an install page, what the page installs
        // (and `sudo`).
        let first = match &server.install {
            Some(install) => format!("{}:{}", install.tools.display(), install.bin_dir.display()),
            None => Path::new(WHARF).parent().unwrap().display().to_string(),
        };
        let path = format!("{first}:{}", std::env::var("PATH").unwrap_or_default());
        let install_env = match &server.install {
            Some(install) => install.env(&server.daemon),
            None => Vec::new(),
        };
        let out = Command::new("timeout")
            .args(["--kill-after=5", BLOCK_TIMEOUT_SECS, "bash", "-e"])
            .arg(&wrapper)
            .env("PATH", path)
            .env("WHARF_DATA_DIR", server.daemon.data_dir())
            .env("CURL_HOME", server.curl_home.path())
            .envs(install_env)
            .env_remove("WHARF_SERVER")
            .env_remove("WHARF_TOKEN")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    }

    /// Run a block on its server (again while it may wait) and insist it succeeds and prints
    /// what is shown.
    fn run(&mut self, run: &Run) {
        let index = self.server(run.server.as_deref());
        let server = &self.servers[index].1;
        let run = &Run {
            script: server.apply(&run.script),
            expected: run
                .expected
                .as_ref()
                .map(|(line, text)| (*line, server.apply(text))),
            ..run.clone()
        };
        let expected = run.expected.as_ref().map(|(_, text)| Expected::parse(text));
        let deadline = Instant::now() + run.wait.unwrap_or_default();
        loop {
            let (ok, printed) = self.run_once(server, run);
            let matched = match &expected {
                Some(expected) => expected.check(&printed),
                None => Ok(()),
            };
            if ok && matched.is_ok() {
                return;
            }
            if Instant::now() >= deadline {
                self.fail(server, run, ok, &printed, matched.err());
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn fail(
        &self,
        server: &Server,
        run: &Run,
        ok: bool,
        printed: &str,
        mismatch: Option<expect::Mismatch>,
    ) -> ! {
        let mut report = format!(
            "docs/{}: the block at line {}{} {}\n--- script:\n{}--- printed:\n{printed}",
            self.page,
            run.line,
            match &run.server {
                Some(name) => format!(" (on server {name})"),
                None => String::new(),
            },
            if ok {
                "printed something else"
            } else {
                "failed"
            },
            run.script,
        );
        if let (Some((line, shown)), Some(mismatch)) = (&run.expected, mismatch) {
            report.push_str(&format!(
                "--- shown at line {line}:\n{shown}--- not printed: {:?} (looked for from printed line {})\n",
                mismatch.missing,
                mismatch.at + 1
            ));
        }
        let log = server.daemon.log();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        report.push_str("--- server log, last lines:\n");
        for line in tail.into_iter().rev() {
            report.push_str(line);
            report.push('\n');
        }
        panic!("{report}");
    }

    /// Write a file the guide shows, with the first server's names.
    fn write(&self, path: &str, text: &str) {
        let renames = &self.servers[0].1.renames;
        let target = self.cwd().join(renames.apply(path));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, renames.apply(text)).unwrap();
    }
}

impl Drop for Reader {
    /// The servers stop (their daemons remove their containers, images and networks), then
    /// the volumes named by the guide's names go: Docker makes a mount's named volume
    /// (`blog-data`) without the daemon's label, so its clean-up does not see them.
    fn drop(&mut self) {
        let volumes: Vec<String> = self
            .servers
            .iter()
            .flat_map(|(_, server)| self.names.iter().map(|name| server.renames.apply(name)))
            .collect();
        self.servers.clear();
        for volume in volumes {
            let _ = Command::new("docker")
                .args(["volume", "rm", "--force", &volume])
                .output();
        }
    }
}

/// Do the page `docs/PAGE` (`guides/django.md`) from its first block to its last.
fn follow(page: &str) {
    let started = Instant::now();
    let markdown = std::fs::read_to_string(doc_path(page)).unwrap();
    let guide = Guide::parse(&markdown).unwrap_or_else(|e| panic!("docs/{page}: {e:?}"));
    let mut reader = Reader::start(page, &guide);
    for step in &guide.steps {
        match step {
            Step::Write { path, text, .. } => reader.write(path, text),
            Step::Run(run) => reader.run(run),
        }
    }
    // A page that started its server leaves nothing running once it is done.
    if let Some(install) = &reader.servers[0].1.install {
        install
            .stop(&reader.servers[0].1.daemon)
            .unwrap_or_else(|e| panic!("docs/{page}: {e}"));
    }
    eprintln!("docs/{page}: done in {:.0?}", started.elapsed());
}

#[test]
fn backups_guide() {
    follow("guides/backups.md");
}

#[test]
fn custom_domains_guide() {
    follow("guides/custom-domains.md");
}

#[test]
fn django_guide() {
    follow("guides/django.md");
}

#[test]
fn fastapi_guide() {
    follow("guides/fastapi.md");
}

#[test]
fn flask_guide() {
    follow("guides/flask.md");
}

#[test]
fn moving_server_guide() {
    follow("guides/moving-server.md");
}

#[test]
fn node_guide() {
    follow("guides/node.md");
}

#[test]
fn redis_guide() {
    follow("guides/redis.md");
}

#[test]
fn static_site_guide() {
    follow("guides/static-site.md");
}

#[test]
fn worker_and_cron_guide() {
    follow("guides/worker-and-cron.md");
}

#[test]
fn first_deploy_page() {
    follow("getting-started/first-deploy.md");
}

#[test]
fn install_page() {
    follow("getting-started/install.md");
}

#[test]
fn dns_page() {
    follow("getting-started/dns.md");
}

#[test]
fn heroku_page() {
    follow("migrating/heroku.md");
}

#[test]
fn dokku_page() {
    follow("migrating/dokku.md");
}

#[test]
fn mypaas_page() {
    follow("migrating/mypaas.md");
}

#[test]
fn caprover_page() {
    follow("migrating/caprover.md");
}

/// Pages outside `docs/guides` that CI runs, by their path under `docs/`, each followed by a
/// test above. Any other page with a `sh test` block is an error: its blocks would never run.
const OTHER_RUN_PAGES: &[&str] = &[
    "getting-started/dns.md",
    "getting-started/first-deploy.md",
    "getting-started/install.md",
    "migrating/caprover.md",
    "migrating/dokku.md",
    "migrating/heroku.md",
    "migrating/mypaas.md",
];

/// The pages to check: every guide, then [`OTHER_RUN_PAGES`].
fn run_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(doc_path("guides"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.extend(OTHER_RUN_PAGES.iter().map(|page| doc_path(page)));
    pages
}

/// Every page with `sh test` blocks under `docs/` (recursively).
fn pages_with_test_blocks(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            pages_with_test_blocks(&path, found);
        } else if path.extension().is_some_and(|e| e == "md")
            && std::fs::read_to_string(&path)
                .unwrap()
                .contains("```sh test")
        {
            found.push(path);
        }
    }
}

/// Every guide and every page of [`OTHER_RUN_PAGES`] is followed by a test above, parses, runs
/// something, declares its names, and its shown outputs are checked: each matches itself as
/// printed (placeholders filled in), and a doctored copy does not. No other page has blocks
/// that look run but are not.
#[test]
fn guides_parse_and_a_drifted_output_fails() {
    let mut guides = 0;
    let pages = run_pages();
    let mut with_blocks = Vec::new();
    pages_with_test_blocks(&doc_path(""), &mut with_blocks);
    for path in &with_blocks {
        assert!(
            pages.contains(path),
            "{} has `sh test` blocks that nothing runs: add it to OTHER_RUN_PAGES and follow it in a test",
            path.display()
        );
    }
    for path in pages {
        let name = path.display();
        let text = std::fs::read_to_string(&path).unwrap();
        let page = path
            .strip_prefix(doc_path(""))
            .unwrap()
            .display()
            .to_string();
        assert!(
            include_str!("guides.rs").contains(&format!("follow(\"{page}\")")),
            "{name} is followed by no test: add one that calls follow(\"{page}\")"
        );
        guides += 1;
        let guide = Guide::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(!guide.names.is_empty(), "{name} declares its names");
        let runs: Vec<&Run> = guide
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Run(run) => Some(run),
                Step::Write { .. } => None,
            })
            .collect();
        assert!(!runs.is_empty(), "{name} runs nothing");
        for run in runs {
            let Some((line, shown)) = &run.expected else {
                continue;
            };
            let printed = as_printed(shown);
            let expected = Expected::parse(shown);
            assert_eq!(expected.check(&printed), Ok(()), "{name}:{line}\n{printed}");
            if let Some(drifted) = doctored(shown) {
                assert!(
                    Expected::parse(&drifted).check(&printed).is_err(),
                    "{name}:{line}: a drifted output passes:\n{drifted}"
                );
            }
        }
    }
    assert!(guides > 0);
}

/// A shown output as a program could print it: no elisions, placeholders filled in.
fn as_printed(shown: &str) -> String {
    let mut printed = String::new();
    for line in shown.lines().filter(|l| l.trim() != "...") {
        printed.push_str(&expect::pieces(line).join("filled-in"));
        printed.push('\n');
    }
    printed
}

/// The shown output with its first letter or digit outside a placeholder changed, as a guide
/// that drifted from the code would show it.
fn doctored(shown: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    for line in shown.lines() {
        let pieces = expect::pieces(line);
        if !changed
            && line.trim() != "..."
            && pieces.iter().any(|p| p.contains(char::is_alphanumeric))
        {
            let mut pieces = pieces.clone();
            let piece = pieces
                .iter_mut()
                .find(|p| p.contains(char::is_alphanumeric))
                .unwrap();
            *piece = piece.replacen(char::is_alphanumeric, "~", 1);
            changed = true;
            out.push_str(&pieces.join("<value>"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    changed.then_some(out)
}
