#!/usr/bin/env bash
# Kafka for the compose stack with the same security as scripts/stack.sh: SASL/SCRAM-SHA-512 on
# every client listener, SASL/PLAIN between broker and controller, the StandardAuthorizer with
# nothing allowed that no ACL grants, and the same principals and ACLs (docs/local-stack.md).
# The default service runs it as one node; the `cluster` profile runs it three times (kafka-1..3,
# docs/scaling.md) with KAFKA_NODE_ID, KAFKA_QUORUM_VOTERS, KAFKA_BROKER_HOST and KAFKA_REPLICAS=3.
set -euo pipefail

BIN=/opt/kafka/bin
DATA=/var/lib/kafka/data
PROPS=/tmp/tenantry-server.properties
ADMIN_CLIENT=/tmp/tenantry-admin.properties
: "${KAFKA_PORT:=59092}"
: "${KAFKA_NODE_ID:=1}"
: "${KAFKA_QUORUM_VOTERS:=1@localhost:9093}"
# How other containers reach this broker (the BROKER listener's advertised host).
: "${KAFKA_BROKER_HOST:=kafka}"
# Copies of every partition: 1 for one node; 3 for the cluster, where a write (acks=all) is
# acknowledged once two hold it, so one node may die without losing or refusing a write.
: "${KAFKA_REPLICAS:=1}"
case "$KAFKA_REPLICAS" in
  1) MIN_ISR=1 ;;
  3) MIN_ISR=2 ;;
  *) echo "KAFKA_REPLICAS=$KAFKA_REPLICAS: 1 or 3" >&2; exit 2 ;;
esac
: "${KAFKA_ADMIN_PASSWORD:=tenantry_admin_dev}"
: "${KAFKA_CONTROLLER_PASSWORD:=tenantry_controller_dev}"
: "${KAFKA_APP_PASSWORD:=tenantry_app_dev}"
: "${KAFKA_PRODUCER_PASSWORD:=tenantry_producer_dev}"
: "${KAFKA_TEST_PRODUCER_PASSWORD:=tenantry_test_producer_dev}"
SCRAM_ADMIN='org.apache.kafka.common.security.scram.ScramLoginModule required username="tenantry-admin" password="'"$KAFKA_ADMIN_PASSWORD"'";'

cat > "$PROPS" <<PROPS
process.roles=broker,controller
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=${KAFKA_QUORUM_VOTERS}
# BROKER: other containers (kafka:19092); HOST: the app on the host (127.0.0.1:KAFKA_PORT).
listeners=BROKER://:19092,HOST://:9092,CONTROLLER://:9093
advertised.listeners=BROKER://${KAFKA_BROKER_HOST}:19092,HOST://127.0.0.1:${KAFKA_PORT}
inter.broker.listener.name=BROKER
controller.listener.names=CONTROLLER
listener.security.protocol.map=BROKER:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.broker.scram-sha-512.sasl.jaas.config=${SCRAM_ADMIN}
listener.name.host.scram-sha-512.sasl.jaas.config=${SCRAM_ADMIN}
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="${KAFKA_CONTROLLER_PASSWORD}" user_controller="${KAFKA_CONTROLLER_PASSWORD}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:tenantry-admin;User:controller
allow.everyone.if.no.acl.found=false
log.dirs=${DATA}
num.partitions=3
default.replication.factor=${KAFKA_REPLICAS}
min.insync.replicas=${MIN_ISR}
offsets.topic.replication.factor=${KAFKA_REPLICAS}
transaction.state.log.replication.factor=${KAFKA_REPLICAS}
transaction.state.log.min.isr=${MIN_ISR}
share.coordinator.state.topic.replication.factor=${KAFKA_REPLICAS}
share.coordinator.state.topic.min.isr=${MIN_ISR}
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
PROPS

if [ "$KAFKA_REPLICAS" = 3 ]; then
  # As scripts/stack/kafka/replication-cluster.properties.tmpl: a replica that fell behind never
  # leads (it would drop acknowledged writes), and a killed node is fenced after 4.5 s instead of
  # 9 s, so the app's producer retries outlast the leader move.
  cat >> "$PROPS" <<PROPS
unclean.leader.election.enable=false
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4500
PROPS
fi

cat > "$ADMIN_CLIENT" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=${SCRAM_ADMIN}
PROPS

# Every node of a cluster is formatted with the same CLUSTER_ID and SCRAM users; the static
# controller.quorum.voters needs no --standalone / --initial-controllers.
if [ ! -s "$DATA/meta.properties" ]; then
  "$BIN/kafka-storage.sh" format -t "${CLUSTER_ID:-dGVuYW50cnktZGV2LWthZg}" -c "$PROPS" \
    --add-scram "SCRAM-SHA-512=[name=tenantry-admin,password=$KAFKA_ADMIN_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=tenantry-app,password=$KAFKA_APP_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=tenantry-producer,password=$KAFKA_PRODUCER_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=tenantry-test-producer,password=$KAFKA_TEST_PRODUCER_PASSWORD]"
fi

"$BIN/kafka-server-start.sh" "$PROPS" &
broker=$!
trap 'kill -TERM "$broker"; wait "$broker"' TERM INT

until "$BIN/kafka-topics.sh" --bootstrap-server localhost:19092 --command-config "$ADMIN_CLIENT" --list >/dev/null 2>&1; do
  sleep 2
done
# Every node grants the same ACLs: the metadata log keeps one copy, and adding a binding that
# exists changes nothing, so whichever node comes up first makes them.
acl() { "$BIN/kafka-acls.sh" --bootstrap-server localhost:19092 --command-config "$ADMIN_CLIENT" --add "$@" >/dev/null; }
acl --allow-principal User:tenantry-app --resource-pattern-type prefixed \
  --topic tenant_events --topic test. --topic bench. \
  --operation Read --operation Write --operation Create --operation Describe \
  --operation DescribeConfigs --operation AlterConfigs
acl --allow-principal User:tenantry-app --resource-pattern-type prefixed \
  --group tenantry --group test- --group test. --group bench. --operation Read --operation Describe
acl --allow-principal User:tenantry-producer --resource-pattern-type literal \
  --topic tenant_events --operation Write --operation Describe
acl --allow-principal User:tenantry-test-producer --resource-pattern-type prefixed \
  --topic test. --operation Write --operation Describe
touch /tmp/tenantry-acls-granted
wait "$broker"
