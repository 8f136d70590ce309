# Source this to use the project's own cluster from other scripts:
#   source scripts/cluster/env.sh && "$KUBECTL" get nodes
# It only sets variables; it starts and builds nothing.
_cluster_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$_cluster_here/versions.env"
export TALLER_CACHE="${TALLER_CACHE:-/var/cache/taller}"
export TALLER_CLUSTER_DIR="${TALLER_CLUSTER_DIR:-/var/lib/taller-cluster}"
CLUSTER_CACHE="$TALLER_CACHE/cluster"
K8S_BIN="$CLUSTER_CACHE/kubernetes-$KUBERNETES_VERSION/bin"
ETCD_BIN="$CLUSTER_CACHE/etcd-$ETCD_VERSION/bin"
COREDNS_BIN="$CLUSTER_CACHE/coredns-$COREDNS_VERSION/bin"
CRICTL="$CLUSTER_CACHE/crictl-$CRICTL_VERSION/bin/crictl"
# Always these binaries, never /usr/bin/kubectl (a different version).
export KUBECTL="$K8S_BIN/kubectl"
export HELM="$CLUSTER_CACHE/helm-$HELM_VERSION/bin/helm"
export KUBECONFORM="$CLUSTER_CACHE/kubeconform-$KUBECONFORM_VERSION/bin/kubeconform"
export KUBECONFIG="$TALLER_CLUSTER_DIR/admin.kubeconfig"
# Fixed addresses: the host uses 192.0.2.0/24, these ranges stay clear of it.
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
CNI_BRIDGE=taller0
API_PORT=6443
# Local images (no registry can be reached; imported into containerd).
PAUSE_IMAGE=localhost/taller/pause:catatonit
COREDNS_IMAGE="localhost/taller/coredns:${COREDNS_VERSION}"
CONTAINERD_SOCK="$TALLER_CLUSTER_DIR/containerd/containerd.sock"
TOOLBOX_IMAGE=localhost/taller/toolbox:busybox
METRICS_SERVER_BIN="$CLUSTER_CACHE/metrics-server-$METRICS_SERVER_VERSION/bin"
METRICS_SERVER_IMAGE="localhost/taller/metrics-server:${METRICS_SERVER_VERSION}"
