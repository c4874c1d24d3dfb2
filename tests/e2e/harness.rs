//! Test harness: a `wharf server` process per test on free loopback ports with its own data
//! directory, the CLI run as a real process, HTTP through the proxy with hyper's client, and
//! clean-up of exactly the containers and images that this test's server labelled as its own.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const WHARF: &str = env!("CARGO_BIN_EXE_wharf");

/// A loopback port that was free a moment ago and that no other test of this run was given.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{:x}{n}", (std::process::id() ^ nanos) & 0xffffff)
}

/// A directory holding an app: a Dockerfile with `settings` (comment lines) on top of a
/// busybox httpd that serves `body` on port 8080.
pub fn app_dir(settings: &str, body: &str) -> tempfile::TempDir {
    app_dir_with(
        settings,
        body,
        r#"CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]"#,
    )
}

/// Like `app_dir`, with a custom CMD line.
pub fn app_dir_with(settings: &str, body: &str, cmd: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dockerfile =
        format!("{settings}\nFROM busybox:latest\nCOPY www /www\nEXPOSE 8080\n{cmd}\n");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    std::fs::create_dir(dir.path().join("www")).unwrap();
    std::fs::write(dir.path().join("www/index.html"), body).unwrap();
    dir
}

pub struct Daemon {
    child: Option<Child>,
    dir: tempfile::TempDir,
    pub http: SocketAddr,
    pub https: SocketAddr,
    pub api: SocketAddr,
    extra: Vec<String>,
    env: Vec<(String, String)>,
}

impl Daemon {
    pub fn start() -> Daemon {
        Daemon::start_with(&[])
    }

    /// Start a server with extra `wharf server` arguments.
    pub fn start_with(extra: &[&str]) -> Daemon {
        let mut daemon = Daemon::configured(extra, &[]);
        daemon.spawn();
        daemon
    }

