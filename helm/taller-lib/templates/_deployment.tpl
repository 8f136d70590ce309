{{/*
taller-lib.deployment: a stateless app (one container on one named port `http`).
Extra keys of the input dict:
  port      the container port (3000...)
  extraPorts optional [{name, port}]: more named container ports (inference-server's grpc)
  secret    optional {name, items: [{key, path}]}: the Secret mounted read-only at /run/secrets,
            each key as a file named like the env var the app reads (@taller/config reads
            /run/secrets/<NAME> when <NAME> is not in the environment)
  configMap the name of the ConfigMap whose keys become env vars (envFrom), usually .name
  checksum  optional: a hash of that ConfigMap, as a pod annotation (rolls pods on change)
values (the component's block):
  image {registry, repository, tag, pullPolicy}, replicas, resources, probes {startup, liveness,
  readiness}, migrate {enabled, command, resources}, podSecurityContext, strategy,
  terminationGracePeriodSeconds, topologySpread {enabled, maxSkew, whenUnsatisfiable},
  autoscaling.enabled, podAnnotations, nodeSelector, tolerations, affinity
*/}}
{{- define "taller-lib.deployment" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
spec:
  {{- /* With an autoscaler in charge, the replica count is its business: leaving it out here
         keeps `helm upgrade` from resetting what the HPA (or KEDA) decided. */}}
  {{- if not (and $v.autoscaling $v.autoscaling.enabled) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "taller-lib.selectorLabels" . | nindent 6 }}
  # Roll one new pod at a time and never drop below the desired count: zero-downtime rollouts
  # (a new pod only takes traffic once its readinessProbe passes).
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: {{ $v.strategy.maxSurge }}
      maxUnavailable: {{ $v.strategy.maxUnavailable }}
  template:
    metadata:
      labels:
        {{- include "taller-lib.labels" . | nindent 8 }}
      {{- if or .checksum $v.podAnnotations }}
      annotations:
        {{- with .checksum }}
        checksum/config: {{ . | quote }}
        {{- end }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
    spec:
      serviceAccountName: {{ .name }}
      # The apps never call the Kubernetes API: no token in the pod.
      automountServiceAccountToken: false
      # 30 s: more than the app's drain delay + shutdown timeout (SHUTDOWN_TIMEOUT_MS 25 s).
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "taller-lib.podSecurityContext" $v.podSecurityContext | nindent 8 }}
      {{- if $v.topologySpread.enabled }}
      # Spread replicas over nodes when possible (ScheduleAnyway: a one-node kind cluster still works).
      topologySpreadConstraints:
        - maxSkew: {{ $v.topologySpread.maxSkew }}
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: {{ $v.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "taller-lib.selectorLabels" . | nindent 14 }}
      {{- end }}
      {{- if and $v.migrate $v.migrate.enabled }}
      # Migrations as an init container: node-pg-migrate takes an advisory lock, so replicas
      # starting together wait for each other and an up-to-date schema passes in a blink.
      # Unlike a Job (immutable pod template) or a Helm hook (deadlocks with --wait while the
      # database is in the same release) it works the same with install, upgrade and apply -k.
      initContainers:
        - name: migrate
          image: {{ include "taller-lib.image" $v.image }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          command: {{ toJson $v.migrate.command }}
          {{- with include "taller-lib.appEnv" . }}
          {{- . | nindent 10 }}
          {{- end }}
          resources:
            {{- toYaml $v.migrate.resources | nindent 12 }}
          securityContext:
            {{- include "taller-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "taller-lib.appVolumeMounts" . | nindent 12 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "taller-lib.image" $v.image }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .port }}
              protocol: TCP
            {{- range .extraPorts }}
            - name: {{ .name }}
              containerPort: {{ .port }}
              protocol: TCP
            {{- end }}
          {{- with include "taller-lib.appEnv" . }}
          {{- . | nindent 10 }}
          {{- end }}
          # startupProbe holds liveness/readiness back until the app has started;
          # liveness restarts a stuck process (never checks a dependency);
          # readiness takes the pod out of the Service while it cannot serve.
          startupProbe:
            {{- include "taller-lib.httpProbe" $v.probes.startup | nindent 12 }}
          livenessProbe:
            {{- include "taller-lib.httpProbe" $v.probes.liveness | nindent 12 }}
          readinessProbe:
            {{- include "taller-lib.httpProbe" $v.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "taller-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "taller-lib.appVolumeMounts" . | nindent 12 }}
      volumes:
        # readOnlyRootFilesystem: the only writable path is this scratch directory.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- with .secret }}
        - name: secrets
          secret:
            secretName: {{ .name }}
            # Group-readable only; fsGroup makes the pod's group own the files.
            defaultMode: 0440
            items:
              {{- toYaml .items | nindent 14 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* Settings of an app container: the ConfigMap as env vars (the secrets come as files). */}}
{{- define "taller-lib.appEnv" -}}
{{- if .configMap -}}
envFrom:
  - configMapRef:
      name: {{ .configMap }}
{{- end -}}
{{- end }}

{{- define "taller-lib.appVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .secret }}
- name: secrets
  mountPath: /run/secrets
  readOnly: true
{{- end }}
{{- end }}
