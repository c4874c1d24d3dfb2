#!/usr/bin/env bash
# Installs and starts everything Wharf's tests need, idempotently: the Docker engine and the
# base image (scripts/docker-setup.sh), the database and Python images, the tools tests and
# benchmarks call (git and OpenSSH among them), and the `wharf` user that pushes over SSH log
# in as.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/docker-setup.sh"
# The base images apps build FROM (python, node, golang, debian) and the database images services
# run (postgres:17, mariadb:11, redis:8), built from Debian's packages side by side: fetching
# packages is most of the time.
if ! command -v debootstrap >/dev/null 2>&1 || ! command -v mmdebstrap >/dev/null 2>&1; then
  # Installed once here, not by both scripts at the same time (apt's lock).
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends debootstrap mmdebstrap >/dev/null
fi
"$here/base-images.sh" &
base_images=$!
"$here/service-images.sh"
wait "$base_images"
# The machines of the cluster tests: Docker engines in privileged containers.
"$here/node-image.sh"
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v git >/dev/null 2>&1 || missing+=(git)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
# Automatic HTTPS tests: Pebble (ACME test CA) and its DNS, openssl and curl for their certificates.
command -v pebble >/dev/null 2>&1 || missing+=(pebble)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The Docker engine restart test runs a second engine of its own: its bridge and forward rule.
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
# Prebuilt images: a real registry with a password (Distribution) and htpasswd to make it.
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
# Notifications by email: a real SMTP server on loopback that writes what it receives.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
# The dashboard's browser tests: headless Chromium driven through chromedriver.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "wharf: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Chromium cuts a page load short (ERR_NETWORK_CHANGED) whenever an address appears on or
# leaves the host, and every container the tests start adds an IPv6 link-local address to its
# veth. The browser tests run while other tests start containers, so interfaces made from now
# on get no link-local address (IPv6 itself stays on; existing interfaces and loopback keep theirs).
if [ "$(sysctl -n net.ipv6.conf.default.addr_gen_mode 2>/dev/null || echo 1)" != 1 ]; then
  echo "wharf: new network interfaces get no IPv6 link-local address (net.ipv6.conf.default.addr_gen_mode=1), for the browser tests"
  sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 || echo "wharf: could not set addr_gen_mode; browser tests may see ERR_NETWORK_CHANGED" >&2
fi

# The `wharf` user and group that `git push` over SSH logs in as (as `wharf init` creates them):
# a real shell for sshd's forced command, and no password without being locked ('*'), which
# sshd requires for key logins when it does not use PAM.
getent group wharf >/dev/null || groupadd --system wharf
if ! getent passwd wharf >/dev/null; then
  useradd --system --gid wharf --create-home --home-dir /home/wharf --shell /bin/sh --password '*' wharf
fi

# The documentation site's generator (mdbook, pinned in scripts/docs.sh), installed with cargo
# when missing and kept in ~/.cargo/bin across runs.
"$here/docs.sh" --install
