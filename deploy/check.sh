#!/usr/bin/env bash
# `make helm-check`: the Helm chart, validated offline. Builds helm and our validator (deploy/validate)
# from the Go module proxy once, tests the validator, then lints, renders and validates the chart with its
# default values and each file under ci/. Tools go to $TOOLS_BIN (default $INFRA_DIR/bin, i.e. .infra/bin).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
helm_version=${HELM_VERSION:-v3.22.0}
# Helm built by `go install` assumes Kubernetes 1.20 (its release build sets the version); the chart needs
# a newer one, so lint and render for this version.
kube_version=${HELM_KUBE_VERSION:-1.34.0}
bin=${TOOLS_BIN:-${INFRA_DIR:-$repo/.infra}/bin}
chart=$repo/deploy/helm/asn-competency
mkdir -p "$bin"
bin=$(cd "$bin" && pwd)

helm=$bin/helm-$helm_version
if [[ ! -x $helm ]]; then
  echo "[helm-check] building helm $helm_version with go install (a few minutes, once)"
  tmp=$(mktemp -d)
  GOBIN=$tmp go install "helm.sh/helm/v3/cmd/helm@$helm_version"
  mv "$tmp/helm" "$helm"
  rmdir "$tmp"
fi
validate=$bin/asn-validate
(cd "$repo/deploy/validate" && go test ./... && go build -o "$validate" .)

echo "[helm-check] $(go version -m "$helm" | awk '$2 == "helm.sh/helm/v3" {print "helm " $3}'), $(go version), Kubernetes $kube_version;" \
  "validator: $(cd "$repo/deploy/validate" && go list -m -f '{{.Path}} {{.Version}}' k8s.io/api github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring | tr '\n' ' ')"
for values in "" "$chart"/ci/*.yaml; do
  args=(--kube-version "$kube_version")
  [[ -n $values ]] && args+=(-f "$values")
  name=${values:+$(basename "$values")}
  echo "[helm-check] values: ${name:-defaults}"
  "$helm" lint "$chart" --strict "${args[@]}" | grep -v '^$'
  "$helm" template asn "$chart" --namespace asn-competency "${args[@]}" | "$validate"
done
