#!/usr/bin/env bash
# Builds what a server installs Wharf from, so that installing is not compiling:
#   target/package/wharf_VERSION_ARCH.deb      a Debian package (plain dpkg-deb): /usr/bin/wharf,
#                                              its systemd units, bash/zsh/fish completions, man
#                                              pages; postinst makes the `wharf` user and group
#   target/package/wharf-VERSION-CPU-linux     the same binary alone (stripped)
#   target/package/wharf.debug                 its debug info, split out (gdb finds it through
#                                              the binary's .gnu_debuglink when it lies beside it)
# The binary embeds the documentation site, so the site is built first (scripts/docs.sh).
#   scripts/package.sh                        release build, for this machine's target
#   scripts/package.sh --profile debug        quicker to build (what scripts/test.sh packages)
#   scripts/package.sh --target TRIPLE        another target, e.g. x86_64-unknown-linux-musl
#                                              for a static binary (needs `rustup target add`)
# Needs cargo, objcopy (binutils), dpkg-deb and gzip.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
target=
while [ $# -gt 0 ]; do
  case "$1" in
    --profile)
      profile=${2:-}
      shift 2 || true
      ;;
    --target)
      target=${2:-}
      shift 2 || true
      ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    *)
      echo "wharf: unknown argument \`$1\`; use --profile release|debug and --target TRIPLE" >&2
      exit 2
      ;;
  esac
done
case "$profile" in
  release | debug) ;;
  *)
    echo "wharf: --profile must be release or debug, got \`$profile\`" >&2
    exit 2
    ;;
esac
export PATH="$HOME/.cargo/bin:$PATH"
if [ -n "$target" ] && ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "wharf: the Rust target $target is not installed here (installed: $(rustup target list --installed 2>/dev/null | tr '\n' ' ')); add it with: rustup target add $target" >&2
  exit 1
fi
for tool in objcopy dpkg-deb gzip; do
  command -v "$tool" >/dev/null || {
    echo "wharf: $tool is missing; install it with: apt-get install -y binutils dpkg gzip" >&2
    exit 1
  }
done

scripts/docs.sh
cargo_args=(build --locked --package wharf --bin wharf)
[ "$profile" = release ] && cargo_args+=(--release)
[ -n "$target" ] && cargo_args+=(--target "$target")
echo "wharf: building the binary ($profile${target:+, $target})"
cargo "${cargo_args[@]}"
built=target/${target:+$target/}$profile/wharf

# The CPU and Debian's name for it, from the target (or this machine).
cpu=${target%%-*}
[ -n "$cpu" ] || cpu=$(uname -m)
case "$cpu" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *)
    echo "wharf: no Debian architecture known for $cpu" >&2
    exit 1
    ;;
esac
version=$("$built" --version | awk '{print $2}')
out=target/package
mkdir -p "$out"
rm -f "$out"/wharf_*.deb "$out"/wharf-*-linux "$out"/wharf-*-linux-musl

# The debug info goes to wharf.debug; the binary keeps its symbols (function names in
# backtraces) and a link to the debug file. The binary is written under its final name
# directly so the link names the file beside it.
binary_name=wharf-$version-$cpu-linux
case "$target" in *-musl) binary_name=$binary_name-musl ;; esac
objcopy --only-keep-debug "$built" "$out/wharf.debug"
objcopy --strip-debug --strip-unneeded --add-gnu-debuglink="$out/wharf.debug" "$built" "$out/$binary_name"
chmod 0755 "$out/$binary_name"

# The oldest C library the binary runs with (none for a static musl binary).
glibc=$(objdump -T "$out/$binary_name" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n 1 || true)

