# shellcheck shell=bash
# Apache Kafka 4.x (KRaft) of the local stack: Java, the jars from kafka/pom.xml, SCRAM
# credentials, server.properties, storage format, start, ACLs, stop. Sourced by scripts/stack.sh.

KAFKA_PORT="${KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-59093}"
# on: clients authenticate with SASL/SCRAM-SHA-512 and need ACLs; off: plaintext, for a
# throwaway broker only (the ingestion benchmark's baseline).
KAFKA_SASL="${KAFKA_SASL:-on}"
# The principals (SCRAM users) of the local stack: the broker itself (super user), the app
# (its topics and groups), and producers that may only write the events topic.
KAFKA_ADMIN_USERNAME=tenantry-admin
KAFKA_APP_USERNAME=tenantry-app
KAFKA_PRODUCER_USERNAME=tenantry-producer
KAFKA_TEST_PRODUCER_USERNAME=tenantry-test-producer

KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_CREDENTIALS="$KAFKA_DIR/credentials.env"
KAFKA_ADMIN_CLIENT="$KAFKA_DIR/admin-client.properties"
# How many nodes this stack folder runs: 1 (one broker, today's layout straight under
# $KAFKA_DIR) or 3 (a KRaft cluster of three combined broker+controller nodes, each in
# $KAFKA_DIR/node-N, node N on ports KAFKA_PORT/KAFKA_CONTROLLER_PORT + 100(N-1)). A folder
# remembers its count, so status, down and up kafka@N need no KAFKA_NODES.
KAFKA_NODES_FILE="$KAFKA_DIR/nodes"
KAFKA_NODES="${KAFKA_NODES:-$(cat "$KAFKA_NODES_FILE" 2>/dev/null || echo 1)}"
case "$KAFKA_NODES" in
  1|3) ;;
  *) die "KAFKA_NODES=$KAFKA_NODES: 1 (one broker) or 3 (a cluster of three)" ;;
esac
# Three JVMs share the machine: a smaller heap each.
if [ "$KAFKA_NODES" = 1 ]; then KAFKA_HEAP="${KAFKA_HEAP:-512m}"; else KAFKA_HEAP="${KAFKA_HEAP:-384m}"; fi
# Node 1's paths (the single broker's, when there is one): what the status table shows.
if [ "$KAFKA_NODES" = 1 ]; then KAFKA_NODE1_DIR="$KAFKA_DIR"; else KAFKA_NODE1_DIR="$KAFKA_DIR/node-1"; fi
# shellcheck disable=SC2034  # read by commands.sh
KAFKA_LOG="$KAFKA_NODE1_DIR/log/server.log"

# kafka_node N: the NODE_* paths and ports of node N for the functions below.
kafka_node() {
  local n="$1" base_port base_controller
  if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n < 1 || n > KAFKA_NODES )); then
    die "kafka@$n: this stack runs $KAFKA_NODES Kafka node(s) (KAFKA_NODES)"
  fi
  NODE_ID="$n"
  if [ "$KAFKA_NODES" = 1 ]; then
    NODE_NAME=kafka
    NODE_DIR="$KAFKA_DIR"
  else
    NODE_NAME="kafka@$n"
    NODE_DIR="$KAFKA_DIR/node-$n"
  fi
  NODE_DATA="$NODE_DIR/data"
  NODE_PROPS="$NODE_DIR/server.properties"
  NODE_PID="$NODE_DIR/kafka.pid"
  NODE_LOG="$NODE_DIR/log/server.log"
  NODE_OUT="$NODE_DIR/log/kafka.out"
  base_port="$(kafka_base_port port "$KAFKA_PORT")"
  base_controller="$(kafka_base_port controller_port "$KAFKA_CONTROLLER_PORT")"
  NODE_PORT=$(( base_port + 100 * (n - 1) ))
  NODE_CONTROLLER_PORT=$(( base_controller + 100 * (n - 1) ))
}

# The base port a cluster was started on (so `up kafka@N` renders the same voters), else
# the environment's. A single broker takes the environment's, as it always did.
kafka_base_port() {
  if [ "$KAFKA_NODES" != 1 ] && [ -s "$KAFKA_DIR/$1" ]; then head -n 1 "$KAFKA_DIR/$1"; else printf '%s\n' "$2"; fi
}

