// The server-side proof's own tests (scripts/k8s/test): run by scripts/validate.sh, which builds the
// pinned kube-apiserver, etcd and kubeconform first; npm test leaves them out.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['scripts/k8s/test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
