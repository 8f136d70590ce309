// Writes helm/*/values.schema.json, the schemas Helm checks values against before rendering:
//   node helm/values-schema.mjs && npx prettier --write 'helm/*/values.schema.json'
// Edit the schemas here, not in the JSON files: the shared shapes (image, resources, probes,
// autoscaling...) are defined once below and copied into each chart's file, since a chart must
// carry its whole schema. `additionalProperties: false` at every object level makes a typo in
// values (replica: 3) an error instead of a silently ignored key.
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const obj = (properties, extra = {}) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...extra,
});
const ref = (name) => ({ $ref: `#/definitions/${name}` });
const str = (description) => (description ? { type: 'string', description } : { type: 'string' });
const bool = { type: 'boolean' };
const int = (minimum = 0) => ({ type: 'integer', minimum });
const quantity = {
  type: ['string', 'number'],
  description: 'a Kubernetes quantity (100m, 1, 256Mi)',
};

const definitions = {
  image: obj(
    {
      registry: str('registry host, empty for the default (docker.io)'),
      repository: { type: 'string', minLength: 1 },
      tag: {
        type: 'string',
        minLength: 1,
        not: { const: 'latest' },
        description: 'a pinned tag, never latest',
      },
      pullPolicy: { enum: ['IfNotPresent', 'Always', 'Never'] },
    },
    { required: ['repository', 'tag'] },
  ),
  cpuMemory: obj({ cpu: quantity, memory: quantity }),
  resources: obj(
    { requests: ref('cpuMemory'), limits: ref('cpuMemory') },
    {
      required: ['requests', 'limits'],
      description: 'requests and limits, both required (Pod Security and the HPA need them)',
    },
  ),
  timings: {},
  httpProbe: obj(
    {
      path: { type: 'string', pattern: '^/' },
      periodSeconds: int(1),
      timeoutSeconds: int(1),
      failureThreshold: int(1),
      initialDelaySeconds: int(0),
    },
    { required: ['path', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] },
  ),
  execProbe: obj(
    {
      command: { type: 'array', minItems: 1, items: { type: 'string' } },
      periodSeconds: int(1),
      timeoutSeconds: int(1),
      failureThreshold: int(1),
      initialDelaySeconds: int(0),
    },
    { required: ['command', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] },
  ),
  httpProbes: obj({
    startup: ref('httpProbe'),
    liveness: ref('httpProbe'),
    readiness: ref('httpProbe'),
  }),
  execProbes: obj({
    startup: ref('execProbe'),
    liveness: ref('execProbe'),
    readiness: ref('execProbe'),
  }),
  podSecurityContext: obj(
    { runAsUser: int(1), runAsGroup: int(1), fsGroup: int(1) },
    {
      required: ['runAsUser', 'runAsGroup'],
      description: 'non-root ids (Pod Security restricted)',
    },
  ),
  strategy: obj({
    maxSurge: { type: ['integer', 'string'] },
    maxUnavailable: { type: ['integer', 'string'] },
  }),
  topologySpread: obj({
    enabled: bool,
    maxSkew: int(1),
    whenUnsatisfiable: { enum: ['ScheduleAnyway', 'DoNotSchedule'] },
  }),
  scalingRules: obj({
    stabilizationWindowSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    selectPolicy: { enum: ['Max', 'Min', 'Disabled'] },
    policies: {
      type: 'array',
      items: obj(
        {
          type: { enum: ['Percent', 'Pods'] },
          value: int(1),
          periodSeconds: { type: 'integer', minimum: 1, maximum: 1800 },
        },
        { required: ['type', 'value', 'periodSeconds'] },
      ),
    },
  }),
  behavior: obj({ scaleUp: ref('scalingRules'), scaleDown: ref('scalingRules') }),
  autoscaling: obj({
    enabled: bool,
    minReplicas: int(1),
    maxReplicas: int(1),
    targetCPUUtilizationPercentage: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      description: '0: not used',
    },
    targetMemoryUtilizationPercentage: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      description: '0: not used',
    },
    podsMetrics: {
      type: 'array',
      items: obj(
        { name: { type: 'string', minLength: 1 }, averageValue: quantity },
        { required: ['name', 'averageValue'] },
      ),
    },
    behavior: ref('behavior'),
  }),
  pdb: obj({ enabled: bool, minAvailable: { type: ['integer', 'string'] } }),
  env: {
    type: 'object',
    description: 'environment variables of the app (ConfigMap): NAME: "value"',
    propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$' },
    additionalProperties: { type: 'string' },
  },
  stringMap: { type: 'object', additionalProperties: { type: 'string' } },
  tolerations: {
    type: 'array',
    items: obj({
      key: str(),
      operator: { enum: ['Exists', 'Equal'] },
      value: str(),
      effect: { enum: ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
      tolerationSeconds: { type: 'integer' },
    }),
  },
  affinity: obj(
    {
      nodeAffinity: { type: 'object' },
      podAffinity: { type: 'object' },
      podAntiAffinity: { type: 'object' },
    },
    { description: 'a Kubernetes Affinity (its three parts are passed through as given)' },
  ),
  persistence: obj({
    size: quantity,
    storageClassName: str('empty: the cluster default StorageClass'),
    accessModes: {
      type: 'array',
      minItems: 1,
      items: { enum: ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany'] },
    },
  }),
  migrate: obj({
    enabled: bool,
    command: { type: 'array', minItems: 1, items: { type: 'string' } },
    resources: ref('resources'),
  }),
  serviceMonitor: obj({
    enabled: bool,
    interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
    scrapeTimeout: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
    labels: ref('stringMap'),
  }),
  metrics: obj({ serviceMonitor: ref('serviceMonitor') }),
  global: obj({
    networkPolicies: obj({
      enabled: bool,
      ingressNamespace: { type: 'string', minLength: 1 },
      monitoringNamespace: { type: 'string', minLength: 1 },
      kedaNamespace: { type: 'string', minLength: 1 },
      baseline: {
        type: 'boolean',
        description: 'true when the umbrella renders default-deny + allow-dns (set by it)',
      },
    }),
  }),
};
delete definitions.timings;

const podExtras = {
  podAnnotations: ref('stringMap'),
  nodeSelector: ref('stringMap'),
  tolerations: ref('tolerations'),
  affinity: ref('affinity'),
};
const app = (extra = {}, autoscaling = ref('autoscaling')) =>
  obj({
    image: ref('image'),
    replicas: int(0),
    config: ref('env'),
    resources: ref('resources'),
    probes: ref('httpProbes'),
    podSecurityContext: ref('podSecurityContext'),
    strategy: ref('strategy'),
    terminationGracePeriodSeconds: int(0),
    topologySpread: ref('topologySpread'),
    autoscaling,
    pdb: ref('pdb'),
    ...podExtras,
    ...extra,
  });
const stateful = (extra = {}) =>
  obj({
    image: ref('image'),
    replicas: {
      type: 'integer',
      minimum: 0,
      maximum: 1,
      description: 'single instance (no replication configured)',
    },
    resources: ref('resources'),
    persistence: ref('persistence'),
    probes: ref('execProbes'),
    podSecurityContext: ref('podSecurityContext'),
    terminationGracePeriodSeconds: int(0),
    ...podExtras,
    ...extra,
  });
const tests = (extra = {}) => obj({ resources: ref('resources'), ...extra });
// Helm gives every dependency a key of its own in the parent's values (with `global` in it),
// the library chart too: allowed, and nothing else in it.
const libraryKey = {
  'taller-lib': obj(
    { global: { type: 'object' } },
    { description: 'added by Helm for the library chart; set nothing here' },
  ),
};
const schema = (title, properties) => ({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title,
  type: 'object',
  additionalProperties: false,
  properties: { ...properties, ...libraryKey },
  definitions,
});
const ident = { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' };

const fullstack = schema('Taller K8s fullstack chart values', {
  enabled: bool,
  credentials: obj({
    existingSecret: str('name of a Secret with keys postgres-password, redis-password'),
    postgresPassword: str(),
    redisPassword: str(),
  }),
  api: app({ migrate: ref('migrate') }),
  postgres: stateful({ database: ident, user: ident }),
  redis: stateful({ config: str('redis.conf') }),
  backup: obj({
    enabled: bool,
    schedule: { type: 'string', minLength: 9 },
    timeZone: str('an IANA time zone (Etc/UTC); empty: the controller time zone'),
    retention: int(1),
    concurrencyPolicy: { enum: ['Forbid', 'Replace', 'Allow'] },
    successfulJobsHistoryLimit: int(0),
    failedJobsHistoryLimit: int(0),
    startingDeadlineSeconds: int(1),
    backoffLimit: int(0),
    activeDeadlineSeconds: int(1),
    persistence: ref('persistence'),
    resources: ref('resources'),
    restore: obj({
      enabled: bool,
      file: {
        type: 'string',
        pattern: '^[A-Za-z0-9._-]*$',
        description: 'a dump file name in the backups volume',
      },
    }),
  }),
  metrics: ref('metrics'),
  tests: tests(),
  global: ref('global'),
});

const workerAutoscaling = structuredClone(definitions.autoscaling);
workerAutoscaling.properties.mode = {
  enum: ['hpa', 'keda'],
  description: 'hpa: plain HPA on order_worker_utilisation; keda: ScaledObject on the queue length',
};
workerAutoscaling.properties.keda = obj({
  queueName: { type: 'string', minLength: 1 },
  queueLength: int(1),
  pollingInterval: int(1),
  cooldownPeriod: int(0),
});
const microservices = schema('Taller K8s microservices chart values', {
  enabled: bool,
  credentials: obj({
    existingSecret: str(
      'name of a Secret with keys postgres-password, rabbitmq-password, amqp-url',
    ),
    postgresPassword: str(),
    rabbitmqPassword: str(),
  }),
  orderService: app({ migrate: ref('migrate') }),
  orderWorker: app({}, workerAutoscaling),
  postgres: stateful({ database: ident, user: ident }),
  rabbitmq: stateful({ user: { type: 'string', minLength: 1 } }),
  adapterRules: obj({ enabled: bool }),
  metrics: ref('metrics'),
  tests: tests({ timeoutSeconds: int(10) }),
  global: ref('global'),
});

const mlServing = schema('Taller K8s ml-serving chart values', {
  enabled: bool,
  inferenceServer: app(),
  adapterRules: obj({ enabled: bool, rateWindow: { type: 'string', pattern: '^[0-9]+(s|m|h)$' } }),
  metrics: ref('metrics'),
  tests: tests(),
  global: ref('global'),
});

const subchart = (name) => ({
  type: 'object',
  description: `values of the ${name} chart (checked by helm/${name}/values.schema.json)`,
  properties: { enabled: bool },
});
const taller = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Taller K8s umbrella chart values',
  type: 'object',
  additionalProperties: false,
  properties: {
    fullstack: subchart('fullstack'),
    microservices: subchart('microservices'),
    'ml-serving': subchart('ml-serving'),
    global: ref('global'),
    ingress: obj({
      enabled: bool,
      className: { type: 'string', minLength: 1 },
      host: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' },
      annotations: ref('stringMap'),
      tls: obj({ enabled: bool, secretName: { type: 'string', minLength: 1 } }),
    }),
    grafanaDashboard: obj({
      enabled: bool,
      namespace: str("'' = the release namespace"),
      labels: ref('stringMap'),
    }),
    ...libraryKey,
  },
  definitions: { global: definitions.global, stringMap: definitions.stringMap },
};

const root = dirname(fileURLToPath(import.meta.url));
for (const [chart, s] of Object.entries({
  fullstack,
  microservices,
  'ml-serving': mlServing,
  taller,
})) {
  writeFileSync(`${root}/${chart}/values.schema.json`, JSON.stringify(s, null, 2) + '\n');
}
