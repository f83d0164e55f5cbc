#!/usr/bin/env bash
# Kafka (KRaft, one node) for the compose profile "secure": clients speak SASL_SSL with SCRAM-SHA-512, every
# principal is authorised by ACLs (acls.sh), and only the admin user is a super user.
set -euo pipefail
for v in KAFKA_ADMIN_PASSWORD NEEDS_KAFKA_PASSWORD TRAINING_KAFKA_PASSWORD EVALUATION_KAFKA_PASSWORD \
  NOTIFICATIONS_KAFKA_PASSWORD KAFKA_TLS_PASSWORD; do
  [[ -n "${!v:-}" ]] || { echo "set $v (refusing to start with an empty secret)" >&2; exit 1; }
done
secrets=/var/lib/kafka/secrets  # written by tls.sh
cat > /tmp/server.properties <<PROPS
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@kafka-secure:9094
listeners=SASL_SSL://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094
advertised.listeners=SASL_SSL://kafka-secure:9093
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$secrets/broker.p12
ssl.keystore.password=$KAFKA_TLS_PASSWORD
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.dirs=/var/lib/kafka/data
PROPS
# User:ANONYMOUS above is the controller listener only (PLAINTEXT, not published outside the container).
if [[ ! -f /var/lib/kafka/data/meta.properties ]]; then
  scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]")
  for s in needs training evaluation notifications; do
    password_var="${s^^}_KAFKA_PASSWORD"
    scram+=(--add-scram "SCRAM-SHA-512=[name=$s,password=${!password_var}]")
  done
  /opt/kafka/bin/kafka-storage.sh format -t "${KAFKA_CLUSTER_ID:-bkpsdm-medan-secure-0001}" \
    -c /tmp/server.properties "${scram[@]}"
fi
exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties
