#!/usr/bin/env bash
# Runs a private, loopback-only ejabberd (Debian's package) for chataudit's live collector test: start | stop | status.
#
# Everything lives in one state folder (default ${TMPDIR:-/tmp}/chataudit-ejabberd): config, self-signed
# certificate, Mnesia spool, logs, pid. Every listener, epmd and the Erlang distribution bind 127.0.0.1.
# The instance deliberately carries weak endpoints so that a scan of the collected snapshot has something to
# flag: a legacy direct-TLS c2s listener (5223) without protocol_options, i.e. still accepting TLS 1.0, and the
# web admin over plain HTTP (5280; loopback-only, which the bundled pack exempts from its plaintext check).
#
# `start` prints KEY=VALUE lines on stdout (EJABBERD_API_URL, EJABBERD_ADMIN_JID, EJABBERD_CONFIG,
# EJABBERD_CA_FILE, EJABBERD_DIR, EJABBERD_VERSION); the admin password is never printed: it is taken from
# CHATAUDIT_EJABBERD_ADMIN_PASSWORD, or generated and stored in $DIR/admin-password (mode 600).
#
# Environment: CHATAUDIT_EJABBERD_DIR, CHATAUDIT_EJABBERD_C2S_PORT (5222), CHATAUDIT_EJABBERD_LEGACY_TLS_PORT (5223),
# CHATAUDIT_EJABBERD_API_PORT (5443), CHATAUDIT_EJABBERD_HTTP_PORT (5280), CHATAUDIT_EJABBERD_NODE (chataudit-test),
# CHATAUDIT_EJABBERD_ADMIN_PASSWORD, EJABBERDCTL (/usr/sbin/ejabberdctl).
# Must run as root (ejabberdctl then switches to the ejabberd user) or as the ejabberd user.

set -euo pipefail

STATE_DIR="${CHATAUDIT_EJABBERD_DIR:-${TMPDIR:-/tmp}/chataudit-ejabberd}"
C2S_PORT="${CHATAUDIT_EJABBERD_C2S_PORT:-5222}"
LEGACY_TLS_PORT="${CHATAUDIT_EJABBERD_LEGACY_TLS_PORT:-5223}"
API_PORT="${CHATAUDIT_EJABBERD_API_PORT:-5443}"
HTTP_PORT="${CHATAUDIT_EJABBERD_HTTP_PORT:-5280}"
EJABBERDCTL="${EJABBERDCTL:-/usr/sbin/ejabberdctl}"
VHOST="localhost"
# A node name of our own, so a system ejabberd (ejabberd@localhost) is never touched.
NODE="${CHATAUDIT_EJABBERD_NODE:-chataudit-test}@localhost"
START_DEADLINE_S=120  # bounded wait for the node to report "started" (each ejabberdctl call boots a VM: slow under load)
PORT_DEADLINE_S=20    # bounded wait for the API listener to accept connections
CTL_TIMEOUT_S=60      # any single ejabberdctl call
CTL_ATTEMPTS=3        # setup calls are retried: under heavy load a fresh ctl VM can fail to reach the node
RUN_AS="ejabberd"

say() { echo "ejabberd-test-server: $*" >&2; }
die() { say "$*"; exit 1; }
# set -e alone exits without a word: name the command that failed and show what ejabberd logged.
on_error() {
  say "failed (exit $1) at line $2: $3"
  if [ -f "$STATE_DIR/logs/ejabberd.log" ]; then tail -n 15 "$STATE_DIR/logs/ejabberd.log" >&2 || true; fi
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

ctl() {
  # ejabberdctl reads our ejabberdctl.cfg (node name, loopback-only distribution) from --config-dir.
  timeout "$CTL_TIMEOUT_S" "$EJABBERDCTL" --config-dir "$STATE_DIR/etc" --spool "$STATE_DIR/spool" --logs "$STATE_DIR/logs" "$@"
}

# A setup command that must succeed: retried a few times, then reported with what ejabberdctl said.
ctl_setup() {
  local attempt output
  for ((attempt = 1; attempt <= CTL_ATTEMPTS; attempt++)); do
    if output="$(ctl "$@" 2>&1)"; then return 0; fi
    sleep 2
  done
  say "ejabberdctl $1 failed after $CTL_ATTEMPTS attempts: $(printf '%s' "$output" | head -n 1)"
  return 1
}

require_tools() {
  [ -x "$EJABBERDCTL" ] || die "ejabberd is not installed ($EJABBERDCTL missing); install the Debian package: apt-get install -y ejabberd"
  command -v openssl >/dev/null || die "openssl is needed to make the test certificate"
  case "$(id -un)" in
    root | "$RUN_AS") ;;
    *) die "run as root or as the $RUN_AS user (ejabberdctl refuses other users)" ;;
  esac
}