# The static controller quorum: every node's id and controller port.
kafka_voters() {
  local n voters=()
  for (( n = 1; n <= KAFKA_NODES; n++ )); do
    kafka_node "$n"
    voters+=("$n@127.0.0.1:$NODE_CONTROLLER_PORT")
  done
  (IFS=,; printf '%s\n' "${voters[*]}")
}

# What clients bootstrap from (KAFKA_BROKERS): every node's broker address.
kafka_brokers() {
  local n brokers=()
  for (( n = 1; n <= KAFKA_NODES; n++ )); do
    kafka_node "$n"
    brokers+=("127.0.0.1:$(recorded_port "$NODE_DIR/port" "$NODE_PORT")")
  done
  (IFS=,; printf '%s\n' "${brokers[*]}")
}

# A Java 17 or later for Kafka 4.x (missing_packages asks it too).
java_bin() {
  local j v
  for j in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [ -n "$j" ] && [ -x "$j" ] || continue
    v="$("$j" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
    v="${v%%.*}"
    if [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 17 )); then
      printf '%s\n' "$j"
      return 0
    fi
  done
  return 1
}

# The pid of the current node (kafka_node) if it is running.
kafka_node_pid() {
  local pid
  pid="$(read_pid "$NODE_PID")"
  if [ -n "$pid" ] && pid_matches "$pid" java kafka.Kafka "$NODE_PROPS"; then
    printf '%s\n' "$pid"
  fi
}

# The broker's pid; of a cluster, every node's (comma-separated), and nothing unless all run.
kafka_pid() {
  local n pid pids=()
  for (( n = 1; n <= KAFKA_NODES; n++ )); do
    kafka_node "$n"
    pid="$(kafka_node_pid)"
    [ -n "$pid" ] || return 0
    pids+=("$pid")
  done
  (IFS=,; printf '%s\n' "${pids[*]}")
}

kafka_resolve_libs() {
  local want have start
  want="$(sha256sum "$TPL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
  have="$(cat "$KAFKA_LIBS/.pom.sha256" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  start="$(now)"
  # Another stack folder of this checkout (the fault test's cluster) takes the main stack's
  # jars when they come from the same pom: hard links, no Maven run.
  local main_libs="$REPO_DIR/.stack/kafka/libs"
  if [ "$(cat "$main_libs/.pom.sha256" 2>/dev/null || true)" = "$want" ]; then
    rm -rf "$KAFKA_LIBS.new"
    if cp -al "$main_libs" "$KAFKA_LIBS.new" 2>/dev/null || cp -a "$main_libs" "$KAFKA_LIBS.new"; then
      rm -rf "$KAFKA_LIBS"
      mv "$KAFKA_LIBS.new" "$KAFKA_LIBS"
      log "kafka: jars taken from $main_libs in $(elapsed "$start")s"
      return 0
    fi
  fi
  log "kafka: resolving jars with mvn from scripts/stack/kafka/pom.xml into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.new"
  if ! mvn -q -B -f "$TPL_DIR/kafka/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$KAFKA_LIBS.new" >"$KAFKA_DIR/log/mvn.log" 2>&1; then
    show_tail "$KAFKA_DIR/log/mvn.log"
    die "kafka: mvn could not resolve the Kafka jars"
  fi
  printf '%s\n' "$want" > "$KAFKA_LIBS.new/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_LIBS.new" "$KAFKA_LIBS"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars resolved in $(elapsed "$start")s"
}

# The SCRAM passwords of this stack's principals: generated once, kept (mode 600) beside the
# data they were formatted into, and reused on every start.
kafka_credentials() {
  if [ ! -s "$KAFKA_CREDENTIALS" ]; then
    local name
    umask 077
    {
      for name in ADMIN CONTROLLER APP PRODUCER TEST_PRODUCER; do
        printf 'KAFKA_%s_PASSWORD=%s\n' "$name" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      done
    } > "$KAFKA_CREDENTIALS.tmp"
    mv -f "$KAFKA_CREDENTIALS.tmp" "$KAFKA_CREDENTIALS"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$KAFKA_CREDENTIALS"
}

