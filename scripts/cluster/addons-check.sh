#!/usr/bin/env bash
# Proves each add-on (addons.sh) against the charts installed in namespace
# taller with ingress and NetworkPolicies on:
#   - Prometheus scrapes every app (its HTTP API, through the API server)
#   - the custom metrics API answers inference_requests_per_second for the
#     inference-server pods
#   - Traefik serves the Ingress over TLS: the page at /, order-service at
#     /orders, inference-server at /v1/models/mnist
#   - NetworkPolicies are enforced: a pod that no policy allows cannot reach
#     PostgreSQL, the app can
# Prints what it observed; exits non-zero on the first broken promise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
ns=taller
probe_ns=taller-netpol-probe
k() { "$KUBECTL" "$@"; }
say() { printf '%s\n' "$*"; }
broken() {
  say "FAIL: $*" >&2
  exit 1
}
finish() {
  k delete namespace "$probe_ns" --wait=false >/dev/null 2>&1 || true
}
trap finish EXIT

# until_ok <seconds> <command...>: retries a check that needs data to arrive.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
}

# --- Ingress over TLS (Traefik) ----------------------------------------------
node_ip="$(k get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
base="https://$INGRESS_HOST:$INGRESS_HTTPS_NODE_PORT"
# --resolve: the Ingress host name (SNI and Host header) at the node address.
curl_ingress() { curl -ksS --max-time 10 --resolve "$INGRESS_HOST:$INGRESS_HTTPS_NODE_PORT:$node_ip" "$@"; }
# expect <path> <what the body must contain> [curl args...]
expect() {
  local path="$1" want="$2" body
  shift 2
  body="$(curl_ingress -f "$@" "$base$path")" || broken "GET $base$path via Traefik"
  grep -q -- "$want" <<<"$body" || broken "$base$path: no '$want' in: ${body:0:300}"
  say "ok   Ingress TLS $path -> $(head -c 70 <<<"$body" | tr -s '\n ' ' ')..."
}
subject="$(curl_ingress -v -o /dev/null "$base/" 2>&1 | sed -n 's/^\* *subject: //p')"
[[ "$subject" == *"CN=$INGRESS_HOST"* ]] || broken "TLS certificate subject '$subject' is not taller-tls's"
say "ok   Traefik serves TLS with Secret taller-tls (subject $subject) on $node_ip:$INGRESS_HTTPS_NODE_PORT"
expect / '<html'
expect /orders '"orders"'
expect /v1/models/mnist 'model_version_status'

# Predictions through the Ingress, so that inference_requests_total moves.
# One blank 28x28 image, as the model takes it.
row="[$(printf '0,%.0s' $(seq 1 27))0]"
body="{\"instances\":[[$(printf "$row,%.0s" $(seq 1 27))$row]]}"
predict() { # <count>
  for _ in $(seq 1 "$1"); do
    curl_ingress -f -o /dev/null -H 'Content-Type: application/json' -d "$body" \
      "$base/v1/models/mnist:predict" || broken "POST /v1/models/mnist:predict via Traefik"
  done
}
predict 20
say "ok   20 predictions POSTed through the Ingress"

# --- Prometheus --------------------------------------------------------------
prom_query() { # PromQL -> JSON, through the API server's service proxy
  k get --raw "/api/v1/namespaces/monitoring/services/prometheus:http/proxy/api/v1/query?query=$(jq -rn --arg q "$1" '$q|@uri')"
}
apps_up() {
  local up
  up="$(prom_query 'count by (app) (up{job="taller-pods"} == 1)' |
    jq -r '[.data.result[].metric.app] | sort | join(",")')"
  [[ "$up" == *fullstack-api*inference-server*order-service*order-worker* ]]
}
until_ok 60 apps_up || broken "Prometheus does not scrape every app: $(prom_query 'up{job="taller-pods"}')"
say "ok   Prometheus scrapes: $(prom_query 'up{job="taller-pods"}' |
  jq -r '[.data.result[] | "\(.metric.pod)=\(.value[1])"] | join(" ")')"

# --- custom metrics API (prometheus-adapter) ---------------------------------
custom() { k get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/$ns/pods/*/$1"; }
# A rate above zero: a few more predictions each round until the adapter
# has seen the new series (its relist every 15 s) and the rate moved.
has_rate() {
  predict 5
  [[ "$(custom inference_requests_per_second 2>/dev/null |
    jq '[.items[] | select(.value != "0")] | length')" -gt 0 ]]
}
until_ok 90 has_rate || broken "no inference_requests_per_second: $(custom inference_requests_per_second 2>&1)"
say "ok   custom.metrics.k8s.io inference_requests_per_second: $(custom inference_requests_per_second |
  jq -r '[.items[] | "\(.describedObject.name)=\(.value)"] | join(" ")')"

# --- NetworkPolicy enforcement (kube-network-policies) -----------------------
# connect <host> <port>: a TCP connection from node (the app images have it).
connect='const s=require("net").connect({host:process.argv[1],port:+process.argv[2]});
s.setTimeout(4000);s.on("connect",()=>{console.log("connected");process.exit(0)});
s.on("timeout",()=>{console.log("timed out");process.exit(1)});
s.on("error",(e)=>{console.log(e.code);process.exit(1)});'
pg="fullstack-postgres.$ns.svc.$CLUSTER_DOMAIN"
out="$(k -n "$ns" exec deploy/fullstack-api -c fullstack-api -- node -e "$connect" "$pg" 5432)" ||
  broken "the app (fullstack-api) cannot reach $pg:5432: $out"
say "ok   fullstack-api -> $pg:5432: $out (allowed by fullstack-postgres-ingress)"

# A pod of another namespace, which no policy of namespace taller lets in
# (a fresh namespace each run: a previous one may still be terminating).
k delete namespace "$probe_ns" --ignore-not-found --wait=true --timeout=60s >/dev/null
k create namespace "$probe_ns" --dry-run=client -o yaml | k apply -f - >/dev/null
k label namespace "$probe_ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
image="$(k -n "$ns" get deploy fullstack-api -o jsonpath='{.spec.template.spec.containers[0].image}')"
k -n "$probe_ns" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: { name: intruder, labels: { app.kubernetes.io/name: intruder } }
spec:
  automountServiceAccountToken: false
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
  containers:
    - name: intruder
      image: $image
      imagePullPolicy: Never
      command: [node, -e, 'setInterval(() => {}, 1 << 30)']
      resources: { requests: { cpu: 10m, memory: 32Mi }, limits: { cpu: 200m, memory: 128Mi } }
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
YAML
k -n "$probe_ns" wait --for=condition=Ready pod/intruder --timeout=60s >/dev/null
# Its network works (CoreDNS answers on TCP), so a refusal below is the policy's.
out="$(k -n "$probe_ns" exec intruder -- node -e "$connect" "$DNS_SERVICE_IP" 53)" ||
  broken "the probe pod cannot even reach CoreDNS: $out"
say "ok   intruder ($probe_ns) -> CoreDNS $DNS_SERVICE_IP:53: $out"
if out="$(k -n "$probe_ns" exec intruder -- node -e "$connect" "$pg" 5432 2>/dev/null)"; then
  broken "a pod no policy allows reached $pg:5432: NetworkPolicies are not enforced"
fi
say "ok   intruder ($probe_ns) -> $pg:5432: $out (dropped: no policy allows it)"
say "addons-check: all checks passed"
