# Certificates and kubeconfigs of the cluster (sourced by up.sh).
# One CA signs everything; written once per run folder and reused by a second up.
PKI="$RUN/pki"

# sign <name> <subject> <ext-lines>: key + cert signed by the cluster CA.
sign() {
  local name="$1" subj="$2" ext="$3"
  [[ -f "$PKI/$name.crt" ]] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr"
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

client_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'

write_certs() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [[ ! -f "$PKI/ca.crt" ]]; then
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=taller-cluster-ca" -days 3650 \
      -sha256 -out "$PKI/ca.crt"
  fi
  local host
  host="$(hostname)"
  sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,IP:$NODE_IP,DNS:localhost,DNS:$host,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
  # The kubelet serves its API (logs, exec) with a cert for the node's names.
  sign kubelet-serving "/CN=$host" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$NODE_IP,DNS:localhost,DNS:$host"
  # Client identities: the names RBAC and the Node authorizer expect.
  sign admin "/O=system:masters/CN=kubernetes-admin" "$client_ext"
  sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
  sign scheduler "/CN=system:kube-scheduler" "$client_ext"
  sign kube-proxy "/CN=system:kube-proxy" "$client_ext"
  sign kubelet "/O=system:nodes/CN=system:node:$host" "$client_ext"
  sign apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client" "$client_ext"
  # The identity the API server uses towards aggregated APIs (metrics-server).
  sign front-proxy-client "/CN=front-proxy-client" "$client_ext"
  if [[ ! -f "$PKI/sa.key" ]]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
}

# kubeconfig <name> <cert>: a kubeconfig for one client identity.
kubeconfig() {
  local file="$RUN/$1.kubeconfig" cert="$2"
  cat >"$file.new" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: taller
    cluster:
      server: https://$API_HOST:$API_PORT
      certificate-authority: $PKI/ca.crt
users:
  - name: $1
    user:
      client-certificate: $PKI/$cert.crt
      client-key: $PKI/$cert.key
contexts:
  - name: taller
    context: { cluster: taller, user: $1 }
current-context: taller
KC
  chmod 600 "$file.new"
  update_file "$file"
}

write_kubeconfigs() {
  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler
  kubeconfig kube-proxy kube-proxy
  kubeconfig kubelet kubelet
}
