#!/usr/bin/env bash
# Installs code-server (VS Code served to a browser) for the e2e tests into a cache folder outside
# the repository, keyed by version, so a machine pays the ~2 minutes once. Idempotent: a marker
# file is written only after `code-server --version` works, so an interrupted install is redone.
# Progress goes to stderr; the last line on stdout is the path of the code-server binary.
#
# code-server's own postinstall downloads ripgrep and refuses root, so the package is installed
# without scripts and its steps are done here by hand (see shared/e2e-code-server.md).
set -euo pipefail

version=4.100.3   # the newest release that still accepts Node 20
tools_dir="${TESTMESH_TOOLS_DIR:-$HOME/.cache/testmesh-tools}"
install_dir="$tools_dir/code-server-$version"
binary="$install_dir/node_modules/.bin/code-server"
marker="$install_dir/.installed"

if [ -f "$marker" ] && [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

log() { echo "install-code-server: $*" >&2; }

mkdir -p "$tools_dir"
# Two test processes may ask at once: the second waits for the first, then finds the marker.
exec 9>"$tools_dir/code-server-$version.lock"
flock 9
if [ -f "$marker" ] && [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi

if ! command -v rg >/dev/null; then
  log "ripgrep (rg) is missing: run .ci/install-system.sh first"
  exit 1
fi

started=$SECONDS
# Whatever is there without a marker is a broken earlier attempt: start clean.
rm -rf "$install_dir"
mkdir -p "$install_dir"
cd "$install_dir"

export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
quiet=(--loglevel=error)

log "installing code-server@$version into $install_dir"
npm init -y >/dev/null
npm install --no-save --ignore-scripts "${quiet[@]}" "code-server@$version" >&2

log "installing VS Code's own dependencies"
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts "${quiet[@]}" >&2
# @vscode/ripgrep skips its download when bin/ exists: hand it Debian's rg.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg

log "building native modules"
npm rebuild "${quiet[@]}" >&2
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)

log "installing built-in extensions' dependencies"
(cd extensions && npm install --omit=dev "${quiet[@]}" >&2)

cd "$install_dir"
npm rebuild argon2 "${quiet[@]}" >&2

# --version writes a default config file first: keep it here rather than in ~/.config.
reported="$(CODE_SERVER_CONFIG="$install_dir/config.yaml" "$binary" --version | grep "^$version " || true)"
if [ -z "$reported" ]; then
  log "code-server --version did not report $version"
  exit 1
fi
log "installed $reported in $((SECONDS - started)) s"
echo "$reported" >"$marker"
echo "$binary"
