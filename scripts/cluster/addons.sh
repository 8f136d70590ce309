#!/usr/bin/env bash
# Optional add-ons on a running cluster (up.sh --addons, or alone after up.sh):
#   - kube-network-policies: NetworkPolicy enforcement (network-policies.yaml)
#   - Prometheus scraping the apps of namespace taller (prometheus.yaml)
#   - prometheus-adapter: custom.metrics.k8s.io with the charts' adapterRules
#     (prometheus-adapter.yaml, adapter-rules.sh)
#   - Traefik: IngressClass traefik, TLS Secret taller-tls (traefik.yaml)
# Each is built from the Go module proxy (build.sh, cached by version) and
# packed as a scratch image here. Idempotent: a second run changes nothing.
# Proof: addons-check.sh, once the charts are installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=images.sh
source "$here/images.sh"

[[ $(id -u) -eq 0 ]] || { echo "addons.sh: needs root (images into containerd)" >&2; exit 1; }
running containerd && running kube-apiserver || { echo "addons.sh: the cluster is not up (up.sh)" >&2; exit 1; }
started=$SECONDS

# nft: down.sh deletes kube-network-policies' tables with it; jq: addons-check.sh reads the APIs.
missing=()
command -v nft >/dev/null || missing+=(nftables)
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "apt-get install ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"; } >>"$LOGS/apt.log" 2>&1 ||
    fail apt "apt-get install ${missing[*]} failed"
fi

log "add-ons: reusing or building pinned binaries (log $LOGS/build-addons.log)"
"$here/build.sh" kube-network-policies prometheus prometheus-adapter traefik \
  >>"$LOGS/build-addons.log" 2>&1 || fail build-addons "build.sh failed"

ensure_binary_image "$KUBE_NETWORK_POLICIES_IMAGE" 0:0 "$KUBE_NETWORK_POLICIES_BIN/kube-network-policies"
ensure_binary_image "$PROMETHEUS_IMAGE" 65534:65534 "$PROMETHEUS_BIN/prometheus"
ensure_binary_image "$PROMETHEUS_ADAPTER_IMAGE" 65534:65534 "$PROMETHEUS_ADAPTER_BIN/adapter"
ensure_binary_image "$TRAEFIK_IMAGE" 65534:65534 "$TRAEFIK_BIN/traefik"

k() { "$KUBECTL" "$@"; }
sha() { sha256sum | cut -c1-16; }

# apply_manifest <file>: fills in the placeholders, then kubectl apply.
apply_manifest() {
  sed -e "s|__KUBE_NETWORK_POLICIES_IMAGE__|$KUBE_NETWORK_POLICIES_IMAGE|" \
    -e "s|__PROMETHEUS_IMAGE__|$PROMETHEUS_IMAGE|" \
    -e "s|__PROMETHEUS_CONFIG_SHA__|$(sha <"$here/prometheus.yaml")|" \
    -e "s|__PROMETHEUS_ADAPTER_IMAGE__|$PROMETHEUS_ADAPTER_IMAGE|" \
    -e "s|__ADAPTER_RULES_SHA__|$rules_sha|" \
    -e "s|__TRAEFIK_IMAGE__|$TRAEFIK_IMAGE|" \
    -e "s|__INGRESS_HTTP_NODE_PORT__|$INGRESS_HTTP_NODE_PORT|" \
    -e "s|__INGRESS_HTTPS_NODE_PORT__|$INGRESS_HTTPS_NODE_PORT|" \
    "$here/$1" | k apply -f - >>"$LOGS/addons-apply.log" 2>&1 ||
    fail addons-apply "kubectl apply of $1 failed"
}

# rollout <namespace> <kind/name>: waits, or says what is wrong and fails.
rollout() {
  if ! k -n "$1" rollout status "$2" --timeout=180s >/dev/null 2>&1; then
    k -n "$1" get pods -o wide >&2 || true
    k -n "$1" describe "$2" | tail -n 20 >&2 || true
    k -n "$1" logs "$2" --tail=30 >&2 || true
    fail addons "$2 in $1 not ready"
  fi
}

# prometheus-adapter's rules, from the charts (its Deployment carries their hash).
rules="$(bash "$here/adapter-rules.sh")" || fail adapter-rules "rendering the charts' adapterRules failed"
rules_sha="$(sha <<<"$rules")"

log "add-ons: NetworkPolicy enforcement (kube-network-policies)"
apply_manifest network-policies.yaml

log "add-ons: Prometheus and prometheus-adapter"
apply_manifest prometheus.yaml
k -n monitoring create configmap prometheus-adapter-rules --from-literal=config.yaml="$rules" \
  --dry-run=client -o yaml | k apply -f - >>"$LOGS/addons-apply.log" 2>&1 ||
  fail addons-apply "ConfigMap prometheus-adapter-rules"
apply_manifest prometheus-adapter.yaml

log "add-ons: Traefik, with a self-signed certificate for $INGRESS_HOST (Secret taller-tls)"
tls="$RUN/pki/ingress-tls"
if [[ ! -f "$tls.crt" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$INGRESS_HOST" \
    -addext "subjectAltName=DNS:$INGRESS_HOST" -keyout "$tls.key" -out "$tls.crt" 2>/dev/null
fi
# The charts' Ingress (ingress.tls.secretName) lives in namespace taller.
k create namespace taller --dry-run=client -o yaml | k apply -f - >/dev/null
k -n taller create secret tls taller-tls --cert "$tls.crt" --key "$tls.key" \
  --dry-run=client -o yaml | k apply -f - >>"$LOGS/addons-apply.log" 2>&1 ||
  fail addons-apply "Secret taller-tls"
apply_manifest traefik.yaml
# Public DNS answers *.localtest.me with 127.0.0.1; a machine that cannot ask it gets the same
# answer from a marked /etc/hosts line (down.sh removes it), pointing at this node's NodePorts.
if ! getent hosts "$INGRESS_HOST" >/dev/null; then
  node_ip="$(k get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
  echo "$node_ip $INGRESS_HOST # taller-cluster" >>/etc/hosts
  log "add-ons: $INGRESS_HOST -> $node_ip in /etc/hosts"
fi

rollout kube-system daemonset/kube-network-policies
rollout monitoring deployment/prometheus
rollout monitoring deployment/prometheus-adapter
rollout traefik deployment/traefik
# The API server lists custom.metrics.k8s.io once it reaches the adapter.
wait_for prometheus-adapter 60 k wait --for=condition=Available \
  apiservice/v1beta1.custom.metrics.k8s.io --timeout=2s
log "add-ons ready in $((SECONDS - started))s"
