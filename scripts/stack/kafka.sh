# shellcheck shell=bash
# Apache Kafka 4.x (KRaft) of the local stack: Java, the jars from kafka/pom.xml, SCRAM
# credentials, server.properties, storage format, start, ACLs, stop. Sourced by scripts/stack.sh.

KAFKA_PORT="${KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-59093}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
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
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/log/server.log"
KAFKA_OUT="$KAFKA_DIR/log/kafka.out"
KAFKA_CREDENTIALS="$KAFKA_DIR/credentials.env"
KAFKA_ADMIN_CLIENT="$KAFKA_DIR/admin-client.properties"

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

kafka_pid() {
  local pid
  pid="$(read_pid "$KAFKA_PID")"
  if [ -n "$pid" ] && pid_matches "$pid" java kafka.Kafka "$KAFKA_PROPS"; then
    printf '%s\n' "$pid"
  fi
}

kafka_resolve_libs() {
  local want have start
  want="$(sha256sum "$TPL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
  have="$(cat "$KAFKA_LIBS/.pom.sha256" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  start="$(now)"
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

# server.properties for this stack's mode (SASL or plaintext).
kafka_render_props() {
  local KAFKA_LISTENER_CONFIG listeners_tpl="$TPL_DIR/kafka/listeners-plaintext.properties.tmpl"
  [ "$KAFKA_SASL" = on ] && listeners_tpl="$TPL_DIR/kafka/listeners-sasl.properties.tmpl"
  render "$listeners_tpl" "$KAFKA_DIR/listeners.properties" KAFKA_PORT KAFKA_CONTROLLER_PORT \
    KAFKA_ADMIN_USERNAME KAFKA_ADMIN_PASSWORD KAFKA_CONTROLLER_PASSWORD
  KAFKA_LISTENER_CONFIG="$(<"$KAFKA_DIR/listeners.properties")"
  rm -f "$KAFKA_DIR/listeners.properties"
  render "$TPL_DIR/kafka/server.properties.tmpl" "$1" KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA \
    KAFKA_LISTENER_CONFIG
  chmod 600 "$1"
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

# Grants the ACLs (AclCommand adds idempotently); skipped when this exact set was granted to
# this data folder before.
kafka_grant_acls() {
  local java="$1" want have line start
  want="$(kafka_acl_spec | sha256sum | cut -d' ' -f1)"
  have="$(cat "$KAFKA_DATA/.acls.sha256" 2>/dev/null || true)"
  [ "$want" = "$have" ] && return 0
  start="$(now)"
  kafka_admin_client_props
  while IFS= read -r line; do
    # shellcheck disable=SC2086
    if ! "$java" -Xms32m -Xmx256m -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.AclCommand \
          --bootstrap-server "127.0.0.1:$KAFKA_PORT" --command-config "$KAFKA_ADMIN_CLIENT" \
          --add $line >>"$KAFKA_DIR/log/acls.log" 2>&1; then
      show_tail "$KAFKA_DIR/log/acls.log"
      die "kafka: granting ACLs failed"
    fi
  done < <(kafka_acl_spec)
  printf '%s\n' "$want" > "$KAFKA_DATA/.acls.sha256"
  log "kafka: ACLs granted in $(elapsed "$start")s (principals $KAFKA_APP_USERNAME, $KAFKA_PRODUCER_USERNAME, $KAFKA_TEST_PRODUCER_USERNAME)"
}

kafka_start() {
  local pid start java
  mkdir -p "$KAFKA_DIR/log" "$KAFKA_DATA"
  kafka_credentials
  pid="$(kafka_pid)"
  if [ -n "$pid" ]; then
    local want have
    want="$(sha256sum "$TPL_DIR/kafka/pom.xml" | cut -d' ' -f1)"
    have="$(cat "$KAFKA_LIBS/.pom.sha256" 2>/dev/null || true)"
    kafka_render_props "$KAFKA_PROPS.next"
    if [ "$want" = "$have" ] && cmp -s "$KAFKA_PROPS" "$KAFKA_PROPS.next"; then
      rm -f "$KAFKA_PROPS.next"
      log "kafka: already running (pid $pid, port $(recorded_port "$KAFKA_DIR/port" "$KAFKA_PORT")); leaving it"
      kafka_grant_acls "$(java_bin)"
      return 0
    fi
    # Another listener setup (SASL) or other jars: a running broker with the old ones would
    # refuse the app's credentials, so it is restarted on the new ones.
    rm -f "$KAFKA_PROPS.next"
    warn "kafka: its configuration or jars changed; restarting it"
    kafka_stop
  fi
  start="$(now)"
  java="$(java_bin)" || die "kafka: no Java 17+ found"
  kafka_resolve_libs
  kafka_render_props "$KAFKA_PROPS"
  local jvm_opts=(
    "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dlog4j2.shutdownHookEnabled=false
    "-Dkafka.logs.dir=$KAFKA_DIR/log"
    "-Dlog4j2.configurationFile=$TPL_DIR/kafka/log4j2.yaml"
  )
  # Storage formatted for another mode (data from before SASL) holds no SCRAM users: the
  # broker could not authenticate even itself. Its topics are transient; format it anew.
  if [ -s "$KAFKA_DATA/meta.properties" ] \
      && [ "$(cat "$KAFKA_DATA/.tenantry-security" 2>/dev/null || echo none)" != "sasl-$KAFKA_SASL" ]; then
    warn "kafka: storage in $KAFKA_DATA was formatted without this security setup; formatting it anew (its topics are dropped)"
    find "$KAFKA_DATA" -mindepth 1 -delete
  fi
  if [ ! -s "$KAFKA_DATA/meta.properties" ]; then
    local cluster_id scram=()
    # A random Kafka UUID: 16 bytes, base64url without padding (22 chars); a
    # leading '-' would be read as an option by the storage tool.
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
    done
    if [ "$KAFKA_SASL" = on ]; then
      # SCRAM users written into the metadata at format time: the broker's own (inter-broker)
      # principal must exist before the broker can start.
      scram=(
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_ADMIN_USERNAME,password=$KAFKA_ADMIN_PASSWORD]"
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_APP_USERNAME,password=$KAFKA_APP_PASSWORD]"
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_PRODUCER_USERNAME,password=$KAFKA_PRODUCER_PASSWORD]"
        --add-scram "SCRAM-SHA-512=[name=$KAFKA_TEST_PRODUCER_USERNAME,password=$KAFKA_TEST_PRODUCER_PASSWORD]"
      )
    fi
    log "kafka: formatting storage in $KAFKA_DATA (cluster id $cluster_id, SASL $KAFKA_SASL)"
    if ! "$java" "${jvm_opts[@]/-Xms$KAFKA_HEAP/-Xms64m}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
          -t "$cluster_id" -c "$KAFKA_PROPS" "${scram[@]}" >"$KAFKA_DIR/log/format.log" 2>&1; then
      show_tail "$KAFKA_DIR/log/format.log"
      die "kafka: storage format failed"
    fi
    printf 'sasl-%s\n' "$KAFKA_SASL" > "$KAFKA_DATA/.tenantry-security"
  fi
  if [ -e "$KAFKA_PID" ]; then
    log "kafka: removing stale pid file $KAFKA_PID"
    rm -f "$KAFKA_PID"
  fi
  require_free_port "$KAFKA_PORT" kafka
  require_free_port "$KAFKA_CONTROLLER_PORT" "kafka (controller)"
  log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
  # Mark the start in the broker log (not running, so nobody else writes it),
  # so a failure shows this run's lines and readiness ignores older ones.
  printf '===== scripts/stack.sh: starting kafka, %s =====\n' "$(date -u +%FT%TZ)" >> "$KAFKA_LOG"
  local log_offset
  log_offset="$(stat -c %s "$KAFKA_LOG")"
  # setsid: its own session, so it outlives this shell and its process group.
  # The inner shell writes its own pid, then exec keeps that pid for java.
  # A plain background command (no subshell), so nothing of ours waits on it
  # while holding our stdout or the lock (fd 9).
  setsid bash -c "$CLOSE_FDS"'; cd "$1" && echo $$ > "$2" && shift 2 && exec "$@"' kafka-launch "$KAFKA_DIR" "$KAFKA_PID" \
      nohup "$java" "${jvm_opts[@]}" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
      >"$KAFKA_OUT" 2>&1 </dev/null 9>&- &
  local i
  for (( i = 0; i < 50; i++ )); do [ -s "$KAFKA_PID" ] && break; sleep 0.1; done
  pid="$(read_pid "$KAFKA_PID")"
  [ -n "$pid" ] || die "kafka: did not write its pid file"
  record_port "$KAFKA_DIR/port" "$KAFKA_PORT"
  # shellcheck disable=SC2317  # called through wait_for
  kafka_ready() {
    [ -f "$KAFKA_LOG" ] && tail -c +"$((log_offset + 1))" "$KAFKA_LOG" | grep -q 'Kafka Server started' \
      && port_open "$KAFKA_PORT"
  }
  wait_for kafka "$WAIT_TIMEOUT" "$pid" "$KAFKA_OUT $KAFKA_LOG" kafka_ready
  log "kafka: ready (pid $(kafka_pid)) in $(elapsed "$start")s"
  [ "$KAFKA_SASL" = on ] && kafka_grant_acls "$java"
  return 0
}

kafka_stop() {
  local pid
  pid="$(kafka_pid)"
  if [ -z "$pid" ]; then
    log "kafka: not running"
    return 0
  fi
  log "kafka: stopping (pid $pid)"
  stop_pid kafka "$pid" 60
  rm -f "$KAFKA_PID"
  log "kafka: stopped"
}
