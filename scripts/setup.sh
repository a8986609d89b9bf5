#!/usr/bin/env bash
# Installs everything Hearth needs to build, run and test on Debian/Ubuntu, and skips what is
# already there. Sourced by scripts/run and scripts/test; safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

say() {
  if [ -t 2 ]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

SYSTEM_PACKAGES=(
  build-essential pkg-config curl file libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libxdo-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  gnome-keyring dbus-x11 libsecret-tools
)
# fonts-noto-color-emoji: members write emoji; the end-to-end screenshots should show them
# python3-venv: the Matrix tests install a real Synapse homeserver from PyPI into a venv
TAURI_DRIVER_VERSION="2.1.0"
TEST_PACKAGES=(xvfb xauth xsettingsd webkit2gtk-driver imagemagick fonts-noto-color-emoji python3 python3-venv)

install_system_packages() {
  local wanted=("$@") missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -q
  local opts=(-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${missing[@]}"; then
    # a concurrent apt run can leave dpkg half-done; mend and try once more
    as_root env DEBIAN_FRONTEND=noninteractive apt-get --fix-broken install -y -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${missing[@]}"
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    say "Installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# Vite 8 and jsdom 29 need Node 20.19+ (or 22.12+).
node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit((maj === 20 && min >= 19) || (maj === 22 && min >= 12) || maj >= 23 ? 0 : 1);'
}

ensure_node() {
  if ! node_ok; then
    install_system_packages nodejs npm
    if ! node_ok; then
      echo "Hearth's UI needs Node.js 20.19+ or 22.12+ (found $(node --version 2>/dev/null || echo none)). Install it from https://nodejs.org or NodeSource, then run this again." >&2
      exit 1
    fi
  fi
}

npm_install() {
  local dir="$1"
  # install when the lock file changed since the last install
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.hearth-lock"; then
    say "Installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.hearth-lock"
  fi
}

build_ui() {
  say "Building the web UI"
  (cd "$ROOT/ui" && npm run build --silent)
}

setup_app() {
  install_system_packages "${SYSTEM_PACKAGES[@]}"
  ensure_rust
  ensure_node
  npm_install "$ROOT/ui"
  build_ui
}

setup_tests() {
  setup_app
  install_system_packages "${TEST_PACKAGES[@]}"
  npm_install "$ROOT/tests/e2e"
  # the team relay the team tests run on loopback
  npm_install "$ROOT/relay"
  # The WebDriver bridge the end-to-end tests were written against.
  if ! command -v tauri-driver >/dev/null 2>&1 ||
    ! cargo install --list 2>/dev/null | grep -qx "tauri-driver v$TAURI_DRIVER_VERSION:"; then
    say "Installing tauri-driver $TAURI_DRIVER_VERSION"
    cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION"
  fi
}
