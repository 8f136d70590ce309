{{/*
taller-lib.statefulset: one stateful server (PostgreSQL, Redis, RabbitMQ) with a PVC per replica.
Extra keys of the input dict:
  ports         [{name, port}]
  command, args optional container command/args
  env           list of EnvVar objects (built by the chart: secretKeyRef etc.)
  dataPath      where the `data` volume claim is mounted
  volumeMounts  extra mounts (writable emptyDirs, config files); volumes: the matching volumes
values: image, replicas, resources, podSecurityContext, persistence {size, storageClassName,
  accessModes}, probes {startup, liveness, readiness} each {command, periodSeconds,
  timeoutSeconds, failureThreshold}, terminationGracePeriodSeconds, nodeSelector, tolerations,
  affinity, podAnnotations
*/}}
{{- define "taller-lib.statefulset" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: StatefulSet
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
spec:
  # The Service that gives the pods their stable DNS names (<pod>.<service>).
  serviceName: {{ .name }}
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "taller-lib.selectorLabels" . | nindent 6 }}
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
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      # The official images run as their own user (uid/gid 999) when not started as root;
      # fsGroup 999 makes the volume claim writable for it.
      securityContext:
        {{- include "taller-lib.podSecurityContext" $v.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .name }}
          image: {{ include "taller-lib.image" $v.image }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          {{- with .command }}
          command: {{ toJson . }}
          {{- end }}
          {{- with .args }}
          args: {{ toJson . }}
          {{- end }}
          ports:
            {{- range .ports }}
            - name: {{ .name }}
              containerPort: {{ .port }}
              protocol: TCP
            {{- end }}
          {{- with .env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          startupProbe:
            {{- include "taller-lib.execProbe" $v.probes.startup | nindent 12 }}
          livenessProbe:
            {{- include "taller-lib.execProbe" $v.probes.liveness | nindent 12 }}
          readinessProbe:
            {{- include "taller-lib.execProbe" $v.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "taller-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: data
              mountPath: {{ .dataPath }}
            - name: tmp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- with .volumes }}
        {{- toYaml . | nindent 8 }}
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
  # One PersistentVolumeClaim per pod (data-<name>-0), kept when the StatefulSet is deleted or
  # scaled down: data outlives pods. No storageClassName = the cluster's default StorageClass.
  volumeClaimTemplates:
    - metadata:
        name: data
        # Only labels that never change: the claim templates of a StatefulSet are immutable.
        labels:
          {{- include "taller-lib.selectorLabels" . | nindent 10 }}
          app.kubernetes.io/part-of: {{ .root.Chart.Name }}
          app.kubernetes.io/component: {{ .component }}
      spec:
        accessModes:
          {{- toYaml $v.persistence.accessModes | nindent 10 }}
        {{- with $v.persistence.storageClassName }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ $v.persistence.size }}
{{- end }}
