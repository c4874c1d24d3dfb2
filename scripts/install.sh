#!/usr/bin/env bash
# Installs Wharf on this Debian/Ubuntu machine, starts it, and deploys the bundled example app.
# Run from a checkout, as root: installs what is missing (Docker, a Rust toolchain), builds
# wharf, sets it up with `wharf init` (the `wharf` user and group, the first API token and
# dashboard user, and a systemd unit where there is systemd), starts `wharf server`, then
# `wharf deploy examples/hello` and prints the app's URL.
# Settings (environment):
#   WHARF_HTTP_LISTEN   the proxy's address (default 0.0.0.0:80)
#   WHARF_HTTPS_LISTEN  its HTTPS address (default 0.0.0.0:443, `none` for no HTTPS)
#   WHARF_DATA_DIR      the data directory (default /var/lib/wharf)
#   WHARF_BINARY        install this wharf binary instead of building one
#   WHARF_BIN_DIR       where to install it (default /usr/local/bin)
# Without systemd (or with WHARF_NO_SYSTEMD=1) the server is started in the background; these
# apply there only:
#   WHARF_API_LISTEN    the plain HTTP API's address (default the server's, 127.0.0.1:7070)
#   WHARF_LOG_FILE      its log (default /var/log/wharf.log); its pid goes to DATA/wharf.pid
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
data_dir=${WHARF_DATA_DIR:-/var/lib/wharf}
listen=${WHARF_HTTP_LISTEN:-0.0.0.0:80}
https_listen=${WHARF_HTTPS_LISTEN:-0.0.0.0:443}
bin_dir=${WHARF_BIN_DIR:-/usr/local/bin}
log_file=${WHARF_LOG_FILE:-/var/log/wharf.log}
systemd=yes
if [ ! -d /run/systemd/system ] || [ -n "${WHARF_NO_SYSTEMD:-}" ]; then
  systemd=no
fi

scripts/docker-setup.sh

binary=${WHARF_BINARY:-}
if [ -z "$binary" ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      echo "wharf: installing a Rust toolchain with rustup"
      command -v gcc >/dev/null 2>&1 || apt-get install -y -qq build-essential >/dev/null
      curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal >/dev/null
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  echo "wharf: building (release)"
  cargo build --release --locked --quiet
  binary=target/release/wharf
fi
mkdir -p "$bin_dir"
install -m 0755 "$binary" "$bin_dir/wharf"
wharf="$bin_dir/wharf"
# Tab completion of commands, options and values for bash users (bash-completion reads it).
mkdir -p /etc/bash_completion.d
"$wharf" completions bash > /etc/bash_completion.d/wharf

socket="$data_dir/wharf.sock"
if ! curl -s --unix-socket "$socket" http://wharf/v1/status >/dev/null 2>&1; then
  if [ "$systemd" = yes ]; then
    "$wharf" --data-dir "$data_dir" init --http-listen "$listen" --https-listen "$https_listen"
  else
    # What the unit would give, without it: the `wharf` user and group (so the socket's group
    # is `wharf` from the start) and the first API token, printed once.
    "$wharf" --data-dir "$data_dir" init --no-systemd --http-listen "$listen" --https-listen "$https_listen"
    server_args=(--data-dir "$data_dir" server --http-listen "$listen" --https-listen "$https_listen")
    [ -z "${WHARF_API_LISTEN:-}" ] || server_args+=(--api-listen "$WHARF_API_LISTEN")
    echo "wharf: starting wharf server (no systemd here; log: $log_file, pid in $data_dir/wharf.pid)"
    mkdir -p "$data_dir"
    # In a session of its own, so that the end of this shell does not end the server.
    setsid nohup "$wharf" "${server_args[@]}" >>"$log_file" 2>&1 &
    echo $! >"$data_dir/wharf.pid"
  fi
  for _ in $(seq 1 60); do
    curl -s --unix-socket "$socket" http://wharf/v1/status >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -s --unix-socket "$socket" http://wharf/v1/status >/dev/null 2>&1 || {
    echo "wharf: the server did not start; see $log_file (or journalctl -u wharf)" >&2
    exit 1
  }
  if [ "$systemd" = no ]; then
    echo "wharf: stop it with: kill -TERM \$(cat $data_dir/wharf.pid)   (in-flight requests and deploys finish first)"
    echo "wharf: start it again with: setsid nohup $wharf ${server_args[*]} >>$log_file 2>&1 &"
  fi
fi

"$wharf" --data-dir "$data_dir" deploy examples/hello
port=${listen##*:}
suffix=$([ "$port" = 80 ] && echo "" || echo ":$port")
echo
echo "The example app answers at http://hello.localhost$suffix/"
echo "  curl http://hello.localhost$suffix/     (or: curl -H 'Host: hello.localhost' http://127.0.0.1$suffix/)"
api=${WHARF_API_LISTEN:-127.0.0.1:7070}
echo
echo "The dashboard is at http://$api/ on this machine (from yours: ssh -L ${api##*:}:$api root@THIS-SERVER,"
echo "then open http://localhost:${api##*:}/). Sign in as admin with the password \`wharf init\` printed above;"
echo "lost it? sudo $wharf --data-dir $data_dir users passwd admin"
