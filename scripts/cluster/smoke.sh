#!/usr/bin/env bash
# Proves the node runs pods: in a namespace that enforces the "restricted" Pod
# Security level, a Deployment from an imported image behind a Service; a pod
# resolves names through CoreDNS and reaches the Service by ClusterIP and by
# name; the server pod reaches itself through its own Service (hairpin); the
# metrics API (HorizontalPodAutoscalers) answers.
# Prints what it observed; exits non-zero on the first broken promise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
ns=taller-smoke
k() { "$KUBECTL" -n "$ns" "$@"; }

finish() {
  local status=$?
  if [[ $status -ne 0 ]]; then
    echo "--- smoke failed: state of $ns" >&2
    k get all -o wide >&2 || true
    k describe pods | tail -n 40 >&2 || true
    k logs --all-containers -l app=echo --tail=20 >&2 || true
  fi
  "$KUBECTL" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  exit $status
}
trap finish EXIT
# A fresh namespace each run (a previous one may still be terminating).
"$KUBECTL" delete namespace "$ns" --ignore-not-found --wait=true --timeout=60s >/dev/null

"$KUBECTL" create namespace "$ns" --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
"$KUBECTL" label namespace "$ns" --overwrite \
  pod-security.kubernetes.io/enforce=restricted >/dev/null

sc='{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}'
psc='{"runAsNonRoot":true,"runAsUser":65534,"seccompProfile":{"type":"RuntimeDefault"}}'
k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo }
spec:
  replicas: 1
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      securityContext: $psc
      containers:
        - name: httpd
          image: $TOOLBOX_IMAGE
          imagePullPolicy: Never
          command: [/bin/sh, -c, 'mkdir -p /tmp/www && echo hello-from-\$HOSTNAME > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www']
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
          securityContext: $sc
---
apiVersion: v1
kind: Service
metadata: { name: echo }
spec:
  selector: { app: echo }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Pod
metadata: { name: client }
spec:
  securityContext: $psc
  containers:
    - name: client
      image: $TOOLBOX_IMAGE
      imagePullPolicy: Never
      command: [sleep, "3600"]
      securityContext: $sc
YAML

# A privileged pod must be refused by the namespace's enforce label.
if k run privileged --image "$TOOLBOX_IMAGE" --privileged --restart=Never --dry-run=server \
  -o name >/dev/null 2>&1; then
  echo "FAIL: a privileged pod was admitted in a restricted namespace" >&2
  false
fi
echo "ok   Pod Security 'restricted' refuses a privileged pod"

k rollout status deploy/echo --timeout=60s >/dev/null
k wait --for=condition=Ready pod/client --timeout=60s >/dev/null
echo "ok   pods Running and Ready from imported image $TOOLBOX_IMAGE"

out="$(k exec client -- nslookup "kubernetes.default.svc.$CLUSTER_DOMAIN")"
grep -q "$KUBERNETES_SERVICE_IP" <<<"$out" || { echo "$out" >&2; false; }
echo "ok   kubernetes.default.svc.$CLUSTER_DOMAIN -> $KUBERNETES_SERVICE_IP via CoreDNS"

# http_get <pod> <host> <port>: the body of GET /, through busybox nc (Debian's
# static busybox wget crashes).
http_get() {
  k exec "$1" -- sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $2 $3" | tail -n 1 |
    grep hello-from- || { echo "FAIL: no answer from $2:$3 in $1" >&2; false; }
}
ip="$(k get svc echo -o jsonpath='{.spec.clusterIP}')"
echo "ok   Service ClusterIP $ip answered: $(http_get client "$ip" 80)"
echo "ok   Service by name echo.$ns answered: $(http_get client "echo.$ns.svc.$CLUSTER_DOMAIN" 80)"
echo "ok   hairpin: the echo pod reached itself through its Service: $(http_get deploy/echo echo 80)"
# Resource metrics, which HorizontalPodAutoscalers need (metrics-server).
for _ in $(seq 1 60); do
  top="$("$KUBECTL" top nodes --no-headers 2>/dev/null)" && break
  sleep 1
done
[[ -n "${top:-}" ]] || { echo "FAIL: no resource metrics: $KUBECTL top nodes" >&2; false; }
echo "ok   resource metrics for HPAs: $top"
echo "smoke: all checks passed"
