#!/usr/bin/env bash
# Brings up the project's own single-node cluster from upstream components, as
# Kubernetes' hack/local-up-cluster.sh does. Idempotent: a second run reuses
# the build cache, the certificates and whatever already runs.
# Usage: up.sh [--images name...] [--addons]
#   --images: images from podman's storage to import
#   --addons: then addons.sh (Prometheus, prometheus-adapter, Traefik,
#             NetworkPolicy enforcement)
# TALLER_CLUSTER_DIR and TALLER_CLUSTER_NETNS run a second cluster beside
# another one (env.sh, netns.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=certs.sh
source "$here/certs.sh"
# shellcheck source=node-config.sh
source "$here/node-config.sh"
# shellcheck source=components.sh
source "$here/components.sh"
# shellcheck source=images.sh
source "$here/images.sh"
# shellcheck source=netns.sh
source "$here/netns.sh"

podman_images=()
addons=false
args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images)
      shift
      while [[ $# -gt 0 && "$1" != --* ]]; do
        podman_images+=("$1")
        shift
      done
      ;;
    --addons)
      addons=true
      shift
      ;;
    *)
      echo "usage: $0 [--images name...] [--addons]" >&2
      exit 2
      ;;
  esac
done

[[ $(id -u) -eq 0 ]] || { echo "up.sh: needs root (mounts, iptables, containers)" >&2; exit 1; }
# Everything below, and every process it starts, in the cluster's own
# network namespace when it has one.
if [[ -n "$TALLER_CLUSTER_NETNS" ]] && ! in_cluster_netns; then
  netns_create
  exec nsenter --net="/run/netns/$TALLER_CLUSTER_NETNS" -- bash "$here/up.sh" "${args[@]}"
fi
started=$SECONDS
mkdir -p "$RUN" "$LOGS" "$PIDS"

# Packages from Debian; installed only when one is missing.
packages=(containerd runc containernetworking-plugins iptables conntrack catatonit
  openssl busybox-static)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "apt-get install ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"; } >>"$LOGS/apt.log" 2>&1 ||
    fail apt "apt-get install ${missing[*]} failed"
fi

# Cached binaries make this a no-op; a cold build takes about 15 minutes.
log "build: reusing or building pinned binaries (log $LOGS/build.log)"
"$here/build.sh" >>"$LOGS/build.log" 2>&1 || fail build "build.sh failed"

NODE_NAME="$(hostname | tr '[:upper:]' '[:lower:]')"
NODE_IP="$(ip -4 route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
[[ -n "$NODE_IP" ]] || fail network "no IPv4 default route: cannot pick the node address"

# Routing between pods, Services and the host; bridged traffic through
# iptables so that pod -> Service -> pod on the same bridge is translated.
modprobe br_netfilter 2>/dev/null || true
modprobe overlay 2>/dev/null || true
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 ||
  fail network "sysctl ip_forward / bridge-nf-call-iptables refused"

write_certs
write_kubeconfigs
ensure_cgroup_root
write_containerd_config
write_cni_config
write_kubelet_config
write_kube_proxy_config

# Ports of each component (etcd, API server, kubelet, controller-manager,
# scheduler, kube-proxy).
for cp in etcd:2379 etcd:2380 kube-apiserver:$API_PORT kubelet:10250 \
  kube-controller-manager:10257 kube-scheduler:10259 kube-proxy:10249 kube-proxy:10256; do
  need_port "${cp%%:*}" "${cp##*:}"
done

log "control plane"
start_etcd
start_apiserver
start_controller_manager
start_scheduler
# The API server calls kubelets (logs, exec) as this user.
"$KUBECTL" create clusterrolebinding kube-apiserver-kubelet-client \
  --clusterrole system:kubelet-api-admin --user kube-apiserver-kubelet-client \
  --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null

log "node"
start_containerd
ensure_pause_image
ensure_binary_image "$COREDNS_IMAGE" 65532:65532 "$COREDNS_BIN/coredns"
ensure_binary_image "$METRICS_SERVER_IMAGE" 65534:65534 "$METRICS_SERVER_BIN/metrics-server"
ensure_toolbox_image
if [[ ${#podman_images[@]} -gt 0 ]]; then import_podman_images "${podman_images[@]}"; fi
start_kubelet
start_kube_proxy
wait_for kubelet 120 "$KUBECTL" wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s

log "storage"
"$KUBECTL" apply -f "$here/storage.yaml" >>"$LOGS/storage-apply.log" 2>&1 ||
  fail storage-apply "kubectl apply of storage.yaml failed"
start_provisioner

log "cluster DNS"
sed -e "s|__COREDNS_IMAGE__|$COREDNS_IMAGE|" -e "s|__DNS_SERVICE_IP__|$DNS_SERVICE_IP|" \
  "$here/coredns.yaml" | "$KUBECTL" apply -f - >>"$LOGS/coredns-apply.log" 2>&1 ||
  fail coredns-apply "kubectl apply of coredns.yaml failed"
if ! "$KUBECTL" -n kube-system rollout status deploy/coredns --timeout=120s >/dev/null 2>&1; then
  "$KUBECTL" -n kube-system get pods -o wide >&2 || true
  "$KUBECTL" -n kube-system describe pods -l k8s-app=kube-dns | tail -n 30 >&2 || true
  fail coredns "not Ready; look further: $KUBECTL -n kube-system logs deploy/coredns" \
    "and the kubelet's log $LOGS/kubelet.log"
fi

# metrics-server is not waited for: the API server lists metrics.k8s.io only
# once it answers (kubectl top nodes), a few seconds later.
sed -e "s|__METRICS_SERVER_IMAGE__|$METRICS_SERVER_IMAGE|" "$here/metrics-server.yaml" |
  "$KUBECTL" apply -f - >>"$LOGS/metrics-server-apply.log" 2>&1 ||
  fail metrics-server-apply "kubectl apply of metrics-server.yaml failed"

log "ready in $((SECONDS - started))s (logs: $LOGS)"
if $addons; then bash "$here/addons.sh"; fi
echo "export KUBECONFIG=$KUBECONFIG"
