// Service discovery from inside a pod: every Service name of the system resolves through the
// cluster's DNS (CoreDNS as kube-dns), short and fully qualified. Plain Node, from a ConfigMap.
import { lookup } from 'node:dns/promises';

const names = (process.env.NAMES ?? '').split(',').filter(Boolean);
let failed = 0;
for (const name of names) {
  for (const host of [name, `${name}.${process.env.NAMESPACE ?? 'taller'}.svc.cluster.local`]) {
    try {
      const { address } = await lookup(host);
      console.log(`dns: ${host} -> ${address}`);
    } catch (error) {
      failed += 1;
      console.log(`dns: ${host} FAILED (${error.code})`);
    }
  }
}
process.exit(failed === 0 && names.length > 0 ? 0 : 1);