write_config() {
  local etc="$STATE_DIR/etc"
  mkdir -p "$etc" "$STATE_DIR/spool" "$STATE_DIR/logs" "$STATE_DIR/run"

  # Self-signed certificate for "localhost"; ejabberd wants key and certificate in one PEM.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$etc/key.pem" -out "$etc/cert.pem" >/dev/null 2>&1
  cat "$etc/cert.pem" "$etc/key.pem" > "$etc/ejabberd.pem"
  rm -f "$etc/key.pem"

  cat > "$etc/ejabberdctl.cfg" <<EOF
ERLANG_NODE=$NODE
INET_DIST_INTERFACE=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
EJABBERD_PID_PATH=$STATE_DIR/run/ejabberd.pid
EJABBERD_CONFIG_PATH=$etc/ejabberd.yml
EOF

  # Name resolution for the Erlang VM: "localhost" is loopback, nothing else is looked up.
  cat > "$etc/inetrc" <<'EOF'
{lookup,["file","native"]}.
{host,{127,0,0,1}, ["localhost"]}.
{file, resolv, "/etc/resolv.conf"}.
EOF

  cat > "$etc/ejabberd.yml" <<EOF
# chataudit live-test instance: loopback only; 5223 (TLS 1.0 still accepted) and 5280 (plain-HTTP /admin) are
# deliberately weak so that a scan has something to flag.
hosts:
  - $VHOST

loglevel: info
hide_sensitive_log_data: true

certfiles:
  - "$etc/ejabberd.pem"

listen:
  - port: $C2S_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: c2s_shaper
    access: c2s
    starttls_required: true
    protocol_options:
      - no_sslv3
      - no_tlsv1
      - no_tlsv1_1
  # Deliberately weak: legacy direct TLS without protocol_options still accepts TLS 1.0.
  - port: $LEGACY_TLS_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    shaper: c2s_shaper
    access: c2s
    tls: true
  - port: $API_PORT
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: true
    protocol_options:
      - no_sslv3
      - no_tlsv1
      - no_tlsv1_1
    request_handlers:
      /api: mod_http_api
  # Deliberately weak: the web admin over plain HTTP.
  - port: $HTTP_PORT
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /admin: ejabberd_web_admin

s2s_use_starttls: required
auth_password_format: scram

acl:
  admin:
    user:
      - "admin@$VHOST"
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8

access_rules:
  local:
    allow: local
  c2s:
    deny: blocked
    allow: all
  announce:
    allow: admin
  configure:
    allow: admin
  register:
    deny: all

api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
  "admin access":
    who:
      access:
        allow:
          - acl: admin
    what:
      - "*"
      - "!stop"
      - "!start"

shaper:
  normal:
    rate: 3000
    burst_size: 20000
  fast: 100000

shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages:
    5000: admin
    100: all
  c2s_shaper:
    none: admin
    normal: all

modules:
  mod_adhoc: {}
  mod_admin_extra: {}
  mod_disco: {}
  mod_last: {}
  mod_ping: {}
  mod_roster:
    versioning: true
  mod_stats: {}
  mod_vcard: {}
EOF

  if [ "$(id -un)" = root ]; then
    chown -R "$RUN_AS:$RUN_AS" "$STATE_DIR"
  fi
  chmod 700 "$STATE_DIR"
  chmod 600 "$etc/ejabberd.pem"
}

