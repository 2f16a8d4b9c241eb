#!/usr/bin/env bash
# Installs the Debian packages the test suites need. Idempotent: packages already installed are
# skipped, so a re-run on a prepared machine costs no apt-get call at all.
set -euo pipefail

# chromium: browser for the e2e tests; ripgrep, libkrb5-dev, pkg-config: code-server's search and
# native module build; build-essential, python3: node-gyp for that build; postgresql: a server for
# the database action tests; redis-server: a server for the redis.* action tests; prometheus: a
# server for the prometheus.* action tests.
packages=(chromium ripgrep libkrb5-dev pkg-config build-essential python3 postgresql redis-server prometheus)

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for package in "${packages[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system: all ${#packages[@]} packages already installed"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi

export DEBIAN_FRONTEND=noninteractive
echo "install-system: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
# No recommends: they add ~100 packages (X11 extras, docs) the tests never touch; a font for
# Chromium still comes in through fontconfig's own dependency.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system: done"
