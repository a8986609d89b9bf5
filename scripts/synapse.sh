#!/usr/bin/env bash
# A real Matrix homeserver (Synapse, from PyPI) on 127.0.0.1 for Hearth's Matrix tests and
# benchmark. Idempotent: installs once into a virtualenv, configures once, starts if not running.
#
#   scripts/synapse.sh start            # prints the homeserver URL when it answers
#   scripts/synapse.sh register NAME PASSWORD
#   scripts/synapse.sh stop
#
# HEARTH_SYNAPSE_DIR (default target/synapse) holds the venv and the server's data folder.
# The port is a free one chosen the first time (kept in $DIR/port, chosen again if something
# else has taken it since); HEARTH_SYNAPSE_PORT sets it instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${HEARTH_SYNAPSE_DIR:-$ROOT/target/synapse}"
# The Synapse release the tests were written against: a new release is a deliberate change.
SYNAPSE_VERSION="1.163.2"
VENV="$DIR/venv"
DATA="$DIR/data"
PORT_FILE="$DIR/port"
SECRET="hearth-test-registration-secret"

say() { printf '==> %s\n' "$*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

in_use() {
  python3 -c 'import socket, sys; s = socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

if [ -n "${HEARTH_SYNAPSE_PORT:-}" ]; then
  PORT="$HEARTH_SYNAPSE_PORT"
elif [ -f "$PORT_FILE" ]; then
  PORT="$(cat "$PORT_FILE")"
elif [ -f "$DATA/homeserver.yaml" ]; then
  # Configured before ports were chosen: keep the one it has.
  PORT="$(sed -n 's/^  - port: \([0-9]*\)$/\1/p' "$DATA/homeserver.yaml")"
else
  mkdir -p "$DIR"
  PORT="$(free_port)"
  echo "$PORT" >"$PORT_FILE"
fi
URL="http://127.0.0.1:$PORT"

install() {
  if [ -x "$VENV/bin/python" ] &&
    [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("matrix-synapse"))' 2>/dev/null)" = "$SYNAPSE_VERSION" ]; then
    return 0
  fi
  say "Installing Synapse $SYNAPSE_VERSION (Matrix homeserver) from PyPI into $VENV"
  mkdir -p "$DIR"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "matrix-synapse==$SYNAPSE_VERSION" >&2
}

configure() {
  [ -f "$DATA/homeserver.yaml" ] && return 0
  mkdir -p "$DATA/media_store"
  local limit='{per_second: 10000, burst_count: 10000}'
  cat > "$DATA/homeserver.yaml" <<YAML
server_name: "localhost"
pid_file: "$DATA/homeserver.pid"
listeners:
  - port: $PORT
    tls: false
    type: http
    x_forwarded: false
    bind_addresses: ['127.0.0.1']
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "$DATA/homeserver.db"
log_config: "$DATA/log.yaml"
media_store_path: "$DATA/media_store"
signing_key_path: "$DATA/localhost.signing.key"
registration_shared_secret: "$SECRET"
macaroon_secret_key: "hearth-test-macaroon-$(date +%s%N)"
form_secret: "hearth-test-form-$(date +%s%N)"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_registration: false
url_preview_enabled: false
presence:
  enabled: false
rc_message: $limit
rc_registration: $limit
rc_login:
  address: $limit
  account: $limit
  failed_attempts: $limit
rc_joins:
  local: $limit
  remote: $limit
rc_joins_per_room: $limit
rc_invites:
  per_room: $limit
  per_user: $limit
  per_issuer: $limit
rc_admin_redaction: $limit
YAML
  cat > "$DATA/log.yaml" <<YAML
version: 1
formatters:
  precise:
    format: '%(asctime)s %(levelname)s %(name)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: "$DATA/homeserver.log"
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
YAML
  "$VENV/bin/python" -m synapse.app.homeserver -c "$DATA/homeserver.yaml" --generate-keys >&2
}

answers() { curl -fsS -o /dev/null --max-time 2 "$URL/_matrix/client/versions" 2>/dev/null; }

start() {
  install
  configure
  if answers; then echo "$URL"; return 0; fi
  if in_use "$PORT" && [ -z "${HEARTH_SYNAPSE_PORT:-}" ]; then
    # Something else took the port since it was chosen: choose another.
    PORT="$(free_port)"
    echo "$PORT" >"$PORT_FILE"
    URL="http://127.0.0.1:$PORT"
    sed -i "s/^  - port: [0-9]*$/  - port: $PORT/" "$DATA/homeserver.yaml"
    say "The Synapse port was taken; using $PORT"
  fi
  say "Starting Synapse on $URL"
  # The daemon's own output goes to a file: it must not hold the caller's output open.
  (cd "$DATA" && "$VENV/bin/python" -m synapse.app.homeserver -c "$DATA/homeserver.yaml" \
    --daemonize >>"$DATA/start.log" 2>&1) || {
    say "Synapse did not start; its output follows"
    tail -n 40 "$DATA/start.log" >&2 || true
    exit 1
  }
  for _ in $(seq 1 120); do
    if answers; then echo "$URL"; return 0; fi
    sleep 0.5
  done
  say "Synapse did not answer on $URL; its log follows"
  tail -n 40 "$DATA/homeserver.log" >&2 || true
  exit 1
}

register() {
  "$VENV/bin/register_new_matrix_user" -c "$DATA/homeserver.yaml" -u "$1" -p "$2" --no-admin "$URL" >&2
}

stop() {
  [ -f "$DATA/homeserver.pid" ] || return 0
  local pid
  pid="$(cat "$DATA/homeserver.pid")"
  kill "$pid" 2>/dev/null || true
  # Wait for it to go (a restart right after must find the port free); force it after 15 s.
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$DATA/homeserver.pid"
}

case "${1:-start}" in
  start) start ;;
  register) shift; register "$@" ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|register NAME PASSWORD|stop|url" >&2; exit 2 ;;
esac
