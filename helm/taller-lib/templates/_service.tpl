{{/*
taller-lib.service: a ClusterIP Service in front of the pods with the same selector labels.
Extra keys: ports [{name, port, appProtocol}] (targetPort is the container port of the same
name; appProtocol optional, e.g. grpc),
headless (true: clusterIP None, DNS answers with the pod addresses, as StatefulSets like).
*/}}
{{- define "taller-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
spec:
  {{- if .headless }}
  clusterIP: None
  {{- else }}
  type: ClusterIP
  {{- end }}
  selector:
    {{- include "taller-lib.selectorLabels" . | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
      {{- with .appProtocol }}
      appProtocol: {{ . }}
      {{- end }}
    {{- end }}
{{- end }}

{{/* taller-lib.serviceaccount: one identity per workload, with no API token mounted by default. */}}
{{- define "taller-lib.serviceaccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
automountServiceAccountToken: false
{{- end }}

{{/* taller-lib.configmap: extra key `data`, a map of strings (env vars or whole files). */}}
{{- define "taller-lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
data:
  {{- range $key, $value := .data }}
  {{- if contains "\n" (toString $value) }}
  {{ $key }}: |
    {{- $value | trimSuffix "\n" | nindent 4 }}
  {{- else }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
  {{- end }}
{{- end }}

{{/*
taller-lib.secret: an Opaque Secret from extra key `data` (a map of plain strings, base64-encoded
here). The charts only call it when values name no existingSecret: in production the Secret is
made outside Helm (sealed-secrets, external-secrets, kubectl) and only its name goes in values.
*/}}
{{- define "taller-lib.secret" -}}
apiVersion: v1
kind: Secret
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
type: Opaque
data:
  {{- range $key, $value := .data }}
  {{ $key }}: {{ $value | toString | b64enc }}
  {{- end }}
{{- end }}

{{/*
taller-lib.pdb: keep at least minAvailable pods through voluntary disruptions (node drains).
Rendered only when values.pdb.enabled and there is more than one replica (the HPA's minimum
when it is on): a PDB on a single replica would block every node drain.
*/}}
{{- define "taller-lib.pdb" -}}
{{- $v := .values -}}
{{- $least := ternary $v.autoscaling.minReplicas $v.replicas (and $v.autoscaling $v.autoscaling.enabled | default false) -}}
{{- if and $v.pdb.enabled (gt (int $least) 1) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
spec:
  minAvailable: {{ .values.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "taller-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
taller-lib.servicemonitor: tells a prometheus-operator Prometheus to scrape /metrics on the
Service's `http` port. Extra key `monitor`: {interval, scrapeTimeout, labels}; `labels` must match
the Prometheus' serviceMonitorSelector (kube-prometheus-stack: release: <its release name>).
*/}}
{{- define "taller-lib.servicemonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "taller-lib.labels" . | nindent 4 }}
    {{- with .monitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "taller-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ .monitor.interval }}
      scrapeTimeout: {{ .monitor.scrapeTimeout }}
{{- end }}

{{/*
taller-lib.secretReader: a Role that may `get` one Secret (by name: no list/watch, which would
reveal every Secret) and a RoleBinding granting it to the app's ServiceAccounts only.
The kubelet mounts Secrets into pods whatever RBAC says: this limits who reads them through the API.
Extra keys: secretName (the Secret), serviceAccounts (list of names).
*/}}
{{- define "taller-lib.secretReader" -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
rules:
  - apiGroups: ['']
    resources: [secrets]
    resourceNames: [{{ .secretName }}]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .name }}
subjects:
  {{- range .serviceAccounts }}
  - kind: ServiceAccount
    name: {{ . }}
    namespace: {{ $.root.Release.Namespace }}
  {{- end }}
{{- end }}
