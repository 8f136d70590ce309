# Configuration files of the node: containerd, CNI, kubelet, kube-proxy
# (sourced by up.sh). Everything a component writes stays under the run folder.

write_containerd_config() {
  mkdir -p "$RUN/containerd" "$RUN/cni/net.d"
  cat >"$RUN/containerd/config.toml.new" <<TOML
version = 2
root = "$RUN/containerd/root"
state = "$RUN/containerd/state"

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$RUN/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  # Built locally and imported: no registry can be reached here.
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  # Network namespaces under the state folder, not /var/run/netns.
  netns_mounts_under_state_dir = true
  # These machines deny root CAP_SYS_RESOURCE, so a negative oom_score_adj
  # (the kubelet asks -998 for sandboxes) fails in runc ("failed to update
  # /proc/self/oom_score_adj: Permission denied"); clamp to containerd's own.
  restrict_oom_score_adj = true
  # No AppArmor profiles are loaded on these machines.
  disable_apparmor = true
  # Non-root containers may bind ports below 1024 (containerd 2.x default).
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # No systemd here: cgroupfs, as the kubelet.
        SystemdCgroup = false
        Root = "$RUN/containerd/runc"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN/cni/net.d"
TOML
  update_file "$RUN/containerd/config.toml"
}

# One bridge for the node's pods. containerd also runs the loopback plugin
# for each pod's lo. ipMasq: pods reach the outside (CoreDNS forwards to the
# host's resolver); hairpinMode: a pod reaches itself through its Service.
write_cni_config() {
  mkdir -p "$RUN/cni/net.d" "$RUN/cni/ipam"
  cat >"$RUN/cni/net.d/10-taller.conflist.new" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "taller",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$RUN/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
  update_file "$RUN/cni/net.d/10-taller.conflist"
}

# ensure_cgroup_root: the kubelet refuses a cgroupRoot that does not exist in
# every hierarchy; cpuset needs its cpus and mems before a child may use it.
ensure_cgroup_root() {
  [[ -n "$KUBELET_CGROUP_ROOT" ]] || return 0
  local h dir
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -f "$h/cgroup.procs" ]] || continue
    dir="${h%/}$KUBELET_CGROUP_ROOT"
    mkdir -p "$dir"
    if [[ -f "$dir/cpuset.cpus" && -z "$(cat "$dir/cpuset.cpus")" ]]; then
      cat "${h%/}/cpuset.cpus" >"$dir/cpuset.cpus"
      cat "${h%/}/cpuset.mems" >"$dir/cpuset.mems"
    fi
  done
}

write_kubelet_config() {
  mkdir -p "$RUN/kubelet"
  local cgroup_root=""
  [[ -z "$KUBELET_CGROUP_ROOT" ]] || cgroup_root="cgroupRoot: $KUBELET_CGROUP_ROOT"
  cat >"$RUN/kubelet/config.yaml.new" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
# No systemd: cgroupfs, as containerd.
cgroupDriver: cgroupfs
$cgroup_root
# These machines mount cgroup v1; 1.34 only warns, this keeps a later
# version from refusing to start.
failCgroupV1: false
failSwapOn: false
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $RUN/pki/ca.crt }
authorization:
  mode: Webhook
tlsCertFile: $RUN/pki/kubelet-serving.crt
tlsPrivateKeyFile: $RUN/pki/kubelet-serving.key
readOnlyPort: 0
podLogsDir: $RUN/pod-logs
volumePluginDir: $RUN/kubelet/volume-plugins
# A shared CI disk may be busy or fairly full: evict only when truly short.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
serializeImagePulls: false
maxPods: 110
YAML
  update_file "$RUN/kubelet/config.yaml"
}

write_kube_proxy_config() {
  mkdir -p "$RUN/kube-proxy"
  cat >"$RUN/kube-proxy/config.yaml.new" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_CIDR
clientConnection:
  kubeconfig: $RUN/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# Leave the host's conntrack table size alone.
conntrack:
  maxPerCore: 0
nodePortAddresses: [primary]
YAML
  update_file "$RUN/kube-proxy/config.yaml"
}
