{{/*
taller-lib.networkpolicy: allow exact flows for the pods named `target` (their selector labels).
Once a default-deny policy selects every pod, only what some policy allows gets through, and a
flow between two pods needs both sides: egress allowed at the client, ingress at the server.
Extra keys:
  target   the app.kubernetes.io/name of the selected pods
  ingress  [{pods: [names], namespaces: [names], ports: [numbers]}]  who may connect, to which ports
  egress   [{pods: [names], ports: [numbers]}]                         where they may connect
  dns      true: the egress also allows the cluster DNS (for a project chart installed alone,
           without the umbrella's allow-dns policy: an egress policy blocks everything it omits)
Pods are matched by name + instance (same namespace); namespaces by kubernetes.io/metadata.name.
*/}}
{{- define "taller-lib.networkpolicy" -}}
{{- $root := .root -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- /* Labelled like the pods it is about, so `kubectl get netpol -l app.kubernetes.io/name=x` finds them. */}}
    {{- include "taller-lib.labels" (merge (dict "name" .target) .) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "taller-lib.selectorLabels" (dict "name" .target "root" $root) | nindent 6 }}
  policyTypes:
    {{- if .ingress }}
    - Ingress
    {{- end }}
    {{- if .egress }}
    - Egress
    {{- end }}
  {{- with .ingress }}
  ingress:
    {{- range . }}
    - from:
        {{- range .pods }}
        - podSelector:
            matchLabels:
              {{- include "taller-lib.selectorLabels" (dict "name" . "root" $root) | nindent 14 }}
        {{- end }}
        {{- range .namespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . }}
        {{- end }}
      ports:
        {{- range .ports }}
        - protocol: TCP
          port: {{ . }}
        {{- end }}
    {{- end }}
  {{- end }}
  {{- with .egress }}
  egress:
    {{- range . }}
    - to:
        {{- range .pods }}
        - podSelector:
            matchLabels:
              {{- include "taller-lib.selectorLabels" (dict "name" . "root" $root) | nindent 14 }}
        {{- end }}
      ports:
        {{- range .ports }}
        - protocol: TCP
          port: {{ . }}
        {{- end }}
    {{- end }}
    {{- if $.dns }}
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
    {{- end }}
  {{- end }}
{{- end }}
