#!/usr/bin/env bash
# The package as a person gets it. Builds the .deb (scripts/package), installs it with apt,
# checks its files (the desktop entry and AppStream metadata validated), runs the installed
# `hearth --version` and `hearth demo` on a temporary database, starts the installed app under
# Xvfb and sees its window (a screenshot in tests/package/artifacts/), then removes the package
# and checks that the user's data folder is still there.
#
# Installs and removes a system package, so it needs root or sudo. `scripts/test` runs it when
# HEARTH_PACKAGE_TEST=1 (it costs a release build); it also runs on its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/setup.sh"

ART="$ROOT/tests/package/artifacts"
rm -rf "$ART" && mkdir -p "$ART"
fail() {
  echo "package test: $*" >&2
  exit 1
}

install_system_packages xvfb xauth x11-utils imagemagick desktop-file-utils appstream
"$ROOT/scripts/package"
deb="$(ls -t "$ROOT"/target/release/bundle/deb/*.deb | head -n 1)"
name="$(dpkg-deb -f "$deb" Package)"
version="$(dpkg-deb -f "$deb" Version)"
dpkg-deb --info "$deb" >"$ART/deb-info.txt"
dpkg-deb --contents "$deb" >"$ART/deb-contents.txt"
for field in Maintainer Description Depends; do
  [ -n "$(dpkg-deb -f "$deb" "$field")" ] || fail "the .deb has no $field"
done

say "Installing $(basename "$deb") with apt"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb"
home="$(mktemp -d)"
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; fi
  if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$name" >/dev/null || true
  fi
  rm -rf "$home"
}
trap cleanup EXIT

say "The installed files"
for f in /usr/bin/hearth /usr/bin/hearth-desktop; do
  [ -x "$f" ] || fail "$f is not installed"
done
desktop="$(dpkg -L "$name" | grep '^/usr/share/applications/.*\.desktop$' | head -n 1)"
[ -n "$desktop" ] || fail "no desktop entry installed"
desktop-file-validate "$desktop" || fail "$desktop does not validate"
grep -qx 'Categories=Network;Chat;' "$desktop" || fail "$desktop lacks its categories"
metainfo=/usr/share/metainfo/org.hearth.desktop.metainfo.xml
[ -f "$metainfo" ] || fail "no AppStream metadata"
appstreamcli validate --no-net --explain "$metainfo" >"$ART/appstream.txt" 2>&1 ||
  { cat "$ART/appstream.txt" >&2; fail "the AppStream metadata does not validate"; }
grep -q "<launchable type=\"desktop-id\">$(basename "$desktop")</launchable>" "$metainfo" ||
  fail "the AppStream metadata names another desktop entry than $(basename "$desktop")"
ls /usr/share/icons/hicolor/*/apps/hearth-desktop.png >/dev/null 2>&1 ||
  fail "no icon installed"

say "The installed command line"
schema="$(ls "$ROOT"/src/store/migrations/*.sql | wc -l)"
got="$(/usr/bin/hearth --version)"
[ "$got" = "hearth ${version} (database schema ${schema})" ] ||
  fail "hearth --version said '$got', not 'hearth ${version} (database schema ${schema})'"
HOME="$home" HEARTH_DB="$home/cli/demo.db" /usr/bin/hearth demo >"$ART/hearth-demo.txt" 2>&1 ||
  { cat "$ART/hearth-demo.txt" >&2; fail "hearth demo failed"; }
HOME="$home" HEARTH_DB="$home/cli/demo.db" /usr/bin/hearth inbox >"$ART/hearth-inbox.txt" 2>&1 ||
  fail "hearth inbox failed on the demo"
[ "$(wc -l <"$ART/hearth-inbox.txt")" -gt 5 ] || fail "the demo's inbox is empty"

say "The installed app under Xvfb"
data="$home/.local/share/hearth"
# shellcheck disable=SC2016
# (with-keyring gives the session its own XDG folders; the app's data goes to this home's)
HOME="$home" xvfb-run -a -s "-screen 0 1280x800x24" \
  "$ROOT/scripts/with-keyring" env NO_AT_BRIDGE=1 XDG_DATA_HOME="$home/.local/share" sh -c '
    /usr/bin/hearth-desktop >"$0/app.log" 2>&1 &
    app=$!
    for _ in $(seq 1 120); do
      if xwininfo -root -tree | grep -q "\"Hearth\""; then break; fi
      sleep 0.5
    done
    xwininfo -root -tree | grep "\"Hearth\"" >"$0/window.txt" || true
    sleep 3 # the first screen painted
    import -window root "$0/installed-app.png"
    kill $app; wait $app 2>/dev/null || true' "$ART"
[ -s "$ART/window.txt" ] || { cat "$ART/app.log" >&2; fail "the installed app showed no window"; }
[ -f "$data/hearth.db" ] || fail "the app did not make its database in $data"

say "Removing the package"
as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$name"
[ ! -e /usr/bin/hearth ] || fail "/usr/bin/hearth is still there after removal"
[ ! -e /usr/bin/hearth-desktop ] || fail "/usr/bin/hearth-desktop is still there after removal"
[ -f "$data/hearth.db" ] || fail "removing the package took the user's data folder"
say "The package installs, runs and leaves the user's data when removed ($deb)"
