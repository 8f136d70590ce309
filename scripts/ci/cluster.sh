#!/usr/bin/env bash
# The cluster lane of CI: the project's own single-node Kubernetes cluster (scripts/cluster) with its
# add-ons (Traefik, Prometheus and prometheus-adapter, NetworkPolicy enforcement), the whole system
# installed with Helm as users install it (plus scripts/cluster/values.yaml: local images, Ingress
# and NetworkPolicies on, short scale-down windows), then proofs that print what they saw and fail
# when a promise does not hold. On failure it prints get/describe/logs of whatever is not Ready; the
# cluster is torn down in every case.
# Runs after the container lane, whose images it imports from podman's storage.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
started=$SECONDS
log() { echo "cluster lane [$((SECONDS - started))s]: $*" >&2; }

source scripts/ci/podman-env.sh
source scripts/cluster/env.sh
k() { "$KUBECTL" "$@"; }
helm() { "$HELM" "$@"; }
NS=taller

# The images the container lane built; the stand-ins get a tag, as nothing may run from `latest`.
images=()
for app in fullstack-api order-service order-worker inference-server; do images+=("docker.io/taller/$app:ci"); done
for service in postgres redis rabbitmq; do
  podman tag "localhost/taller-ci-$service" "localhost/taller-ci-$service:ci"
  images+=("localhost/taller-ci-$service:ci")
done

diagnose() {
  log "what is not Ready:"
  k get nodes,pods,deploy,sts,jobs,hpa,pvc -A -o wide >&2 || true
  # Pods that are neither Completed nor Running with every container ready.
  for pod in $(k get pods -A --no-headers 2>/dev/null |
    awk '{ split($3, ready, "/") } $4 != "Completed" && ($4 != "Running" || ready[1] != ready[2]) { print $1 "/" $2 }'); do
    echo "----- describe $pod" >&2
    k describe pod -n "${pod%%/*}" "${pod#*/}" 2>&1 | tail -30 >&2 || true
    echo "----- logs $pod" >&2
    k logs -n "${pod%%/*}" "${pod#*/}" --all-containers --tail=40 >&2 || true
  done
  k get events -A --sort-by=.lastTimestamp 2>/dev/null | tail -30 >&2 || true
}
cleanup() {
  local status=$?
  if [ $status -ne 0 ]; then
    log "FAILED (exit $status)"
    diagnose
  fi
  bash scripts/cluster/down.sh >/dev/null 2>&1 || log "down.sh failed: run it again by hand"
  exit $status
}
trap cleanup EXIT

# A lane starts from nothing: a cluster that an interrupted run left behind (its namespace full of
# the last run's objects) would otherwise be reused by up.sh and make helm install collide.
if [[ -d "$TALLER_CLUSTER_DIR" ]]; then
  log "tearing down the cluster that an earlier run left in $TALLER_CLUSTER_DIR"
  bash scripts/cluster/down.sh >/dev/null 2>&1
fi
log "bringing the cluster up with its add-ons and importing ${#images[@]} images"
bash scripts/cluster/up.sh --addons --images "${images[@]}"

# The namespace enforces Pod Security "restricted": every pod below has to meet it.
namespace() {
  k create namespace "$1" --dry-run=client -o yaml | k apply -f - >/dev/null
  k label namespace "$1" --overwrite pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted >/dev/null
}
namespace $NS

log "helm install (values-dev.yaml + scripts/cluster/values.yaml)"
for chart in fullstack microservices ml-serving taller; do helm dependency build "helm/$chart" >/dev/null; done
install_started=$SECONDS
helm install taller helm/taller -n $NS -f helm/taller/values-dev.yaml -f scripts/cluster/values.yaml \
  --wait --wait-for-jobs --timeout 10m
log "every Deployment and StatefulSet Ready after $((SECONDS - install_started))s"
k get pods -n $NS -o wide

log "helm test"
helm test taller -n $NS --logs --timeout 5m

