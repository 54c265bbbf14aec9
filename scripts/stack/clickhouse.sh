# shellcheck shell=bash
# ClickHouse (Debian's 18.16) of the local stack: config.xml and users.xml from the templates in
# clickhouse/, start, stop. Sourced by scripts/stack.sh.

CLICKHOUSE_HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-58123}"
CLICKHOUSE_TCP_PORT="${CLICKHOUSE_TCP_PORT:-59000}"
CLICKHOUSE_INTERSERVER_PORT="${CLICKHOUSE_INTERSERVER_PORT:-59009}"

# ClickHouse users (scripts/stack/clickhouse/users.xml): the writer for ingestion and schema
# steps, the read-only reader (with query limits) for analytics, and the same reader at a low
# priority for a tenant's 2nd and later analytics queries running at once.
CLICKHOUSE_WRITER_USER="${CLICKHOUSE_WRITER_USER:-tenantry_writer}"
CLICKHOUSE_WRITER_PASSWORD="${CLICKHOUSE_WRITER_PASSWORD:-tenantry_writer_dev}"
CLICKHOUSE_READER_USER="${CLICKHOUSE_READER_USER:-tenantry_reader}"
CLICKHOUSE_READER_PASSWORD="${CLICKHOUSE_READER_PASSWORD:-tenantry_reader_dev}"
CLICKHOUSE_READER_BACKGROUND_USER="${CLICKHOUSE_READER_BACKGROUND_USER:-tenantry_reader_background}"
CLICKHOUSE_READER_BACKGROUND_PASSWORD="${CLICKHOUSE_READER_BACKGROUND_PASSWORD:-tenantry_reader_background_dev}"
CLICKHOUSE_READER_MAX_EXECUTION_TIME="${CLICKHOUSE_READER_MAX_EXECUTION_TIME:-30}"
CLICKHOUSE_READER_MAX_MEMORY_USAGE="${CLICKHOUSE_READER_MAX_MEMORY_USAGE:-2000000000}"
CLICKHOUSE_READER_MAX_ROWS_TO_READ="${CLICKHOUSE_READER_MAX_ROWS_TO_READ:-2000000}"
# Threads per background (low-priority) query: half the cores, so a tenant's heavy queries in
# their turn always leave the other half to everyone's normal ones (README, "Fair analytics").
CLICKHOUSE_READER_BACKGROUND_MAX_THREADS="${CLICKHOUSE_READER_BACKGROUND_MAX_THREADS:-$(( $(nproc) / 2 > 1 ? $(nproc) / 2 : 1 ))}"

# How many servers this stack folder runs: 1 (today's single server, in $STACK_DIR/clickhouse) or
# 2 (a cluster `tenantry` of two shards, node N in $STACK_DIR/clickhouse-N from N=2, on the ports
# above + 100(N-1)). A folder remembers its count, so status and down need no CLICKHOUSE_NODES.
CH_NODES_FILE="$STACK_DIR/clickhouse/nodes"
CLICKHOUSE_NODES="${CLICKHOUSE_NODES:-$(cat "$CH_NODES_FILE" 2>/dev/null || echo 1)}"
case "$CLICKHOUSE_NODES" in
  1|2) ;;
  *) die "CLICKHOUSE_NODES=$CLICKHOUSE_NODES: 1 (one server) or 2 (a cluster of two shards)" ;;
esac
# The cluster (remote_servers) and the user its servers query each other as. 18.16 has no
# inter-server <secret>, so each shard's leaf query logs in as this user with the initiator's
# settings applied on top (readonly=1 and the reader's limits included); readonly=0 so the
# leaf accepts them. Loopback only, with a password generated into $CH_CLUSTER_CREDENTIALS.
CLICKHOUSE_CLUSTER_NAME=tenantry
CLICKHOUSE_CLUSTER_USER=tenantry_cluster
CH_CLUSTER_CREDENTIALS="$STACK_DIR/clickhouse/cluster.env"