# server.properties of the current node (kafka_node) for this stack's mode (SASL or
# plaintext) and size (one node, or three replicating each other).
# shellcheck disable=SC2034  # the KAFKA_* locals are read by render, by name
kafka_render_props() {
  local voters listeners_tpl="$TPL_DIR/kafka/listeners-plaintext.properties.tmpl"
  local replication_tpl="$TPL_DIR/kafka/replication-single.properties.tmpl"
  [ "$KAFKA_SASL" = on ] && listeners_tpl="$TPL_DIR/kafka/listeners-sasl.properties.tmpl"
  [ "$KAFKA_NODES" = 1 ] || replication_tpl="$TPL_DIR/kafka/replication-cluster.properties.tmpl"
  voters="$(kafka_voters)"
  kafka_node "$1"
  # The templates' names for this node's values (render reads them by name).
  local KAFKA_PORT="$NODE_PORT" KAFKA_CONTROLLER_PORT="$NODE_CONTROLLER_PORT" KAFKA_DATA="$NODE_DATA" \
    KAFKA_NODE_ID="$NODE_ID" KAFKA_VOTERS="$voters" KAFKA_LISTENER_CONFIG KAFKA_REPLICATION_CONFIG
  render "$listeners_tpl" "$NODE_DIR/listeners.properties" KAFKA_PORT KAFKA_CONTROLLER_PORT \
    KAFKA_ADMIN_USERNAME KAFKA_ADMIN_PASSWORD KAFKA_CONTROLLER_PASSWORD
  KAFKA_LISTENER_CONFIG="$(<"$NODE_DIR/listeners.properties")"
  rm -f "$NODE_DIR/listeners.properties"
  KAFKA_REPLICATION_CONFIG="$(<"$replication_tpl")"
  render "$TPL_DIR/kafka/server.properties.tmpl" "$2" KAFKA_NODE_ID KAFKA_VOTERS KAFKA_PORT \
    KAFKA_CONTROLLER_PORT KAFKA_DATA KAFKA_LISTENER_CONFIG KAFKA_REPLICATION_CONFIG
  chmod 600 "$2"
}

# Client settings for Kafka's own tools, as the admin principal.
kafka_admin_client_props() {
  umask 077
  cat > "$KAFKA_ADMIN_CLIENT" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USERNAME" password="$KAFKA_ADMIN_PASSWORD";
PROPS
  umask 022
}

# The ACLs of the local stack. The app: its topics (the events topic and its dead-letter topic;
# test. and bench. ones for the test suite and benchmarks) and consumer groups. Producers: write
# (and describe) the events topic only, nothing else; the test producer the same on test. topics.
kafka_acl_spec() {
  local app="User:$KAFKA_APP_USERNAME"
  printf '%s\n' \
    "--allow-principal $app --resource-pattern-type prefixed --topic tenant_events --topic test. --topic bench. --operation Read --operation Write --operation Create --operation Describe --operation DescribeConfigs --operation AlterConfigs" \
    "--allow-principal $app --resource-pattern-type prefixed --group tenantry --group test- --group test. --group bench. --operation Read --operation Describe" \
    "--allow-principal User:$KAFKA_PRODUCER_USERNAME --resource-pattern-type literal --topic tenant_events --operation Write --operation Describe" \
    "--allow-principal User:$KAFKA_TEST_PRODUCER_USERNAME --resource-pattern-type prefixed --topic test. --operation Write --operation Describe"
}

# Grants the ACLs (AclCommand adds idempotently; the metadata log carries them to every
# node); skipped when this exact set was granted to this stack before.
kafka_grant_acls() {
  local java="$1" want have line start marker
  kafka_node 1
  marker="$NODE_DATA/.acls.sha256"
  want="$(kafka_acl_spec | sha256sum | cut -d' ' -f1)"
  have="$(cat "$marker" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  start="$(now)"
  kafka_admin_client_props
  # One AclCommand (a JVM start, seconds each) per line, side by side: each adds its own bindings.
  local i=0 pids=() pid brokers
  brokers="$(kafka_brokers)"
  while IFS= read -r line; do
    i=$(( i + 1 ))
    # shellcheck disable=SC2086
    "$java" -Xms32m -Xmx256m -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.AclCommand \
      --bootstrap-server "$brokers" --command-config "$KAFKA_ADMIN_CLIENT" \
      --add $line >"$KAFKA_DIR/log/acls-$i.log" 2>&1 &
    pids+=("$!")
  done < <(kafka_acl_spec)
  i=0
  for pid in "${pids[@]}"; do
    i=$(( i + 1 ))
    if ! wait "$pid"; then
      show_tail "$KAFKA_DIR/log/acls-$i.log"
      die "kafka: granting ACLs failed"
    fi
  done
  printf '%s\n' "$want" > "$marker"
  log "kafka: ACLs granted in $(elapsed "$start")s (principals $KAFKA_APP_USERNAME, $KAFKA_PRODUCER_USERNAME, $KAFKA_TEST_PRODUCER_USERNAME)"
}

