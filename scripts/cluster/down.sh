#!/usr/bin/env bash
# Removes everything up.sh made: processes (by PID file), pods and containers,
# mounts, the CNI bridge and veths, the KUBE-*/CNI-* iptables chains, cgroups
# and the run folder. Keeps the build cache. Idempotent.
# No -e: a teardown goes on past a step that fails, to remove all it can.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=netns.sh
source "$here/netns.sh"

[[ $(id -u) -eq 0 ]] || { echo "down.sh: needs root" >&2; exit 1; }
[[ -n "$RUN" && "$RUN" != / ]] || { echo "down.sh: refusing run folder '$RUN'" >&2; exit 1; }
# A cluster with a network namespace of its own is torn down from inside it.
if [[ -n "$TALLER_CLUSTER_NETNS" && -e "/run/netns/$TALLER_CLUSTER_NETNS" ]] && ! in_cluster_netns; then
  exec nsenter --net="/run/netns/$TALLER_CLUSTER_NETNS" -- bash "$here/down.sh" "$@"
fi
# Its namespace already gone: the bridge and chains of the host's namespace
# belong to another cluster, leave them alone.
own_network=true
if [[ -n "$TALLER_CLUSTER_NETNS" ]] && ! in_cluster_netns; then own_network=false; fi

# The provisioner and the kubelet first, so that nothing is recreated below.
stop provisioner
stop kubelet

# Pods through the CRI (tears down their network via CNI), then whatever tasks
# are left through containerd itself.
if running containerd; then
  if [[ -x "$CRICTL" ]]; then
    crictl=("$CRICTL" --runtime-endpoint "unix://$CONTAINERD_SOCK" --timeout 20s)
    pods="$("${crictl[@]}" pods -q 2>/dev/null)"
    if [[ -n "$pods" ]]; then
      # shellcheck disable=SC2086 # one pod id per word
      "${crictl[@]}" stopp $pods >/dev/null 2>&1 || true
      # shellcheck disable=SC2086
      "${crictl[@]}" rmp -f $pods >/dev/null 2>&1 || true
    fi
  fi
  ctr=(ctr --address "$CONTAINERD_SOCK" --namespace k8s.io)
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
  done
  sleep 0.5
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks delete -f "$task" >/dev/null 2>&1 || true
  done
  for c in $("${ctr[@]}" containers ls -q 2>/dev/null); do
    "${ctr[@]}" containers delete "$c" >/dev/null 2>&1 || true
  done
fi

for c in kube-proxy containerd kube-scheduler kube-controller-manager kube-apiserver etcd; do
  stop "$c"
done

# Shims that outlived containerd (ours only: they name our socket), by PID.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" || true); do
  kill -KILL "$pid" 2>/dev/null || true
done

# Mounts under the run folder (rootfs overlays, netns, volumes), deepest first.
if [[ -d "$RUN" ]]; then
  findmnt -rn -o TARGET | grep -F "$RUN/" | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
fi

# The CNI bridge and any veth still attached to it.
if $own_network && ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
  for veth in $(ip -o link show master "$CNI_BRIDGE" | awk -F'[:@ ]+' '{print $2}'); do
    ip link delete "$veth" 2>/dev/null || true
  done
  ip link delete "$CNI_BRIDGE" 2>/dev/null || true
fi

# iptables: drop the chains kube-proxy (KUBE-*) and the CNI plugins (CNI-*)
# made and the rules that jump to them, one by one: restoring a whole table
# could undo what podman/netavark changes at the same moment.
for tool in iptables ip6tables; do
  $own_network || break
  command -v "$tool-save" >/dev/null || continue
  for table in filter nat mangle raw; do
    rules="$("$tool-save" -t "$table" 2>/dev/null)" || continue
    grep -qE 'KUBE-|CNI-' <<<"$rules" || continue
    # Jumps into our chains from chains that are not ours (PREROUTING, ...).
    grep -E '^-A ' <<<"$rules" | grep -vE '^-A (KUBE-|CNI-)' | grep -E -- '-j (KUBE-|CNI-)' |
      while read -r rule; do
        eval "set -- $rule" # the rule's own quoting (comments)
        shift
        "$tool" -w -t "$table" -D "$@" 2>/dev/null || log "$tool: could not delete: $rule"
      done
    chains="$(grep -oE '^:(KUBE-|CNI-)[^ ]+' <<<"$rules" | cut -c2- || true)"
    for c in $chains; do "$tool" -w -t "$table" -F "$c" 2>/dev/null || true; done
    for c in $chains; do "$tool" -w -t "$table" -X "$c" 2>/dev/null || log "$tool: could not delete chain $table/$c"; done
  done
done

# nftables tables of the add-on kube-network-policies (addons.sh), in case
# it had no time to remove them itself.
if $own_network && command -v nft >/dev/null; then
  for t in kube-network-policies kube-network-policies-dnscache; do
    nft delete table inet "$t" 2>/dev/null || true
  done
fi

# The Ingress host's line that addons.sh added.
if grep -q ' # taller-cluster$' /etc/hosts; then sed -i '/ # taller-cluster$/d' /etc/hosts; fi

# cgroups the kubelet made (v1 hierarchies and the unified mount), under its
# own cgroup parent when it has one (env.sh).
for root in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  base="${root%/}$KUBELET_CGROUP_ROOT"
  if [[ -d "$base/kubepods" || -d "$base/kubepods.slice" ]]; then
    find "$base"/kubepods* -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
  [[ -z "$KUBELET_CGROUP_ROOT" ]] || rmdir "$base" 2>/dev/null || true
done

# The kubelet links container logs from this fixed folder.
if [[ -d /var/log/containers ]]; then
  find /var/log/containers -maxdepth 1 -type l -lname "$RUN/*" -delete 2>/dev/null || true
  rmdir /var/log/containers 2>/dev/null || true
fi

# containerd 1.6 keeps shim sockets (and ctr's fifos) under /run/containerd
# whatever its state folder; remove them unless a system containerd or
# another cluster's shims still use it.
if [[ -d /run/containerd && ! -S /run/containerd/containerd.sock ]] &&
  ! pgrep -f containerd-shim >/dev/null; then
  rm -rf /run/containerd
fi

rm -rf "$RUN"
if [[ -n "$TALLER_CLUSTER_NETNS" ]]; then netns_delete; fi
log "down: run folder $RUN removed (build cache kept in $CLUSTER_CACHE)"