# ch_use_node N: the CH_* paths and ports of node N for the functions below (node 1 is the
# single server's folder and ports, so a one-node stack is laid out as it always was).
ch_use_node() {
  local n="$1"
  if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n < 1 || n > CLICKHOUSE_NODES )); then
    die "clickhouse node $n: this stack runs $CLICKHOUSE_NODES ClickHouse server(s) (CLICKHOUSE_NODES)"
  fi
  if [ "$n" = 1 ]; then CH_DIR="$STACK_DIR/clickhouse"; else CH_DIR="$STACK_DIR/clickhouse-$n"; fi
  CH_NAME=clickhouse
  [ "$CLICKHOUSE_NODES" = 1 ] || CH_NAME="clickhouse@$n"
  CH_CONF="$CH_DIR/config.xml"
  CH_PID="$CH_DIR/clickhouse-server.pid"
  # shellcheck disable=SC2034  # read by svc_log in commands.sh
  CH_LOG="$CH_DIR/log/clickhouse-server.log"
  CH_ERRLOG="$CH_DIR/log/clickhouse-server.err.log"
  CH_HTTP_PORT=$(( CLICKHOUSE_HTTP_PORT + 100 * (n - 1) ))
  CH_TCP_PORT=$(( CLICKHOUSE_TCP_PORT + 100 * (n - 1) ))
  CH_INTERSERVER_PORT=$(( CLICKHOUSE_INTERSERVER_PORT + 100 * (n - 1) ))
}
# Node 1 by default: what commands.sh shows and writes into stack.env.
ch_use_node 1

# The pid of the current node (ch_use_node) if it is running.
ch_node_pid() {
  local pid
  pid="$(read_pid "$CH_PID")"
  if [ -n "$pid" ] && pid_matches "$pid" clickhouse "--config-file=$CH_CONF"; then
    printf '%s\n' "$pid"
  fi
}

# The server's pid; of a cluster, every node's (comma-separated), and nothing unless all run.
ch_pid() {
  local n pid pids=()
  for (( n = 1; n <= CLICKHOUSE_NODES; n++ )); do
    ch_use_node "$n"
    pid="$(ch_node_pid)"
    if [ -z "$pid" ]; then ch_use_node 1; return 0; fi
    pids+=("$pid")
  done
  ch_use_node 1
  (IFS=,; printf '%s\n' "${pids[*]}")
}

# Every node's HTTP URL, in shard order (CLICKHOUSE_NODE_URLS).
ch_node_urls() {
  local n urls=()
  for (( n = 1; n <= CLICKHOUSE_NODES; n++ )); do
    ch_use_node "$n"
    urls+=("http://127.0.0.1:$(recorded_port "$CH_DIR/port" "$CH_HTTP_PORT")")
  done
  ch_use_node 1
  (IFS=,; printf '%s\n' "${urls[*]}")
}

# The cluster user's password, generated once per stack folder.
ch_cluster_password() {
  if [ ! -s "$CH_CLUSTER_CREDENTIALS" ]; then
    install -d -m 750 "$(dirname "$CH_CLUSTER_CREDENTIALS")"
    ( umask 077
      printf 'CLICKHOUSE_CLUSTER_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
        > "$CH_CLUSTER_CREDENTIALS.tmp" )
    mv -f "$CH_CLUSTER_CREDENTIALS.tmp" "$CH_CLUSTER_CREDENTIALS"
  fi
  sed -n 's/^CLICKHOUSE_CLUSTER_PASSWORD=//p' "$CH_CLUSTER_CREDENTIALS"
}

# The <remote_servers> block of a cluster's config: one shard per node, one replica each (no
# replication: a shard's data lives on its one server). Empty for a single server.
ch_remote_servers() {
  [ "$CLICKHOUSE_NODES" = 1 ] && return 0
  local n password shards=""
  password="$(ch_cluster_password)"
  for (( n = 1; n <= CLICKHOUSE_NODES; n++ )); do
    shards+="
            <shard>
                <weight>1</weight>
                <internal_replication>false</internal_replication>
                <replica>
                    <host>127.0.0.1</host>
                    <port>$(( CLICKHOUSE_TCP_PORT + 100 * (n - 1) ))</port>
                    <user>$CLICKHOUSE_CLUSTER_USER</user>
                    <password>$password</password>
                </replica>
            </shard>"
  done
  printf '    <remote_servers>\n        <%s>%s\n        </%s>\n    </remote_servers>\n' \
    "$CLICKHOUSE_CLUSTER_NAME" "$shards" "$CLICKHOUSE_CLUSTER_NAME"
}

# The cluster user's <users> entry (password as SHA-256), for a cluster only.
ch_cluster_user_xml() {
  [ "$CLICKHOUSE_NODES" = 1 ] && return 0
  local sha
  sha="$(printf '%s' "$(ch_cluster_password)" | sha256sum | cut -d' ' -f1)"
  printf '        <%s>\n            <password_sha256_hex>%s</password_sha256_hex>\n            <networks>\n                <ip>127.0.0.1</ip>\n                <ip>::1</ip>\n            </networks>\n            <profile>default</profile>\n            <quota>default</quota>\n        </%s>\n' \
    "$CLICKHOUSE_CLUSTER_USER" "$sha" "$CLICKHOUSE_CLUSTER_USER"
}