    /// A server that is configured but not started.
    pub fn configured(extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        Daemon {
            child: None,
            dir: tempfile::tempdir().unwrap(),
            http: SocketAddr::from(([127, 0, 0, 1], free_port())),
            https: SocketAddr::from(([127, 0, 0, 1], free_port())),
            api: SocketAddr::from(([127, 0, 0, 1], free_port())),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Other extra `wharf server` arguments, for the next `spawn` (after `terminate`).
    pub fn set_extra(&mut self, extra: &[&str]) {
        self.extra = extra.iter().map(|s| s.to_string()).collect();
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The `wharf server` command for this daemon.
    pub fn server_command(&self) -> Command {
        let mut cmd = Command::new(WHARF);
        cmd.arg("--data-dir")
            .arg(self.data_dir())
            .arg("server")
            .arg("--http-listen")
            .arg(self.http.to_string())
            .arg("--https-listen")
            .arg(self.https.to_string())
            .arg("--api-listen")
            .arg(self.api.to_string())
            .args([
                "--health-timeout",
                "20",
                "--drain-timeout",
                "5",
                "--stop-grace",
                "2",
                // Tests never order certificates from Let's Encrypt; ACME tests pass their own
                // directory (a later value wins).
                "--acme-directory",
                "off",
                // A test machine's disk may well be over 90% full; an alert about it in every
                // test's activity log is noise (the disk alert has its unit test).
                "--disk-alert-percent",
                "100",
            ])
            .args(&self.extra)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    pub fn spawn(&mut self) {
        let command = self.server_command();
        self.spawn_from(command);
    }

    /// Start the server with `command` (a `server_command`, perhaps wrapped or given sockets),
    /// and wait until it serves its API socket and the proxy port connects.
    pub fn spawn_from(&mut self, mut command: Command) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let child = command
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let socket = self.data_dir().join("wharf.sock");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok()
                && std::net::TcpStream::connect(self.http).is_ok()
            {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("wharf server exited with {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "wharf server did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Kill the server the hard way, as a crash or power cut would.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server is running").id()
    }

    /// Wait (two minutes at most) for the server to exit by itself; whether it exited cleanly.
    pub fn wait_for_exit(&mut self) -> bool {
        let mut child = self.child.take().expect("server is running");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM and wait for the server to exit; returns whether it exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let mut child = self.child.take().expect("server is running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        child.wait().unwrap().success()
    }

    /// GET `path` on the daemon's API socket (as root, the socket needs no token):
    /// (status, body).
    pub fn api_get(&self, path: &str) -> (u16, String) {
        let out = Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}", "--unix-socket"])
            .arg(self.data_dir().join("wharf.sock"))
            .arg(format!("http://wharf{path}"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (status.trim().parse().unwrap_or(0), body.to_string())
    }

    /// Run the CLI against this server's data directory (so, its socket).
    pub fn wharf(&self, args: &[&str]) -> Output {
        Command::new(WHARF)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Run the CLI against this server with `input` on its standard input.
    pub fn wharf_with_stdin(&self, args: &[&str], input: impl AsRef<[u8]>) -> Output {
        let mut cmd = Command::new(WHARF);
        cmd.arg("--data-dir").arg(self.data_dir()).args(args);
        output_with_stdin(&mut cmd, input)
    }

    /// Run a listing with `--json` and parse what it printed.
    pub fn wharf_json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        let out = self.wharf_ok(&args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {out}"))
    }

    /// An app's config vars, as `wharf config show APP --reveal --json` gives them.
    pub fn config_vars(&self, app: &str) -> std::collections::BTreeMap<String, String> {
        serde_json::from_value(
            self.wharf_json(&["config", "show", app, "--reveal"])["vars"].clone(),
        )
        .unwrap()
    }

    /// Run the CLI and insist that it succeeds; returns its stdout.
    pub fn wharf_ok(&self, args: &[&str]) -> String {
        let out = self.wharf(args);
        assert!(
            out.status.success(),
            "wharf {args:?} failed:\nstdout: {}\nstderr: {}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn deploy(&self, dir: &Path) -> Output {
        self.wharf(&["deploy", dir.to_str().unwrap()])
    }

    pub fn deploy_ok(&self, dir: &Path) -> String {
        self.wharf_ok(&["deploy", dir.to_str().unwrap()])
    }

    pub fn instance_id(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("instance-id"))
            .unwrap()
            .trim()
            .to_string()
    }

    /// Names of this server's containers of `app` (running or not).
    pub fn containers(&self, app: &str) -> Vec<String> {
        let out = Command::new("docker")
            .args(["ps", "-a", "--format", "{{.Names}}"])
            .arg("--filter")
            .arg(format!("label=wharf.instance={}", self.instance_id()))
            .arg("--filter")
            .arg(format!("label=wharf.app={app}"))
            .output()
            .unwrap();
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    /// Start `wharf deploy DIR` in the background, output discarded.
    pub fn deploy_in_background(&self, dir: &Path) -> Child {
        Command::new(WHARF)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["deploy", dir.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Wait until this server has a container called `name` for `app`.
    pub fn wait_for_container(&self, app: &str, name: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.containers(app).iter().any(|c| c == name) {
            assert!(
                Instant::now() < deadline,
                "container {name} never appeared:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until this server's containers of `app` are exactly `expected`: a deploy returns
    /// when its release is live, and the instances it replaced drain and go in the background.
    pub fn wait_for_containers(&self, app: &str, expected: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.containers(app) != expected {
            assert!(
                Instant::now() < deadline,
                "{app}'s containers are {:?}, not {expected:?}:\n{}",
                self.containers(app),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `wharf ps APP` once no replaced instance is still draining, stopping or being removed.
    pub fn ps_settled(&self, app: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ps = self.wharf_ok(&["ps", app]);
            // Docker's own passing states too: a retired container is `removing` for a moment.
            if !["draining", "stopping", "removing"]
                .iter()
                .any(|passing| ps.contains(passing))
            {
                return ps;
            }
            assert!(Instant::now() < deadline, "never settled:\n{ps}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// GET `path` through the proxy with the given Host header.
    pub fn get(&self, host: &str, path: &str) -> Result<(u16, String), String> {
        http_get(self.http, host, path)
    }

    /// Wait until `host` answers 200 with a body containing `needle`.
    pub fn wait_for_body(&self, host: &str, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = Err("no request yet".to_string());
        while Instant::now() < deadline {
            last = self.get(host, "/");
            if matches!(&last, Ok((200, body)) if body.contains(needle)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "{host} never served `{needle}`; last answer: {last:?}\n{}",
            self.log()
        );
    }
}

/// How much of the server's log a failed test prints.
const LOG_TAIL_ON_FAILURE: usize = 80;

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() {
            // What the server said last, beside the failed test's own output.
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_ON_FAILURE)..];
            eprintln!("---- the server's last log lines ----\n{}", tail.join("\n"));
        }
        let Ok(id) = std::fs::read_to_string(self.data_dir().join("instance-id")) else {
            return;
        };
        let label = format!("label=wharf.instance={}", id.trim());
        remove_listed(&["ps", "-aq", "--filter", &label], &["rm", "-f", "-v"]);
        remove_listed(&["images", "-q", "--filter", &label], &["rmi", "-f"]);
        remove_listed(
            &["network", "ls", "-q", "--filter", &label],
            &["network", "rm"],
        );
        remove_listed(
            &["volume", "ls", "-q", "--filter", &label],
            &["volume", "rm", "-f"],
        );
    }
}

/// Start a container that is not Wharf's: no labels, just a name.
pub fn foreign_container(name: &str) {
    let out = Command::new("docker")
        .args([
            "run",
            "-d",
            "--name",
            name,
            "busybox:latest",
            "sleep",
            "600",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the container called `name` is running.
pub fn container_running(name: &str) -> bool {
    let out = Command::new("docker")
        .args(["inspect", "-f", "{{.State.Running}}", name])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "true"
}

pub fn remove_container(name: &str) {
    let _ = Command::new("docker").args(["rm", "-f", name]).output();
}

/// Run a docker listing and feed what it prints to a docker removal command.
fn remove_listed(list: &[&str], remove: &[&str]) {
    let Ok(out) = Command::new("docker").args(list).output() else {
        return;
    };
    let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    if !ids.is_empty() {
        let _ = Command::new("docker").args(remove).args(&ids).output();
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

pub type HttpClient = Client<HttpConnector, Empty<Bytes>>;

pub fn http_client() -> HttpClient {
    Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// One GET through `proxy` with a Host header, on a fresh client.
pub fn http_get(proxy: SocketAddr, host: &str, path: &str) -> Result<(u16, String), String> {
    let client = http_client();
    runtime().block_on(get_with(&client, proxy, host, path))
}

/// One GET through `proxy` with a Host header, on the given (pooled, keep-alive) client.
pub async fn get_with(
    client: &HttpClient,
    proxy: SocketAddr,
    host: &str,
    path: &str,
) -> Result<(u16, String), String> {
    let request = hyper::Request::get(format!("http://{proxy}{path}"))
        .header("host", host)
        .body(Empty::new())
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), client.request(request))
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| format!("request failed: {e:?}"))?;
    let status = response.status().as_u16();
    // Bounded too: a body that never ends is a failed request, not a test that hangs.
    let body = tokio::time::timeout(Duration::from_secs(10), response.into_body().collect())
        .await
        .map_err(|_| "body timed out".to_string())?
        .map_err(|e| format!("body failed: {e}"))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).to_string()))
}

pub fn spawn_on_runtime<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime().spawn(future)
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// Assert that a command failed and that its error output says `needle`.
pub fn fails_with(out: &Output, needle: &str) {
    assert!(!out.status.success(), "expected a failure: {}", stdout(out));
    let err = stderr(out);
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// A client that keeps sending GET `/` through the proxy until stopped, counting the answers
/// that are 200 with a body starting with `expect` and keeping the others (failures).
pub struct RequestLoop {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<(u64, Vec<String>)>,
}

impl RequestLoop {
    pub fn start(proxy: SocketAddr, host: &str, expect: &str) -> RequestLoop {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, host, expect) = (stop.clone(), host.to_string(), expect.to_string());
        let task = spawn_on_runtime(async move {
            let client = http_client();
            let (mut ok, mut failures) = (0u64, Vec::new());
            let deadline = Instant::now() + Duration::from_secs(900);
            while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
                match get_with(&client, proxy, &host, "/").await {
                    Ok((200, body)) if body.starts_with(&expect) => ok += 1,
                    other => failures.push(format!("{other:?}")),
                }
            }
            (ok, failures)
        });
        RequestLoop { stop, task }
    }

    /// Stop; how many requests succeeded, and how each failed one failed.
    pub fn finish(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        block_on(self.task).unwrap()
    }

    /// Stop, and insist that no request failed and that requests were sent meanwhile.
    pub fn assert_none_failed(self) {
        let (ok, failures) = self.finish();
        assert!(
            failures.is_empty(),
            "{} of {} requests failed: {:?}",
            failures.len(),
            ok as usize + failures.len(),
            &failures[..failures.len().min(10)]
        );
        assert!(ok > 10, "the client kept sending requests ({ok})");
    }
}

/// `docker inspect -f FORMAT CONTAINER`, trimmed.
pub fn inspect(container: &str, format: &str) -> String {
    let out = Command::new("docker")
        .args(["inspect", "-f", format, container])
        .output()
        .unwrap();
    stdout(&out).trim().to_string()
}

/// What sshd runs for a push key (named `tester`) when the client asks for `command`.
pub fn ssh_command(d: &Daemon, command: &str) -> Output {
    Command::new(WHARF)
        .arg("--data-dir")
        .arg(d.data_dir())
        .args(["ssh-command", "tester"])
        .env("SSH_ORIGINAL_COMMAND", command)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Run `cmd` with `input` written to its standard input (then closed), and collect its output.
pub fn output_with_stdin(cmd: &mut Command, input: impl AsRef<[u8]>) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that exits without reading all of it closes the pipe: not this function's error.
    let _ = child.stdin.take().unwrap().write_all(input.as_ref());
    child.wait_with_output().unwrap()
}
