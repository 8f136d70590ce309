# How each component is started (sourced by up.sh): one process, one log
# file under $RUN/logs, one PID file under $RUN/pids.

start_etcd() {
  # Plain HTTP on loopback only, as hack/local-up-cluster.sh does. No fsync:
  # the cluster is thrown away after each run and CI disks are slow.
  start etcd "$ETCD_BIN/etcd" \
    --name taller --data-dir "$RUN/etcd" \
    --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster taller=http://127.0.0.1:2380 \
    --unsafe-no-fsync
  wait_for etcd 30 "$ETCD_BIN/etcdctl" --endpoints http://127.0.0.1:2379 endpoint health
}

start_apiserver() {
  start kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers http://127.0.0.1:2379 \
    --bind-address 0.0.0.0 --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --service-account-key-file "$PKI/sa.pub" \
    --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction,PodSecurity \
    --allow-privileged=true \
    --requestheader-client-ca-file "$PKI/ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" \
    --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --profiling=false
  wait_for kube-apiserver 90 "$KUBECTL" get --raw /readyz
}

start_controller_manager() {
  start kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$RUN/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$RUN/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 \
    --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "$PKI/sa.key" \
    --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" \
    --cluster-signing-key-file "$PKI/ca.key" \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 \
    --service-cluster-ip-range "$SERVICE_CIDR"
}

start_scheduler() {
  start kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/scheduler.kubeconfig" \
    --authorization-kubeconfig "$RUN/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 \
    --leader-elect=false
}

start_containerd() {
  start containerd containerd --config "$RUN/containerd/config.toml"
  wait_for containerd 30 ctr --address "$CONTAINERD_SOCK" version
}

start_kubelet() {
  start kubelet "$K8S_BIN/kubelet" \
    --config "$RUN/kubelet/config.yaml" \
    --kubeconfig "$RUN/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet/root" \
    --cert-dir "$RUN/kubelet/pki" \
    --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_IP"
}

start_kube_proxy() {
  start kube-proxy "$K8S_BIN/kube-proxy" --config "$RUN/kube-proxy/config.yaml"
}

start_provisioner() {
  start provisioner bash "$here/provisioner.sh"
}
