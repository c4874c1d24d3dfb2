#!/usr/bin/env bash
# Installs Wharf on this Debian/Ubuntu machine, starts it, and deploys the bundled example app.
# Run from a checkout, as root: installs what is missing (Docker, a Rust toolchain), builds
# wharf, starts `wharf server`, then `wharf deploy examples/hello` and prints the app's URL.
# WHARF_HTTP_LISTEN changes the proxy's address (default 0.0.0.0:80), WHARF_HTTPS_LISTEN its HTTPS
# address when started without systemd (default 0.0.0.0:443, `none` for no HTTPS).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
data_dir=${WHARF_DATA_DIR:-/var/lib/wharf}
listen=${WHARF_HTTP_LISTEN:-0.0.0.0:80}
https_listen=${WHARF_HTTPS_LISTEN:-0.0.0.0:443}

scripts/docker-setup.sh

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
install -m 0755 target/release/wharf /usr/local/bin/wharf

socket="$data_dir/wharf.sock"
if ! curl -s --unix-socket "$socket" http://wharf/v1/status >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    wharf --data-dir "$data_dir" init --http-listen "$listen"
  else
    echo "wharf: starting wharf server (log: /var/log/wharf.log)"
    nohup wharf --data-dir "$data_dir" server --http-listen "$listen" --https-listen "$https_listen" >>/var/log/wharf.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    curl -s --unix-socket "$socket" http://wharf/v1/status >/dev/null 2>&1 && break
    sleep 0.5
  done
fi

wharf --data-dir "$data_dir" deploy examples/hello
port=${listen##*:}
suffix=$([ "$port" = 80 ] && echo "" || echo ":$port")
echo
echo "The example app answers at http://hello.localhost$suffix/"
echo "  curl http://hello.localhost$suffix/     (or: curl -H 'Host: hello.localhost' http://127.0.0.1$suffix/)"