# A pod of the proofs: an app image (it has node) running a script of scripts/cluster/proofs
# from a ConfigMap, under the namespace's restricted Pod Security.
# The proof pods carry the load tool's name: the NetworkPolicies of k8s/examples/loadtest-job.yaml
# let them reach the three apps (and DNS) and nothing else, as they let the load Job.
proofs_configmap() {
  k create configmap proofs -n $NS --from-file=scripts/cluster/proofs --from-file=scripts/ci/smoke.mjs \
    --dry-run=client -o yaml | k apply -f - >/dev/null
  node -e 'const { parseAllDocuments } = require("yaml");
    const docs = parseAllDocuments(require("fs").readFileSync(0, "utf8")).map((d) => d.toJS());
    console.log(JSON.stringify({ apiVersion: "v1", kind: "List", items: docs.filter((d) => d?.kind === "NetworkPolicy") }));' \
    <k8s/examples/loadtest-job.yaml | k apply -f - >/dev/null
}
proofs_configmap
proof() { # name, script, env (NAME=value...)
  local name=$1 script=$2 env
  shift 2
  env="$(node -e 'console.log(JSON.stringify(process.argv.slice(1).map((pair) => ({ name: pair.split("=")[0], value: pair.slice(pair.indexOf("=") + 1) }))))' -- "$@")"
  k delete pod -n $NS "$name" --ignore-not-found --wait >/dev/null
  k apply -n $NS -f - >/dev/null <<POD
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$name","labels":{"app.kubernetes.io/name":"loadtest"}},
 "spec":{"restartPolicy":"Never","automountServiceAccountToken":false,
  "securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},
  "containers":[{"name":"proof","image":"taller/fullstack-api:ci","command":["node","/proofs/$script"],
   "env":$env,
   "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},
   "securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},
   "volumeMounts":[{"name":"proofs","mountPath":"/proofs"}]}],
  "volumes":[{"name":"proofs","configMap":{"name":"proofs"}}]}}
