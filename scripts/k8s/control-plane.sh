#!/usr/bin/env bash
# A throwaway control plane for validation: etcd + kube-apiserver only (no controllers, no node),
# in a temp folder on free loopback ports, so `kubectl apply --dry-run=server` meets the real API
# server, admission (Pod Security) and CRD schemas. It never touches the project's own cluster.
# Usage: control-plane.sh run <command...>
#   runs the command with KUBECONFIG pointing at it, then stops it and removes the folder, always.
#   The command starts at once, so its own work overlaps the API server's start-up: it waits for
#   $TALLER_CONTROL_PLANE/ready to exist (or .../failed, which says why) before using the server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/env.sh"

[[ "${1:-}" == run && $# -ge 2 ]] || {
  echo "usage: $0 run <command...>" >&2
  exit 2
}
shift

dir="$(mktemp -d -t taller-control-plane.XXXXXX)"
pids=()
watcher=""
stop() {
  local pid
  [[ -z "$watcher" ]] || kill "$watcher" 2>/dev/null || true
  # Nothing in there is worth a graceful shutdown: KILL each process group (setsid made them),
  # and remove the folder once they are gone, so none writes into it afterwards.
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  for _ in {1..50}; do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ports below Linux's ephemeral range (32768+), so outgoing connections never hold them, and away
# from 2379/6443 (the project's cluster) and 23790/26443 (other instances on shared machines).
ports=()
for _ in {1..200}; do
  port=$((20000 + RANDOM % 12000))
  case " 2379 2380 6443 23790 26443 ${ports[*]} " in *" $port "*) continue ;; esac
  # Something answers: in use. /dev/tcp needs no extra tool on a new machine.
  (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null || ports+=("$port")
  ((${#ports[@]} < 3)) || break
done
((${#ports[@]} == 3)) || { echo "control-plane: no free loopback ports" >&2; exit 1; }
etcd_port="${ports[0]}" peer_port="${ports[1]}" api_port="${ports[2]}"

# EC keys: generated in milliseconds, where RSA would take a noticeable share of the start-up.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=taller-validate -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$dir/serving.key" -out "$dir/serving.crt" 2>/dev/null
# The API server refuses to start without a ServiceAccount token issuer key.
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/sa.key"
token="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
# system:masters: the one client may create anything, RBAC objects with any rule included.
echo "$token,taller-validate,taller-validate,system:masters" >"$dir/tokens.csv"
cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: validate
    cluster: { server: "https://127.0.0.1:$api_port", certificate-authority: "$dir/serving.crt" }
users:
  - name: validate
    user: { token: "$token" }
contexts:
  - name: validate
    context: { cluster: validate, user: validate }
current-context: validate
KC

start() {
  local name="$1"
  shift
  setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
  pids+=("$!")
  # Out of bash's job table: their KILL at the end is no news worth a "Killed" line.
  disown "$!"
}
# Nothing here must survive the run: no fsync, a single member on loopback.
start etcd "$ETCD_BIN/etcd" --name validate --data-dir "$dir/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "validate=http://127.0.0.1:$peer_port" --log-level warn
# PodSecurity judges pods against their namespace's labels. ServiceAccount admission is off:
# without a controller-manager no namespace gets its `default` ServiceAccount, and a dry run
# cannot see the ServiceAccounts created beside a Pod (checks.ts proves those references).
# No endpoint reconciler: there is no node or Service network to announce.
start kube-apiserver "$K8S_BIN/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --tls-cert-file "$dir/serving.crt" --tls-private-key-file "$dir/serving.key" \
  --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$dir/sa.key" --service-account-signing-key-file "$dir/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --enable-admission-plugins PodSecurity --disable-admission-plugins ServiceAccount \
  --endpoint-reconciler-type none --profiling=false --cert-dir "$dir/certs"

# TALLER_CONTROL_PLANE tells the TypeScript side that this KUBECONFIG is the throwaway one.
# kubectl's discovery cache goes with it, not into ~/.kube/cache under a port never used again.
export KUBECONFIG="$dir/kubeconfig" TALLER_CONTROL_PLANE="$dir" KUBECACHEDIR="$dir/kube-cache"
(
  started=$SECONDS
  until "$KUBECTL" get --raw /readyz >/dev/null 2>&1; do
    for pid in "${pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null || ((SECONDS - started > 60)); then
        echo "not ready (etcd :$etcd_port, kube-apiserver :$api_port)" >"$dir/failed.new"
        tail -n 20 "$dir"/*.log >>"$dir/failed.new"
        # Renamed into place: a reader never sees half of it.
        mv "$dir/failed.new" "$dir/failed"
        exit 1
      fi
    done
    sleep 0.2
  done
  touch "$dir/ready"
) &
watcher=$!

# In the background with `wait`, so a TERM or INT runs the trap at once rather than when the
# command ends; stdin given explicitly, as bash gives background commands /dev/null.
"$@" <&0 &
command_pid=$!
trap 'kill -TERM "$command_pid" 2>/dev/null; exit 143' TERM
trap 'kill -INT "$command_pid" 2>/dev/null; exit 130' INT
status=0
wait "$command_pid" || status=$?
exit "$status"
