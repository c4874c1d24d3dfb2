#!/usr/bin/env bash
# Installs Wharf on this Debian/Ubuntu machine, starts it, and deploys the bundled example app.
# Run from a checkout, as root: installs what is missing (Docker), installs wharf, sets it up
# with `wharf init` (the `wharf` user and group, the first API token and dashboard user, and a
# systemd unit where there is systemd), starts `wharf server`, then `wharf deploy
# examples/hello` and prints the app's URL.
# Where wharf comes from, the first that applies (scripts/package.sh makes the package and the
# binary; docs/install.md):
#   --package FILE.deb  this Debian package (dpkg -i: /usr/bin/wharf, units, completions, man)
#   --binary FILE       this binary (also WHARF_BINARY=FILE), installed into WHARF_BIN_DIR
#   --build             build from this checkout, even with a package or binary at hand
#   a wharf_*.deb, then a wharf-*-linux binary, lying beside this script or in target/package/
#   otherwise: build it here (installs a Rust toolchain; minutes, and over 1 GB of memory)
# Settings (environment):
#   WHARF_HTTP_LISTEN   the proxy's address (default 0.0.0.0:80)
#   WHARF_HTTPS_LISTEN  its HTTPS address (default 0.0.0.0:443, `none` for no HTTPS)
#   WHARF_DATA_DIR      the data directory (default /var/lib/wharf)
#   WHARF_BINARY        install this wharf binary instead of building one (as --binary)
#   WHARF_BIN_DIR       where to install a binary (default /usr/local/bin; a package's is /usr/bin)
# Without systemd (or with WHARF_NO_SYSTEMD=1) the server is started in the background; these
# apply there only:
#   WHARF_API_LISTEN    the plain HTTP API's address (default the server's, 127.0.0.1:7070)
#   WHARF_LOG_FILE      its log (default /var/log/wharf.log); its pid goes to DATA/wharf.pid
set -euo pipefail
usage="usage: $0 [--package FILE.deb | --binary FILE | --build]"
package=
binary=${WHARF_BINARY:-}
build=no
while [ $# -gt 0 ]; do
  case "$1" in
    --package | --binary)
      if [ $# -lt 2 ] || [ -z "$2" ]; then
        echo "wharf: $1 needs a file: $usage" >&2
        exit 2
      fi
      # Relative to where the script was started, before it moves to the checkout.
      file=$(realpath -m -- "$2")
      if [ "$1" = --package ]; then package=$file; else binary=$file; fi
      shift 2
      ;;
    --build) build=yes; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "wharf: unknown argument \`$1\`; $usage" >&2; exit 2 ;;
  esac
done
[ "$build" = no ] || { package=; binary=; }
[ -z "$package" ] || [ -z "$binary" ] || { echo "wharf: give --package or --binary (or WHARF_BINARY), not both" >&2; exit 2; }
script_dir=$(cd "$(dirname "$0")" && pwd)
cd "$script_dir/.."
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

# The newest (by version) of the files matching a pattern beside this script or in
# target/package/, or nothing.
found() {
  local pattern=$1
  find "$script_dir" target/package -maxdepth 1 -type f -name "$pattern" 2>/dev/null | sort -V | tail -n 1
}
if [ "$build" = no ] && [ -z "$package" ] && [ -z "$binary" ]; then
  package=$(found "wharf_*_$(dpkg --print-architecture).deb")
  [ -n "$package" ] || binary=$(found "wharf-*-$(uname -m)-linux*")
  [ -z "$package$binary" ] || echo "wharf: found ${package:-$binary} (give --build to build from this checkout instead)"
fi

# A package: checked to be a Debian package of wharf for this machine, then installed by dpkg.
check_package() {
  local file=$1 name arch here
  [ -f "$file" ] || { echo "wharf: the package $file does not exist" >&2; exit 1; }
  name=$(dpkg-deb --field "$file" Package 2>/dev/null) || {
    echo "wharf: $file is not a Debian package (dpkg-deb cannot read it); give the wharf_VERSION_ARCH.deb that scripts/package.sh makes" >&2
    exit 1
  }
  [ "$name" = wharf ] || { echo "wharf: $file is the package \`$name\`, not wharf" >&2; exit 1; }
  arch=$(dpkg-deb --field "$file" Architecture)
  here=$(dpkg --print-architecture)
  [ "$arch" = "$here" ] || {
    echo "wharf: $file is built for $arch; this machine is $here: build a package here with scripts/package.sh (or --build)" >&2
    exit 1
  }
}

# A binary: an executable of this machine's CPU that says it is wharf.
check_binary() {
  local file=$1 magic machine want version
  [ -f "$file" ] || { echo "wharf: the binary $file does not exist" >&2; exit 1; }
  magic=$(head -c 4 "$file" | od -An -tx1 | tr -d ' \n')
  if [ "$magic" != 7f454c46 ]; then
    case "$file" in
      *.deb) echo "wharf: $file is a package, not a binary: give it with --package" >&2 ;;
      *) echo "wharf: $file is not a Linux executable (no ELF header); give the wharf-VERSION-CPU-linux binary that scripts/package.sh makes" >&2 ;;
    esac
    exit 1
  fi
  # e_machine, at byte 18 of the ELF header (little-endian).
  machine=$(od -An -tu2 -j18 -N2 "$file" | tr -d ' ')
  case "$(uname -m)" in
    x86_64) want=62 ;;
    aarch64) want=183 ;;
    *) want=$machine ;;
  esac
  [ "$machine" = "$want" ] || {
    echo "wharf: $file is built for another CPU (ELF machine $machine); this machine is $(uname -m): build one here with scripts/package.sh (or --build)" >&2
    exit 1
  }
  version=$("$file" --version 2>&1) || true
  if [ "${version%% *}" != wharf ]; then
    echo "wharf: $file does not run as wharf here (\`$file --version\` said: $version)" >&2
    exit 1
  fi
}

# Checked before anything is installed, so that a wrong file changes nothing.
if [ -n "$package" ]; then
  check_package "$package"
elif [ -n "$binary" ]; then
  check_binary "$binary"
fi

scripts/docker-setup.sh

if [ -n "$package" ]; then
  echo "wharf: installing the package $package"
  dpkg -i "$package"
  wharf=/usr/bin/wharf
  # A binary an earlier install put in WHARF_BIN_DIR would come first on PATH, and the unit
  # `wharf init` wrote then runs it: it becomes a link to the package's.
  if [ -e "$bin_dir/wharf" ] && [ ! "$bin_dir/wharf" -ef "$wharf" ]; then
    ln -sf "$wharf" "$bin_dir/wharf"
    echo "wharf: $bin_dir/wharf (an earlier install) now links to the package's $wharf"
  fi
else
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
fi

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
