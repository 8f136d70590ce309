# A cluster in a network namespace of its own (sourced by up.sh and down.sh
# when TALLER_CLUSTER_NETNS is set): a second cluster beside another one on
# the same machine, for example a session's beside CI's. Ports, the bridge,
# routes, iptables and nftables are all per namespace. Different ports alone
# are not enough: each kube-proxy rewrites the KUBE-* chains as its own, and
# kube-proxy's nftables mode deletes them when it starts.
# The host reaches the cluster through a veth pair: host side
# $NETNS_LINK.1, cluster side $NETNS_LINK.2 (the node address).

# The host side's name: at most 15 characters.
netns_host_if() { printf 'tl-%.12s' "$TALLER_CLUSTER_NETNS"; }

# in_cluster_netns: true when this process already runs in the namespace.
in_cluster_netns() {
  local file="/run/netns/$TALLER_CLUSTER_NETNS"
  [[ -e "$file" ]] && [[ "$(stat -L -c %i /proc/self/ns/net)" == "$(stat -L -c %i "$file")" ]]
}

# netns_create: the namespace and its link to the host, once.
netns_create() {
  local ns="$TALLER_CLUSTER_NETNS" host_if
  host_if="$(netns_host_if)"
  [[ -e "/run/netns/$ns" ]] || ip netns add "$ns"
  ip link show "$host_if" >/dev/null 2>&1 && return 0
  ip link add "$host_if" type veth peer name uplink0 netns "$ns"
  ip addr add "$NETNS_LINK.1/30" dev "$host_if"
  ip link set "$host_if" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$NETNS_LINK.2/30" dev uplink0
  ip -n "$ns" link set uplink0 up
  ip -n "$ns" route add default via "$NETNS_LINK.1"
}

# in_netns <command...>: runs a command in the namespace (network only: the
# mounts stay the host's, so cgroups and the run folder look the same).
in_netns() { nsenter --net="/run/netns/$TALLER_CLUSTER_NETNS" -- "$@"; }

# netns_delete: the veth pair goes with the namespace.
netns_delete() {
  local ns="$TALLER_CLUSTER_NETNS"
  [[ -e "/run/netns/$ns" ]] || return 0
  ip -n "$ns" link delete uplink0 2>/dev/null || true
  ip netns delete "$ns"
}
