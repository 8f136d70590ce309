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
# Empty: the cluster uses the host's network namespace. A name: the cluster
# runs in a namespace of its own (netns.sh), so that two clusters can run on
# one machine; its node address is $NETNS_LINK.2, reached from the host.
export TALLER_CLUSTER_NETNS="${TALLER_CLUSTER_NETNS:-}"
NETNS_LINK="${TALLER_CLUSTER_NETNS_LINK:-10.199.0}"
# Where kubeconfigs reach the API server; with a namespace of its own, each
# kubelet also gets its own cgroup parent: a kubelet removes the pod cgroups
# it does not know under its parent (and the processes in them).
API_HOST=127.0.0.1
KUBELET_CGROUP_ROOT=""
if [[ -n "$TALLER_CLUSTER_NETNS" ]]; then
  API_HOST="$NETNS_LINK.2"
  KUBELET_CGROUP_ROOT="/$TALLER_CLUSTER_NETNS"
fi
# Local images (no registry can be reached; imported into containerd).
PAUSE_IMAGE=localhost/taller/pause:catatonit
COREDNS_IMAGE="localhost/taller/coredns:${COREDNS_VERSION}"
CONTAINERD_SOCK="$TALLER_CLUSTER_DIR/containerd/containerd.sock"
TOOLBOX_IMAGE=localhost/taller/toolbox:busybox
METRICS_SERVER_BIN="$CLUSTER_CACHE/metrics-server-$METRICS_SERVER_VERSION/bin"
METRICS_SERVER_IMAGE="localhost/taller/metrics-server:${METRICS_SERVER_VERSION}"
# Optional add-ons (addons.sh): binaries from build.sh, images made here.
PROMETHEUS_BIN="$CLUSTER_CACHE/prometheus-$PROMETHEUS_VERSION-k8s-sd/bin"
PROMETHEUS_ADAPTER_BIN="$CLUSTER_CACHE/prometheus-adapter-$PROMETHEUS_ADAPTER_VERSION/bin"
TRAEFIK_BIN="$CLUSTER_CACHE/traefik-$TRAEFIK_VERSION-no-dns-providers/bin"
KUBE_NETWORK_POLICIES_BIN="$CLUSTER_CACHE/kube-network-policies-$KUBE_NETWORK_POLICIES_VERSION-xt-nfqueue/bin"
PROMETHEUS_IMAGE="localhost/taller/prometheus:${PROMETHEUS_VERSION}"
PROMETHEUS_ADAPTER_IMAGE="localhost/taller/prometheus-adapter:${PROMETHEUS_ADAPTER_VERSION}"
TRAEFIK_IMAGE="localhost/taller/traefik:${TRAEFIK_VERSION}"
KUBE_NETWORK_POLICIES_IMAGE="localhost/taller/kube-network-policies:${KUBE_NETWORK_POLICIES_VERSION}-xt-nfqueue"
# Traefik's NodePorts (on the node address: the host's, or $NETNS_LINK.2)
# and the host name of the charts' Ingress (*.localtest.me is 127.0.0.1).
INGRESS_HTTP_NODE_PORT=30080
INGRESS_HTTPS_NODE_PORT=30443
INGRESS_HOST=taller.localtest.me