kafka_jvm_opts() {
  KAFKA_JVM_OPTS=(
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dlog4j2.shutdownHookEnabled=false
    "-Dkafka.logs.dir=$NODE_DIR/log"
    "-Dlog4j2.configurationFile=$TPL_DIR/kafka/log4j2.yaml"
  )
}

# Node N already runs with this configuration and these jars: leave it. Running with other
# ones (another listener setup, new jars), it is stopped, to be started on the new ones: a
# broker on the old ones would refuse the app's credentials.
kafka_node_current() {
  local pid want have
  kafka_node "$1"
  pid="$(kafka_node_pid)"
  [ -n "$pid" ] || return 1
  want="$(sha256sum "$TPL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
  have="$(cat "$KAFKA_LIBS/.pom.sha256" 2>/dev/null || true)"
  kafka_render_props "$1" "$NODE_PROPS.next"
  if [ "$want" = "$have" ] && cmp -s "$NODE_PROPS" "$NODE_PROPS.next"; then
    rm -f "$NODE_PROPS.next"
    log "$NODE_NAME: already running (pid $pid, port $(recorded_port "$NODE_DIR/port" "$NODE_PORT")); leaving it"
    return 0
  fi
  rm -f "$NODE_PROPS.next"
  warn "$NODE_NAME: its configuration or jars changed; restarting it"
  kafka_stop_node "$1" TERM
  return 1
}