POD
}
# Waits for a proof pod to end, prints its output, fails unless it succeeded.
proof_result() { # name, timeout seconds
  local phase=''
  for _ in $(seq 1 "$2"); do
    phase="$(k get pod -n $NS "$1" -o jsonpath='{.status.phase}')"
    [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
    sleep 1
  done
  k logs -n $NS "$1" | sed 's/^/  /' 
  [ "$phase" = Succeeded ] || { log "$1 ended $phase"; return 1; }
  k delete pod -n $NS "$1" --wait=false >/dev/null
}
# Waits until a proof pod has printed a line matching a pattern.
proof_says() { # name, pattern, timeout seconds
  for _ in $(seq 1 "$3"); do
    k logs -n $NS "$1" 2>/dev/null | grep -q "$2" && return 0
    sleep 1
  done
  log "$1 never printed '$2'"
  return 1
}

log "service discovery: Service names resolve from a pod, and each app answers through its Service"
proof dns dns.mjs NAMES=fullstack-postgres,fullstack-redis,orders-postgres,rabbitmq,fullstack-api,order-service,order-worker,inference-server
proof_result dns 60
proof smoke smoke.mjs EXPECT_VERSION=ci FULLSTACK_URL=http://fullstack-api:3000 ORDERS_URL=http://order-service:3001 \
  INFERENCE_URL=http://inference-server:3003
proof_result smoke 180

log "gRPC: TF Serving's Predict through the inference-server Service's port 8500 (kubectl port-forward)"
k port-forward -n $NS service/inference-server 18500:8500 >/dev/null &
forward=$!
GRPC_ADDRESS=127.0.0.1:18500 npx tsx --conditions=@taller/source scripts/ci/grpcSmoke.ts || { kill $forward; false; }
kill $forward

log "add-ons: Ingress over TLS, Prometheus and the custom metrics API, NetworkPolicies enforced"
bash scripts/cluster/addons-check.sh

# Autoscaling: the load tool on this machine, through the Ingress (TLS, the self-signed certificate
# of addons.sh trusted), follows the HPAs and fails unless the one it aims at scales up and back
# down. One at a time: the node's CPU requests hold one scale-up, not three. The log keeps the HPA
# changes and the summaries, not the live view's line a second (`... | replicas`).
LANE_OUT="${LANE_OUT:-/tmp/taller-cluster-lane}"
mkdir -p "$LANE_OUT"
autoscaling() { # scenario, HPA, load options...
  local scenario=$1 hpa=$2
  shift 2
  log "autoscaling: $scenario load through the Ingress; $hpa must scale up and back down"
  NODE_EXTRA_CA_CERTS=/var/lib/taller-cluster/pki/ingress-tls.crt npm run -s loadtest -- "$scenario" \
    --target "https://$INGRESS_HOST:$INGRESS_HTTPS_NODE_PORT" --watch --expect "$hpa" --cooldown 3m \
    --csv "$LANE_OUT/$scenario.csv" --svg "$LANE_OUT/$scenario.svg" "$@" |
    grep --line-buffered -v '^\[ *[0-9]*s\] .* | '
}
autoscaling fullstack fullstack-api --rate 0 --connections 16 --duration 60s
autoscaling inference inference-server --duration 45s
autoscaling orders order-worker --duration 45s --follow 3m
log "autoscaling timelines (CSV and SVG): $LANE_OUT"

# The pods of an app that are not on their way out.
pods_of() {
  k get pods -n $NS -l "app.kubernetes.io/name=$1" \
    -o go-template='{{range .items}}{{if not .metadata.deletionTimestamp}}{{.metadata.name}} {{end}}{{end}}'
}
revision_of() { k get deployment -n $NS "$1" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'; }

# Rolling updates under steady load: readiness gating and the graceful shutdown mean no failed request,
# through the Service (a proof pod) and, with a scenario given, through the Ingress too: the load
# tool on this machine, whose chart (docs chapter 7) marks when the rollout began and ended.
rolling_update() { # deployment, target URL, rate, body, load tool scenario
  local deployment=$1 scenario=${5:-} chart=''
  log "rolling update of $deployment under steady load"
  proof "load-$deployment" steadyLoad.mjs "TARGET=$2" DURATION_S=75 CONCURRENCY=2 "RATE=$3" "BODY=${4:-}"
  proof_says "load-$deployment" 'load: started' 60
  if [ -n "$scenario" ]; then
    NODE_EXTRA_CA_CERTS=/var/lib/taller-cluster/pki/ingress-tls.crt npm run -s loadtest -- "$scenario" \
      --target "https://$INGRESS_HOST:$INGRESS_HTTPS_NODE_PORT" --watch --duration 70s --rate 6 \
      --csv "$LANE_OUT/rollout-$scenario.csv" --svg "$LANE_OUT/rollout-$scenario.svg" \
      >"$LANE_OUT/rollout-$scenario.log" 2>&1 &
    chart=$!
  fi
  sleep 10
  local before
  before="$(pods_of "$deployment")"
  k rollout restart -n $NS "deployment/$deployment"
  k rollout status -n $NS "deployment/$deployment" --timeout=5m
  log "$deployment pods before: $before; after: $(pods_of "$deployment")"
  proof_result "load-$deployment" 180
  if [ -n "$chart" ]; then
    wait "$chart" || { cat "$LANE_OUT/rollout-$scenario.log" >&2; return 1; }
    grep -v '^\[ *[0-9]*s\] .* | ' "$LANE_OUT/rollout-$scenario.log" | sed 's/^/  /'
    local errors
    errors="$(awk -F, 'NR > 1 { sum += $4 } END { print sum + 0 }' "$LANE_OUT/rollout-$scenario.csv")"
    [ "$errors" = 0 ] || { log "$errors failed requests through the Ingress during the rollout"; return 1; }
    log "through the Ingress: 0 failed requests; chart $LANE_OUT/rollout-$scenario.svg"
  fi
}
# fullstack-api's shared rate limit is 600 requests a minute per client: the load stays under it.
rolling_update fullstack-api 'http://fullstack-api:3000/api/tasks?limit=5' 8 '' fullstack
digit="$(node -e 'console.log(JSON.stringify({instances:[Array.from({length:28},()=>Array(28).fill(0))]}))')"
rolling_update inference-server 'http://inference-server:3003/v1/models/mnist:predict' 30 "$digit"

log "a worker pod killed while orders flow: none lost"
proof orders orders.mjs ORDERS_URL=http://order-service:3001 COUNT=300 RATE=30 TIMEOUT_S=180
proof_says orders 'orders: posted 100' 120
victim="$(k get pods -n $NS -l app.kubernetes.io/name=order-worker -o jsonpath='{.items[0].metadata.name}')"
k delete pod -n $NS "$victim" --grace-period=0 --force
log "killed $victim"
proof_result orders 300

log "helm upgrade to a changed value, then helm rollback"
level() { k get configmap -n $NS fullstack-api -o jsonpath='{.data.LOG_LEVEL}'; }
installed="$(level)" first="$(revision_of fullstack-api)"
helm upgrade taller helm/taller -n $NS --reuse-values --set fullstack.api.config.LOG_LEVEL=debug --wait --timeout 5m
upgraded="$(level)" second="$(revision_of fullstack-api)"
helm rollback taller 1 -n $NS --wait --timeout 5m
k rollout status -n $NS deployment/fullstack-api --timeout=5m
rolled_back="$(level)" third="$(revision_of fullstack-api)"
helm history taller -n $NS
log "LOG_LEVEL $installed -> $upgraded -> $rolled_back; fullstack-api's rollout revision $first -> $second -> $third"
[ "$installed" = info ] && [ "$upgraded" = debug ] && [ "$rolled_back" = info ] &&
  [ "$second" -gt "$first" ] && [ "$third" -gt "$second" ]

log "the raw manifests: helm uninstall, then kubectl apply -k of the dev overlay (scripts/cluster/overlays/dev)"
# The namespace's deletion waits for everything in it: pods end their grace periods alongside the
# release's other objects rather than before them.
helm uninstall taller -n $NS
k delete namespace $NS --timeout=5m
apply_started=$SECONDS
k apply -k scripts/cluster/overlays/dev
for workload in $(k get deployments,statefulsets -n $NS -o name); do
  k rollout status -n $NS "$workload" --timeout=5m
done
log "every Deployment and StatefulSet of the overlay Ready after $((SECONDS - apply_started))s"
proofs_configmap
proof smoke smoke.mjs EXPECT_VERSION=ci FULLSTACK_URL=http://fullstack-api:3000 ORDERS_URL=http://order-service:3001 \
  INFERENCE_URL=http://inference-server:3003
proof_result smoke 180

log "troubleshooting (docs chapter 12): each broken manifest fails the way the chapter says"
# One line a pod: phase, readiness, restarts, why it waits, why it last ended, whether it is scheduled.
pod_state() {
  k get pods -n $NS -l "app.kubernetes.io/name=$1" -o go-template='{{range .items}}{{.status.phase}}
    {{- range .status.containerStatuses}} ready={{.ready}} restarts={{.restartCount}}
    {{- with .state.waiting}} waiting={{.reason}}{{end}}{{with .lastState.terminated}} last={{.reason}}{{end}}{{end}}
    {{- range .status.conditions}}{{if eq .type "PodScheduled"}} scheduled={{.status}}{{with .reason}}/{{.}}{{end}}{{end}}{{end}}{{"\n"}}{{end}}'
}
readiness_failures() { # deployment
  k get events -n $NS --field-selector reason=Unhealthy \
    -o go-template='{{range .items}}{{.involvedObject.name}} {{.message}}{{"\n"}}{{end}}' |
    grep -c "^$1-.*Readiness probe failed" || true
}
symptom() { # file, deployment, pattern, timeout seconds
  sed 's#taller/order-worker:0.1.0#taller/order-worker:ci#' "k8s/examples/troubleshooting/$1" | k apply -f - >/dev/null
  local state=''
  for _ in $(seq 1 "$4"); do
    state="$(pod_state "$2")"
    if grep -qE "$3" <<<"$state" && { [ "$2" != broken-readiness ] || [ "$(readiness_failures "$2")" -gt 0 ]; }; then
      log "$1: $state"
      k delete -f "k8s/examples/troubleshooting/$1" --wait=false >/dev/null
      return 0
    fi
    sleep 1
  done
  log "$1 never showed /$3/ (last: $state)"
  return 1
}
symptom crashloop.yaml broken-crashloop 'waiting=CrashLoopBackOff' 180
symptom pending.yaml broken-pending '^Pending.* scheduled=False/Unschedulable' 60
symptom imagepullbackoff.yaml broken-image 'waiting=(ErrImagePull|ImagePullBackOff)' 120
symptom readiness.yaml broken-readiness '^Running ready=false restarts=0' 120
symptom oomkilled.yaml broken-oomkilled 'last=OOMKilled' 180

log "passed"