ch_ping() {
  [ "$(curl -fsS --max-time 2 "http://127.0.0.1:$1/ping" 2>/dev/null)" = "Ok." ]
}

# users.xml from scripts/stack/clickhouse/users.xml: passwords as SHA-256, reader limits from
# the environment, into the current node's folder. Written only when it changes; a running
# server reloads it by itself.
ch_write_users() {
  local WRITER_USER="$CLICKHOUSE_WRITER_USER" READER_USER="$CLICKHOUSE_READER_USER"
  local READER_BACKGROUND_USER="$CLICKHOUSE_READER_BACKGROUND_USER"
  local WRITER_PASSWORD_SHA256 READER_PASSWORD_SHA256 READER_BACKGROUND_PASSWORD_SHA256
  local READER_MAX_EXECUTION_TIME="$CLICKHOUSE_READER_MAX_EXECUTION_TIME"
  local READER_MAX_MEMORY_USAGE="$CLICKHOUSE_READER_MAX_MEMORY_USAGE"
  local READER_MAX_ROWS_TO_READ="$CLICKHOUSE_READER_MAX_ROWS_TO_READ"
  local READER_BACKGROUND_MAX_THREADS="$CLICKHOUSE_READER_BACKGROUND_MAX_THREADS"
  local CLUSTER_USER_XML name
  CLUSTER_USER_XML="$(ch_cluster_user_xml)"
  for name in WRITER_USER READER_USER READER_BACKGROUND_USER; do
    [[ "${!name}" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "clickhouse: CLICKHOUSE_$name=${!name} is not a plain lowercase name"
  done
  for name in READER_MAX_EXECUTION_TIME READER_MAX_MEMORY_USAGE READER_MAX_ROWS_TO_READ \
    READER_BACKGROUND_MAX_THREADS; do
    [[ "${!name}" =~ ^[0-9]+$ ]] || die "clickhouse: CLICKHOUSE_$name=${!name} is not a number"
  done
  WRITER_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_WRITER_PASSWORD" | sha256sum | cut -d' ' -f1)"
  READER_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_READER_PASSWORD" | sha256sum | cut -d' ' -f1)"
  READER_BACKGROUND_PASSWORD_SHA256="$(printf '%s' "$CLICKHOUSE_READER_BACKGROUND_PASSWORD" | sha256sum | cut -d' ' -f1)"
  render "$TPL_DIR/clickhouse/users.xml" "$CH_DIR/users.xml.new" WRITER_USER READER_USER \
    READER_BACKGROUND_USER WRITER_PASSWORD_SHA256 READER_PASSWORD_SHA256 \
    READER_BACKGROUND_PASSWORD_SHA256 \
    READER_MAX_EXECUTION_TIME READER_MAX_MEMORY_USAGE READER_MAX_ROWS_TO_READ \
    READER_BACKGROUND_MAX_THREADS CLUSTER_USER_XML
  chmod 640 "$CH_DIR/users.xml.new"
  chown clickhouse:clickhouse "$CH_DIR/users.xml.new"
  if cmp -s "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"; then
    rm -f "$CH_DIR/users.xml.new"
  else
    mv -f "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"
    log "$CH_NAME: users $CLICKHOUSE_WRITER_USER (writer) and $CLICKHOUSE_READER_USER (read-only, limited) and $CLICKHOUSE_READER_BACKGROUND_USER (the same, low priority) written to $CH_DIR/users.xml"
  fi
}

# Starts every node, then checks a cluster: each node must see itself as exactly one shard of it.
ch_start() {
  local n
  mkdir -p "$STACK_DIR/clickhouse"
  printf '%s\n' "$CLICKHOUSE_NODES" > "$CH_NODES_FILE"
  for (( n = 1; n <= CLICKHOUSE_NODES; n++ )); do
    ch_use_node "$n"
    ch_start_node
  done
  [ "$CLICKHOUSE_NODES" = 1 ] || ch_check_cluster
  ch_use_node 1
}

# system.clusters on each node: the cluster has one shard per node, and exactly one of them is
# the node itself (is_local: same address and TCP port), the shard of its position. A node that
# sees no local shard would forward its own shard's reads over the network; two, read them twice.
ch_check_cluster() {
  local n answer want
  want="$CLICKHOUSE_NODES"
  for (( n = 1; n <= CLICKHOUSE_NODES; n++ )); do
    ch_use_node "$n"
    answer="$(curl -fsS --max-time 5 "http://127.0.0.1:$CH_HTTP_PORT/" --data-binary \
      "SELECT count(), sum(is_local), sumIf(shard_num, is_local) FROM system.clusters WHERE cluster = '$CLICKHOUSE_CLUSTER_NAME' FORMAT TSV" \
      2>&1)" || die "$CH_NAME: could not read system.clusters: $answer"
    [ "$answer" = "$want	1	$n" ] \
      || die "$CH_NAME: system.clusters says shards, local, local shard = ${answer//	/, } (want $want, 1, $n)"
  done
  log "clickhouse: cluster $CLICKHOUSE_CLUSTER_NAME of $CLICKHOUSE_NODES shards checked (each node is its own shard, once)"
}

ch_start_node() {
  local pid start
  pid="$(ch_node_pid)"
  if [ -n "$pid" ]; then
    log "$CH_NAME: already running (pid $pid, http port $(recorded_port "$CH_DIR/port" "$CH_HTTP_PORT")); leaving it"
    ch_write_users
    return 0
  fi
  start="$(now)"
  getent passwd clickhouse >/dev/null || die "clickhouse: the clickhouse system user does not exist (is clickhouse-server installed?)"
  local d
  for d in "$CH_DIR" "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_DIR/log"; do
    install -d -o clickhouse -g clickhouse -m 750 "$d"
  done
  ensure_traversable clickhouse "$CH_DIR"
  local HTTP_PORT="$CH_HTTP_PORT" TCP_PORT="$CH_TCP_PORT" INTERSERVER_PORT="$CH_INTERSERVER_PORT"
  local REMOTE_SERVERS
  REMOTE_SERVERS="$(ch_remote_servers)"
  render "$TPL_DIR/clickhouse/config.xml.tmpl" "$CH_CONF" CH_DIR HTTP_PORT TCP_PORT INTERSERVER_PORT REMOTE_SERVERS
  # The cluster's password is in <remote_servers>: only the server reads this file.
  chmod 640 "$CH_CONF"
  chown clickhouse:clickhouse "$CH_CONF"
  ch_write_users
  if [ -e "$CH_PID" ]; then
    log "$CH_NAME: removing stale pid file $CH_PID"
    rm -f "$CH_PID"
  fi
  require_free_port "$CH_HTTP_PORT" "$CH_NAME (http)"
  require_free_port "$CH_TCP_PORT" "$CH_NAME (native)"
  require_free_port "$CH_INTERSERVER_PORT" "$CH_NAME (interserver)"
  log "$CH_NAME: starting on 127.0.0.1:$CH_HTTP_PORT (http), :$CH_TCP_PORT (native)"
  # --pidfile, not --pid-file (the latter is silently ignored by 18.16).
  if ! (cd "$CH_DIR" && run_clean runuser -u clickhouse -- clickhouse-server --config-file="$CH_CONF" \
          --pidfile="$CH_PID" --daemon >>"$CH_DIR/launch.log" 2>&1 9>&-); then
    show_tail "$CH_DIR/launch.log" "$CH_DIR/log/stderr.log" "$CH_ERRLOG"
    die "$CH_NAME: clickhouse-server failed to start"
  fi
  record_port "$CH_DIR/port" "$CH_HTTP_PORT"
  record_port "$CH_DIR/tcp_port" "$CH_TCP_PORT"
  local i logs="$CH_ERRLOG $CH_DIR/log/stderr.log $CH_DIR/launch.log"
  for (( i = 0; i < 100; i++ )); do [ -s "$CH_PID" ] && break; sleep 0.1; done
  pid="$(read_pid "$CH_PID")"
  if [ -z "$pid" ]; then
    show_tail $logs
    die "$CH_NAME: the daemon wrote no pid file (see the log above)"
  fi
  # shellcheck disable=SC2317  # called through wait_for
  ch_ready() { ch_ping "$CH_HTTP_PORT" && [ -n "$(ch_node_pid)" ]; }
  wait_for "$CH_NAME" "$WAIT_TIMEOUT" "@$CH_PID" "$logs" ch_ready
  log "$CH_NAME: ready (pid $(ch_node_pid), version $(curl -fsS --max-time 5 "http://127.0.0.1:$CH_HTTP_PORT/?query=SELECT%20version()" || echo '?')) in $(elapsed "$start")s"
}

# Stops every node, the last first.
ch_stop() {
  local n pid
  for (( n = CLICKHOUSE_NODES; n >= 1; n-- )); do
    ch_use_node "$n"
    pid="$(ch_node_pid)"
    if [ -z "$pid" ]; then
      log "$CH_NAME: not running"
      continue
    fi
    log "$CH_NAME: stopping (pid $pid)"
    stop_pid "$CH_NAME" "$pid" 60
    rm -f "$CH_PID"
    log "$CH_NAME: stopped"
  done
  ch_use_node 1
}

# Every node's folder (for down --purge): node 1's holds the node count and the cluster password.
ch_dirs() {
  local n
  for (( n = CLICKHOUSE_NODES; n >= 1; n-- )); do
    ch_use_node "$n"
    printf '%s\n' "$CH_DIR"
  done
  ch_use_node 1
}