# The cluster id a new node's storage gets: the one the other nodes were formatted with, or a
# new random Kafka UUID (16 bytes, base64url without padding; a leading '-' would be read as
# an option by the storage tool).
kafka_cluster_id() {
  local id
  id="$( { cat "$KAFKA_DIR"/node-*/data/meta.properties 2>/dev/null || true; } | sed -n 's/^cluster\.id=//p' | head -n 1)"
  if [ -n "$id" ]; then printf '%s\n' "$id"; return 0; fi
  id="-"
  while [[ "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
  done
  printf '%s\n' "$id"
}

# Storage formatted for another mode (data from before SASL) holds no SCRAM users: the broker
# could not authenticate even itself. Its topics are transient; node N's is emptied, to be
# formatted anew.
kafka_drop_foreign_storage() {
  kafka_node "$1"
  if [ -s "$NODE_DATA/meta.properties" ] \
      && [ "$(cat "$NODE_DATA/.tenantry-security" 2>/dev/null || echo none)" != "sasl-$KAFKA_SASL" ]; then
    warn "$NODE_NAME: storage in $NODE_DATA was formatted without this security setup; formatting it anew (its topics are dropped)"
    find "$NODE_DATA" -mindepth 1 -delete
  fi
}

# Formats node N's storage with the cluster id given.
kafka_format_node() {
  local java="$1" n="$2" cluster_id="$3" scram=()
  kafka_node "$n"
  if [ "$KAFKA_SASL" = on ]; then
    # SCRAM users written into the metadata at format time: the broker's own (inter-broker)
    # principal must exist before the broker can start. Every node gets the same list.
    scram=(
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_ADMIN_USERNAME,password=$KAFKA_ADMIN_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_APP_USERNAME,password=$KAFKA_APP_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_PRODUCER_USERNAME,password=$KAFKA_PRODUCER_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_TEST_PRODUCER_USERNAME,password=$KAFKA_TEST_PRODUCER_PASSWORD]"
    )
  fi
  log "$NODE_NAME: formatting storage in $NODE_DATA (cluster id $cluster_id, SASL $KAFKA_SASL)"
  kafka_jvm_opts
  if ! "$java" "${KAFKA_JVM_OPTS[@]/-Xms$KAFKA_HEAP/-Xms64m}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
        -t "$cluster_id" -c "$NODE_PROPS" "${scram[@]}" >"$NODE_DIR/log/format.log" 2>&1; then
    show_tail "$NODE_DIR/log/format.log"
    die "$NODE_NAME: storage format failed"
  fi
  printf 'sasl-%s\n' "$KAFKA_SASL" > "$NODE_DATA/.tenantry-security"
}

# Formats the storage of the nodes given that have none, all with one cluster id, side by side
# (each is a JVM start).
kafka_format_nodes() {
  local java="$1" n cluster_id pids=() pid
  shift
  for n in "$@"; do kafka_drop_foreign_storage "$n"; done
  cluster_id="$(kafka_cluster_id)"
  for n in "$@"; do
    kafka_node "$n"
    [ -s "$NODE_DATA/meta.properties" ] && continue
    kafka_format_node "$java" "$n" "$cluster_id" &
    pids+=("$!")
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    wait "$pid" || die "kafka: storage format failed (see above)"
  done
}

# Launches node N in the background; kafka_wait_node waits for it. Apart so a cluster's
# nodes all start before any is waited for: a node waits for a quorum of controllers.
declare -gA KAFKA_LOG_OFFSET=()
kafka_launch_node() {
  local java="$1" n="$2" i pid
  kafka_node "$n"
  if [ -e "$NODE_PID" ]; then
    log "$NODE_NAME: removing stale pid file $NODE_PID"
    rm -f "$NODE_PID"
  fi
  require_free_port "$NODE_PORT" "$NODE_NAME"
  require_free_port "$NODE_CONTROLLER_PORT" "$NODE_NAME (controller)"
  log "$NODE_NAME: starting on 127.0.0.1:$NODE_PORT (controller :$NODE_CONTROLLER_PORT)"
  # Mark the start in the broker log (not running, so nobody else writes it),
  # so a failure shows this run's lines and readiness ignores older ones.
  printf '===== scripts/stack.sh: starting kafka, %s =====\n' "$(date -u +%FT%TZ)" >> "$NODE_LOG"
  KAFKA_LOG_OFFSET[$n]="$(stat -c %s "$NODE_LOG")"
  kafka_jvm_opts
  # setsid: its own session, so it outlives this shell and its process group.
  # The inner shell writes its own pid, then exec keeps that pid for java.
  # A plain background command (no subshell), so nothing of ours waits on it
  # while holding our stdout or the lock (fd 9).
  setsid bash -c "$CLOSE_FDS"'; cd "$1" && echo $$ > "$2" && shift 2 && exec "$@"' kafka-launch "$NODE_DIR" "$NODE_PID" \
      nohup "$java" "${KAFKA_JVM_OPTS[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$NODE_PROPS" \
      >"$NODE_OUT" 2>&1 </dev/null 9>&- &
  for (( i = 0; i < 50; i++ )); do [ -s "$NODE_PID" ] && break; sleep 0.1; done
  pid="$(read_pid "$NODE_PID")"
  [ -n "$pid" ] || die "$NODE_NAME: did not write its pid file"
  record_port "$NODE_DIR/port" "$NODE_PORT"
}

# shellcheck disable=SC2317  # called through wait_for
kafka_ready() {
  [ -f "$NODE_LOG" ] && tail -c +"$(( ${KAFKA_LOG_OFFSET[$NODE_ID]} + 1 ))" "$NODE_LOG" | grep -q 'Kafka Server started' \
    && port_open "$NODE_PORT"
}

kafka_wait_node() {
  kafka_node "$1"
  wait_for "$NODE_NAME" "$WAIT_TIMEOUT" "$(read_pid "$NODE_PID")" "$NODE_OUT $NODE_LOG" kafka_ready
}

kafka_start() {
  local start java n todo=()
  mkdir -p "$KAFKA_DIR/log"
  kafka_check_size
  kafka_credentials
  for (( n = 1; n <= KAFKA_NODES; n++ )); do
    kafka_node "$n"
    mkdir -p "$NODE_DIR/log" "$NODE_DATA"
    kafka_node_current "$n" || todo+=("$n")
  done
  if [ "${#todo[@]}" = 0 ]; then
    [ "$KAFKA_SASL" = on ] && kafka_grant_acls "$(java_bin)"
    return 0
  fi
  start="$(now)"
  java="$(java_bin)" || die "kafka: no Java 17+ found"
  kafka_resolve_libs
  # Every node's server.properties first: formatting a node reads its own.
  for n in "${todo[@]}"; do kafka_node "$n"; kafka_render_props "$n" "$NODE_PROPS"; done
  kafka_format_nodes "$java" "${todo[@]}"
  for n in "${todo[@]}"; do kafka_launch_node "$java" "$n"; done
  for n in "${todo[@]}"; do kafka_wait_node "$n"; done
  printf '%s\n' "$KAFKA_NODES" > "$KAFKA_NODES_FILE"
  # Node 1's ports: a cluster keeps them (so its voters stay put) until down --purge kafka.
  kafka_node 1
  record_port "$KAFKA_DIR/port" "$NODE_PORT"
  record_port "$KAFKA_DIR/controller_port" "$NODE_CONTROLLER_PORT"
  log "kafka: ready (pid $(kafka_pid)) in $(elapsed "$start")s"
  [ "$KAFKA_SASL" = on ] && kafka_grant_acls "$java"
  return 0
}

# A stack folder runs one size: switching between one node and three needs a stop first
# (their data folders differ; the other size's data stays until down --purge kafka).
kafka_check_size() {
  local recorded running
  recorded="$(cat "$KAFKA_NODES_FILE" 2>/dev/null || true)"
  if [ -z "$recorded" ] || [ "$recorded" = "$KAFKA_NODES" ]; then return 0; fi
  running="$(kafka_any_pid "$recorded")"
  if [ -n "$running" ]; then
    die "kafka: $STACK_DIR runs $recorded node(s); stop them first (down kafka, without KAFKA_NODES) to start it with KAFKA_NODES=$KAFKA_NODES"
  fi
}

# The pid of any running node of a stack of $1 nodes.
kafka_any_pid() {
  local KAFKA_NODES="$1" n pid
  for (( n = 1; n <= KAFKA_NODES; n++ )); do
    kafka_node "$n"
    pid="$(kafka_node_pid)"
    [ -n "$pid" ] && { printf '%s\n' "$pid"; return 0; }
  done
  return 0
}

# up kafka@N: starts one node of a running cluster again (its storage, ports and voters are
# the cluster's). For fault tests and rolling restarts.
kafka_start_node() {
  local n="$1" start java
  [ "$KAFKA_NODES" != 1 ] || die "kafka@$n: this stack runs one Kafka node; use 'kafka'"
  kafka_node "$n"
  [ -s "$NODE_DATA/meta.properties" ] || die "$NODE_NAME: not formatted yet; start the cluster first (up kafka)"
  kafka_credentials
  kafka_node_current "$n" && return 0
  start="$(now)"
  java="$(java_bin)" || die "kafka: no Java 17+ found"
  kafka_render_props "$n" "$NODE_PROPS"
  kafka_launch_node "$java" "$n"
  kafka_wait_node "$n"
  log "$NODE_NAME: ready (pid $(kafka_node_pid)) in $(elapsed "$start")s"
}

# Stops node N: SIGTERM (controlled shutdown: its partitions' leadership moves first), or
# SIGKILL for a fault test (a crash: the cluster notices when its heartbeats stop).
kafka_stop_node() {
  local n="$1" signal="${2:-TERM}" pid i
  kafka_node "$n"
  pid="$(kafka_node_pid)"
  if [ -z "$pid" ]; then
    log "$NODE_NAME: not running"
    return 0
  fi
  if [ "$signal" = KILL ]; then
    log "$NODE_NAME: killing (SIGKILL, pid $pid)"
    kill -KILL "$pid" 2>/dev/null || true
    for (( i = 0; i < 50; i++ )); do [ -z "$(cmdline_of "$pid")" ] && break; sleep 0.1; done
  else
    log "$NODE_NAME: stopping (pid $pid)"
    stop_pid "$NODE_NAME" "$pid" 60
  fi
  rm -f "$NODE_PID"
  log "$NODE_NAME: stopped"
}

kafka_stop() {
  local n pid pids=()
  for (( n = 1; n <= KAFKA_NODES; n++ )); do
    kafka_node "$n"
    pid="$(kafka_node_pid)"
    [ -n "$pid" ] && pids+=("$pid")
  done
  if [ "${#pids[@]}" = 0 ]; then
    log "kafka: not running"
    return 0
  fi
  # All at once: a cluster stopped one node at a time loses its quorum half-way, and the
  # last nodes' controlled shutdowns would wait for a controller that is gone.
  if [ "$KAFKA_NODES" = 1 ]; then
    kafka_stop_node 1 TERM
    return 0
  fi
  log "kafka: stopping all nodes (pids ${pids[*]})"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for (( n = 1; n <= KAFKA_NODES; n++ )); do kafka_stop_node "$n" TERM >/dev/null; done
  log "kafka: stopped"
}
