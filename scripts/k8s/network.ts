// Which connections a namespace's NetworkPolicies allow, worked out from the policies themselves,
// so that a check can compare them with the connections the apps make: exactly those, no others.
import { field, selects, workloads, type K8sObject, type LabelSelector } from './objects.js';

interface Port {
  port?: number | string;
  protocol?: string;
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface Rule {
  ports?: Port[];
  from?: Peer[];
  to?: Peer[];
}
interface Policy {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

/** A pod that can be at either end of a connection, with the ports it listens on. */
interface Endpoint {
  name: string;
  namespace: Record<string, string>;
  labels: Record<string, string>;
  ports: { port: number; name?: string; protocol: string }[];
  /** Inside the namespace the policies govern (else only the local end of a rule applies). */
  local: boolean;
}

const NAME_LABEL = 'app.kubernetes.io/name';
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

/** Cluster DNS, which every pod may need: the one outside destination the checks know of. */
const DNS: Endpoint = {
  name: 'kube-dns',
  namespace: { [NAMESPACE_LABEL]: 'kube-system' },
  labels: { 'k8s-app': 'kube-dns' },
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
  local: false,
};

function localEndpoints(objects: K8sObject[], namespace: string): Endpoint[] {
  return workloads(objects)
    .filter(({ object }) => object.kind !== 'Pod')
    .map(({ object, template }) => ({
      name: template.metadata?.labels?.[NAME_LABEL] ?? object.metadata.name,
      namespace: { [NAMESPACE_LABEL]: namespace },
      labels: template.metadata?.labels ?? {},
      ports: template.spec.containers.flatMap((container) =>
        (
          field<{ containerPort: number; name?: string; protocol?: string }[]>(
            container,
            'ports',
          ) ?? []
        ).map((p) => ({ port: p.containerPort, name: p.name, protocol: p.protocol ?? 'TCP' })),
      ),
      local: true,
    }));
}

/** Sources outside the namespace that ingress rules name by namespace (an ingress controller, Prometheus). */
function outsideSources(policies: Policy[]): Endpoint[] {
  const peers = policies.flatMap((policy) =>
    (policy.ingress ?? []).flatMap((rule) => rule.from ?? []),
  );
  const byName = new Map<string, Endpoint>();
  for (const peer of peers) {
    const namespace = peer.namespaceSelector?.matchLabels?.[NAMESPACE_LABEL];
    if (!namespace) continue;
    const labels = peer.podSelector?.matchLabels ?? {};
    const name = `${namespace}/${
      Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '*'
    }`;
    byName.set(name, {
      name,
      namespace: { [NAMESPACE_LABEL]: namespace },
      labels,
      ports: [],
      local: false,
    });
  }
  return [...byName.values()];
}

function peerMatches(peer: Peer, from: Endpoint, other: Endpoint): boolean {
  if (peer.ipBlock) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, other.namespace)
    : other.local === from.local &&
      other.namespace[NAMESPACE_LABEL] === from.namespace[NAMESPACE_LABEL];
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: Port[] | undefined, target: Endpoint['ports'][number]): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === target.protocol &&
      (p.port === undefined || p.port === target.port || p.port === target.name),
  );
}

/** Whether `policies` let `self` connect to (egress) or be reached from (ingress) `other` on `port`. */
function allows(
  policies: Policy[],
  direction: 'Ingress' | 'Egress',
  self: Endpoint,
  other: Endpoint,
  port: Endpoint['ports'][number],
): boolean {
  const governing = policies.filter(
    (policy) =>
      selects(policy.podSelector, self.labels) &&
      (policy.policyTypes ?? ['Ingress']).includes(direction),
  );
  if (governing.length === 0) return true;
  return governing.some((policy) =>
    ((direction === 'Ingress' ? policy.ingress : policy.egress) ?? []).some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerOk =
        !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, self, other));
      return peerOk && portMatches(rule.ports, port);
    }),
  );
}

/** Every allowed connection between the namespace's pods, DNS and the outside sources policies name. */
export function allowedFlows(objects: K8sObject[], namespace = 'taller'): string[] {
  const policies = objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => field<Policy>(object, 'spec')!);
  const local = localEndpoints(objects, namespace);
  const sources = [...local, ...outsideSources(policies)];
  const destinations = [...local, DNS];
  const flows = new Set<string>();
  for (const from of sources) {
    for (const to of destinations) {
      // Connections between two pods outside the namespace are not its policies' business.
      if (from === to || (!from.local && !to.local)) continue;
      for (const port of to.ports) {
        const egress = !from.local || allows(policies, 'Egress', from, to, port);
        const ingress = !to.local || allows(policies, 'Ingress', to, from, port);
        if (egress && ingress)
          flows.add(`${from.name} -> ${to.name}:${port.port}/${port.protocol}`);
      }
    }
  }
  return [...flows].sort();
}

/** The difference between allowed and expected flows, as problems. */
export function flowProblems(allowed: string[], expected: string[]): string[] {
  const want = new Set(expected);
  const have = new Set(allowed);
  return [
    ...expected.filter((flow) => !have.has(flow)).map((flow) => `NetworkPolicies block ${flow}`),
    ...allowed
      .filter((flow) => !want.has(flow))
      .map((flow) => `NetworkPolicies allow ${flow}, which no app needs`),
  ];
}
