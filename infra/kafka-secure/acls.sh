#!/usr/bin/env bash
# Per-service ACLs for the compose profile "secure": each service writes only its own topics (and the
# dead-letter topics of what it consumes), reads what it consumes, and uses its own consumer groups.
set -euo pipefail
cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=/var/lib/kafka/secrets/ca.pem
PROPS
acl() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server kafka-secure:9093 --command-config /tmp/admin.properties --add "$@"; }
ns="${KAFKA_NAMESPACE:+$KAFKA_NAMESPACE.}"
# service: the topics it consumes (its own are everything under bkpsdm.<service>.)
declare -A consumes=(
  [needs]="bkpsdm.training.program-completed.v1 bkpsdm.evaluation.evaluation-submitted.v1"
  [training]="bkpsdm.needs.need-identified.v1 bkpsdm.needs.need-resolved.v1"
  [evaluation]="bkpsdm.training.program-completed.v1"
  [notifications]="bkpsdm.needs.need-identified.v1 bkpsdm.training.enrolment-changed.v1 bkpsdm.training.program-completed.v1 bkpsdm.evaluation.evaluation-submitted.v1 bkpsdm.evaluation.evaluation-due.v1 bkpsdm.evaluation.evaluation-escalated.v1"
)
for s in "${!consumes[@]}"; do
  acl --allow-principal "User:$s" --operation Write --operation Create --operation Describe \
    --topic "${ns}bkpsdm.$s." --resource-pattern-type prefixed
  acl --allow-principal "User:$s" --operation IdempotentWrite --cluster
  acl --allow-principal "User:$s" --operation Read --operation Describe --group "${ns}$s." --resource-pattern-type prefixed
  for t in ${consumes[$s]}; do
    acl --allow-principal "User:$s" --operation Read --operation Describe --topic "$ns$t"
    acl --allow-principal "User:$s" --operation Write --operation Create --operation Describe --topic "$ns$t.dlq"
  done
done
echo "ACLs in place"