stage=$(mktemp -d "${TMPDIR:-/tmp}/wharf-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -D -m 0755 "$out/$binary_name" "$root/usr/bin/wharf"
# The units come from the binary itself, as `wharf init` writes them (with the defaults here).
"$out/$binary_name" --data-dir /var/lib/wharf units "$root/usr/lib/systemd/system" --binary /usr/bin/wharf >/dev/null
chmod 0644 "$root"/usr/lib/systemd/system/*
mkdir -p "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
  "$root/usr/share/fish/vendor_completions.d" "$root/usr/share/man/man1" "$root/usr/share/doc/wharf"
"$out/$binary_name" completions bash >"$root/usr/share/bash-completion/completions/wharf"
"$out/$binary_name" completions zsh >"$root/usr/share/zsh/vendor-completions/_wharf"
"$out/$binary_name" completions fish >"$root/usr/share/fish/vendor_completions.d/wharf.fish"
"$out/$binary_name" man "$root/usr/share/man/man1" >/dev/null
gzip -9n "$root"/usr/share/man/man1/*.1
cat >"$root/usr/share/doc/wharf/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wharf
Comment: A self-hosted platform-as-a-service for one server, built from its repository by
 scripts/package.sh.

Files: *
Copyright: Wharf's authors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software
 and associated documentation files (the "Software"), to deal in the Software without
 restriction, including without limitation the rights to use, copy, modify, merge, publish,
 distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
 Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
 BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
 NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
 DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
EOF

mkdir -p "$root/DEBIAN"
depends="passwd"
[ -n "$glibc" ] && depends="libc6 (>= $glibc), $depends"
# Rust's unwinder comes from libgcc_s where the binary is linked dynamically.
# (objdump's output is read whole: `grep -q` would end the pipe early, failing it under pipefail.)
needed=$(objdump -p "$out/$binary_name" 2>/dev/null || true)
if grep -q 'NEEDED *libgcc_s\.so\.1' <<<"$needed"; then
  depends="libgcc-s1, $depends"
fi
cat >"$root/DEBIAN/control" <<EOF
Package: wharf
Version: $version
Architecture: $arch
Maintainer: Wharf's authors <wharf@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: docker.io | docker-ce, git
Suggests: openssh-server
Section: admin
Priority: optional
Description: self-hosted platform-as-a-service for one server
 Wharf builds each app from its Dockerfile (or a source tree it recognises), runs it as
 containers through the Docker Engine API and routes HTTP and HTTPS to it by domain with its
 own reverse proxy, with certificates from Let's Encrypt. Redeploys have zero downtime.
 .
 Set it up with "wharf init" (the first API token, the dashboard's admin user, and the
 systemd units with your addresses), then "wharf deploy DIR".
EOF

cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# The `wharf` user and group (git push over SSH connects as the user; the group may use the
# API socket), made as `wharf init` makes them; the units enabled where systemd runs. The
# first start is left to `wharf init`, which prints the first token and password once.
set -e
if [ "$1" = configure ]; then
  /usr/bin/wharf system-user
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    systemctl enable wharf.socket wharf.service >/dev/null 2>&1 || true
  fi
  if [ -z "$2" ]; then
    echo "Wharf is installed. Set it up and start it with: sudo wharf init"
  else
    echo "Wharf $(/usr/bin/wharf --version | cut -d' ' -f2) is installed. Restart the daemon to run it: sudo systemctl restart wharf"
    echo "(without systemd: sudo kill -USR2 \"\$(cat /var/lib/wharf/wharf.pid)\")"
  fi
fi
exit 0
EOF

cat >"$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
# Removing Wharf stops its daemon (apps' containers keep running, unreachable through it);
# an upgrade does not: the running daemon goes on until it is restarted.
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now wharf.service wharf.socket >/dev/null 2>&1 || true
fi
exit 0
EOF

cat >"$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# Purging removes the units `wharf init` wrote; never the data directory (apps' releases,
# databases' backups) nor the `wharf` user and group, which a purge leaves to the admin.
set -e
if [ "$1" = purge ]; then
  rm -f /etc/systemd/system/wharf.service /etc/systemd/system/wharf.socket
  echo "wharf: kept /var/lib/wharf and the user and group wharf; remove them by hand if you mean to"
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

deb=$out/wharf_${version}_$arch.deb
# A debug build is large and only for tests: compressed quickly rather than small.
compression=(-Zxz)
[ "$profile" = debug ] && compression=(-Zgzip -z1)
dpkg-deb --root-owner-group "${compression[@]}" --build "$root" "$deb" >/dev/null

size_mb() { echo "$(($(stat -c %s "$1") / 1024 / 1024)) MB"; }
echo "wharf: $deb ($(size_mb "$deb"))"
echo "wharf: $out/$binary_name ($(size_mb "$out/$binary_name") stripped; $(size_mb "$built") before), debug info in $out/wharf.debug"
if [ -n "$glibc" ]; then
  echo "wharf: the binary needs glibc $glibc or newer"
else
  echo "wharf: the binary is statically linked"
fi