admin_password() {
  if [ -n "${CHATAUDIT_EJABBERD_ADMIN_PASSWORD:-}" ]; then
    printf '%s' "$CHATAUDIT_EJABBERD_ADMIN_PASSWORD"
  else
    if [ ! -s "$STATE_DIR/admin-password" ]; then
      (umask 077; openssl rand -hex 16 > "$STATE_DIR/admin-password")
    fi
    cat "$STATE_DIR/admin-password"
  fi
}

wait_started() {
  local deadline=$((SECONDS + START_DEADLINE_S))
  while ((SECONDS < deadline)); do
    if ctl status >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  say "ejabberd did not start within ${START_DEADLINE_S} s; last log lines:"
  tail -n 30 "$STATE_DIR/logs/ejabberd.log" >&2 2>/dev/null || true
  return 1
}

wait_port() {
  local deadline=$((SECONDS + PORT_DEADLINE_S))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  die "port 127.0.0.1:$1 did not open"
}

register_users() {
  local password now day=86400
  password="$(admin_password)"
  # ejabberdctl is the setup tool here; the collector under test only ever reads through the HTTP API.
  ctl_setup register admin "$VHOST" "$password"
  for user in alice bob carol dave; do
    ctl_setup register "$user" "$VHOST" "$(openssl rand -hex 12)"
  done
  now="$(date +%s)"
  # Last activity: admin 2 days ago, alice yesterday, bob 10 days ago, carol 400 days ago (stale), dave never.
  ctl_setup set_last admin "$VHOST" "$((now - 2 * day))" "Idle"
  ctl_setup set_last alice "$VHOST" "$((now - day))" "Logged out"
  ctl_setup set_last bob "$VHOST" "$((now - 10 * day))" "Away"
  ctl_setup set_last carol "$VHOST" "$((now - 400 * day))" "Left the company"
}

start() {
  require_tools
  if [ -f "$STATE_DIR/etc/ejabberdctl.cfg" ] && ctl status >/dev/null 2>&1; then
    die "an instance is already running from $STATE_DIR; run '$0 stop' first"
  fi
  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR"
  write_config
  # epmd started by the VM inherits ERL_EPMD_ADDRESS (set in our ejabberdctl.cfg) and listens on loopback only.
  ctl start
  wait_started || { stop || true; exit 1; }
  wait_port "$API_PORT"
  register_users
  local version
  version="$(ctl status 2>/dev/null | sed -n 's/^ejabberd \([^ ]*\) is running.*/\1/p')"
  echo "EJABBERD_DIR=$STATE_DIR"
  echo "EJABBERD_API_URL=https://127.0.0.1:$API_PORT/api"
  echo "EJABBERD_LEGACY_TLS_PORT=$LEGACY_TLS_PORT"
  echo "EJABBERD_ADMIN_JID=admin@$VHOST"
  echo "EJABBERD_CONFIG=$STATE_DIR/etc/ejabberd.yml"
  echo "EJABBERD_CA_FILE=$STATE_DIR/etc/cert.pem"
  echo "EJABBERD_VERSION=$version"
}

stop() {
  [ -x "$EJABBERDCTL" ] || return 0
  [ -f "$STATE_DIR/etc/ejabberdctl.cfg" ] || { say "nothing to stop in $STATE_DIR"; return 0; }
  local pid_file="$STATE_DIR/run/ejabberd.pid" pid="" i
  [ -s "$pid_file" ] && pid="$(cat "$pid_file")"
  timeout 30 "$EJABBERDCTL" --config-dir "$STATE_DIR/etc" --spool "$STATE_DIR/spool" --logs "$STATE_DIR/logs" stop >/dev/null 2>&1 || true
  # Watch our node's own beam process (cheap) rather than asking ejabberdctl (a new VM per question).
  if [ -n "$pid" ]; then
    for ((i = 1; i <= 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "ejabberd (pid $pid) did not stop within 30 s; killing it"
      kill "$pid" 2>/dev/null || true
      sleep 1
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  # epmd is shared by every Erlang node on the machine: stop it only when no node is registered any more.
  if ! ERL_EPMD_ADDRESS=127.0.0.1 epmd -names 2>/dev/null | grep -q '^name '; then
    ERL_EPMD_ADDRESS=127.0.0.1 epmd -kill >/dev/null 2>&1 || true
  fi
}

status() {
  require_tools
  ctl status
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
