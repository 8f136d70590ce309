{{/*
Every template of this library receives one dict, so that a chart calls them all the same way:
  root       the chart's top-level context ($): .Release, .Chart, .Values
  name       the object's name, fixed by the contract (fullstack-api, orders-postgres...)
  component  app.kubernetes.io/component: api | worker | database | cache | broker | backup
  values     the component's block of values (.Values.api, .Values.postgres...)
and, for some templates, a few more keys documented where they are read.
*/}}

{{/*
Selector labels: only name + instance. They must never change for the life of a release
(a Deployment's selector is immutable), so nothing version-like belongs here.
*/}}
{{- define "taller-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/*
Labels of every object: the selector labels plus who it belongs to. part-of is the project, which
is the chart's own name (fullstack, microservices, ml-serving; taller for the umbrella's objects).
*/}}
{{- define "taller-lib.labels" -}}
{{ include "taller-lib.selectorLabels" . }}
app.kubernetes.io/part-of: {{ .partOf | default .root.Chart.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end }}

{{/* metadata: name, namespace and labels of an object. */}}
{{- define "taller-lib.metadata" -}}
name: {{ .name }}
namespace: {{ .root.Release.Namespace }}
labels:
  {{- include "taller-lib.labels" . | nindent 2 }}
{{- end }}

{{/*
An image reference from {registry, repository, tag}: every part settable, so that a CI cluster can
use local names. The tag is required: no silent `latest`.
*/}}
{{- define "taller-lib.image" -}}
{{- $tag := required (printf "image.tag is required (%s): pin a version, never latest" .repository) .tag | toString -}}
{{- if eq $tag "latest" -}}
{{- fail (printf "image %s: the tag `latest` is not allowed; pin a version" .repository) -}}
{{- end -}}
{{- if .registry -}}{{ .registry }}/{{- end -}}{{ .repository }}:{{ $tag }}
{{- end }}

{{/*
Pod-level security for Pod Security "restricted": never root, the runtime's default seccomp
profile, and fsGroup so that mounted volumes (PVCs, Secret files) belong to the pod's group.
Input: the podSecurityContext block of values ({runAsUser, runAsGroup, fsGroup}).
*/}}
{{- define "taller-lib.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .runAsUser }}
runAsGroup: {{ .runAsGroup }}
{{- with .fsGroup }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security: no privilege escalation, read-only root, no capabilities. */}}
{{- define "taller-lib.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* An HTTP probe on the container port named http: input {path, periodSeconds, ...}. */}}
{{- define "taller-lib.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- with .initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
{{- end }}

{{/* An exec probe: input {command: [...], periodSeconds, ...}. */}}
{{- define "taller-lib.execProbe" -}}
exec:
  command:
    {{- toYaml .command | nindent 4 }}
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- with .initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
{{- end }}

{{/*
The name of the Secret pods read: the user's existingSecret, else the one the chart creates.
Input: {name: the created Secret's name, values: {existingSecret}}.
*/}}
{{- define "taller-lib.secretName" -}}
{{- .values.existingSecret | default .name -}}
{{- end }}

{{/*
A checksum of a rendered template, as a pod annotation: when the ConfigMap changes, the pod
template changes too, so `helm upgrade` rolls the pods (env from a ConfigMap is read at start only).
*/}}
{{- define "taller-lib.checksum" -}}
{{- . | sha256sum | trunc 16 -}}
{{- end }}
