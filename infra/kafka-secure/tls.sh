#!/usr/bin/env bash
# One-shot, as root: a self-signed broker certificate for the demo (in production mount one signed by the
# city's CA), readable by the broker (uid 1000) and, as ca.pem, by the services that must trust it.
set -euo pipefail
[[ -n "${KAFKA_TLS_PASSWORD:-}" ]] || { echo "set KAFKA_TLS_PASSWORD" >&2; exit 1; }
secrets=/var/lib/kafka/secrets
if [[ ! -f $secrets/broker.p12 ]]; then
  keytool -genkeypair -alias kafka -keyalg RSA -keysize 3072 -validity 825 -storetype PKCS12 \
    -keystore "$secrets/broker.p12" -storepass "$KAFKA_TLS_PASSWORD" -dname "CN=kafka-secure" \
    -ext "SAN=dns:kafka-secure,dns:localhost"
  keytool -exportcert -rfc -alias kafka -keystore "$secrets/broker.p12" -storepass "$KAFKA_TLS_PASSWORD" \
    > "$secrets/ca.pem"
fi
chown 1000 "$secrets/broker.p12" && chmod 600 "$secrets/broker.p12" && chmod 644 "$secrets/ca.pem"
