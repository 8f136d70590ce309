#!/usr/bin/env bash
# A minimal dynamic volume provisioner for the single node, run by up.sh as
# its own process: every PersistentVolumeClaim of the default StorageClass
# (storage.yaml) gets a `local` PersistentVolume backed by a folder under the
# run folder; a released one is deleted with its folder. A `local` volume (not
# hostPath) so that the kubelet applies the pod's fsGroup to it, as the
# charts expect (PostgreSQL runs as 999 and owns its data through fsGroup).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
class=taller-local
provisioner=taller.local/node-folder
volumes="$TALLER_CLUSTER_DIR/volumes"
node="$(hostname | tr '[:upper:]' '[:lower:]')"
mkdir -p "$volumes"
k() { "$KUBECTL" "$@"; }

provision() {
  local ns="$1" name="$2" uid="$3" size="$4" modes="$5" pv="pvc-$3"
  mkdir -p "$volumes/$pv"
  # Open to any pod user; the kubelet narrows it to the pod's fsGroup.
  chmod 0777 "$volumes/$pv"
  local modes_json
  modes_json="[\"${modes// /\",\"}\"]"
  k create -f - <<JSON
{
  "apiVersion": "v1",
  "kind": "PersistentVolume",
  "metadata": {
    "name": "$pv",
    "annotations": { "pv.kubernetes.io/provisioned-by": "$provisioner" }
  },
  "spec": {
    "capacity": { "storage": "$size" },
    "accessModes": $modes_json,
    "persistentVolumeReclaimPolicy": "Delete",
    "storageClassName": "$class",
    "claimRef": { "namespace": "$ns", "name": "$name", "uid": "$uid" },
    "local": { "path": "$volumes/$pv" },
    "nodeAffinity": {
      "required": {
        "nodeSelectorTerms": [
          { "matchExpressions": [
            { "key": "kubernetes.io/hostname", "operator": "In", "values": ["$node"] }
          ] }
        ]
      }
    }
  }
}
JSON
}

echo "provisioner: StorageClass $class, folders under $volumes"
while true; do
  k get pvc -A -o jsonpath='{range .items[?(@.status.phase=="Pending")]}{.metadata.namespace}{"\t"}{.metadata.name}{"\t"}{.metadata.uid}{"\t"}{.spec.storageClassName}{"\t"}{.spec.resources.requests.storage}{"\t"}{.spec.accessModes[*]}{"\n"}{end}' 2>/dev/null |
    while IFS=$'\t' read -r ns name uid sc size modes; do
      [[ "$sc" == "$class" ]] || continue
      k get pv "pvc-$uid" >/dev/null 2>&1 && continue
      provision "$ns" "$name" "$uid" "$size" "$modes" || echo "provisioner: failed for $ns/$name"
    done
  k get pv -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\t"}{.metadata.annotations.pv\.kubernetes\.io/provisioned-by}{"\n"}{end}' 2>/dev/null |
    while IFS=$'\t' read -r pv by; do
      [[ "$by" == "$provisioner" ]] || continue
      rm -rf "${volumes:?}/$pv"
      k delete pv "$pv" --wait=false && echo "provisioner: deleted $pv"
    done
  sleep 2
done
