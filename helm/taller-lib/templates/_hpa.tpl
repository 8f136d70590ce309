{{/*
taller-lib.hpa: a HorizontalPodAutoscaler (autoscaling/v2) for the Deployment of the same name.
values.autoscaling:
  enabled, minReplicas, maxReplicas
  targetCPUUtilizationPercentage, targetMemoryUtilizationPercentage  (0 or unset: not used)
      "Utilization" is a percentage of the container *requests*, so requests must be set.
  podsMetrics [{name, averageValue}]  custom per-pod metrics served by prometheus-adapter
      (custom.metrics.k8s.io); the HPA wants their average over the pods at averageValue.
  behavior {scaleUp, scaleDown}  how fast to move: stabilizationWindowSeconds (look back this long
      and take the safest recommendation), policies [{type Percent|Pods, value, periodSeconds}].
*/}}
{{- define "taller-lib.hpa" -}}
{{- $a := .values.autoscaling -}}
{{- if $a.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .name }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    {{- range $a.podsMetrics }}
    - type: Pods
      pods:
        metric:
          name: {{ .name }}
        target:
          type: AverageValue
          averageValue: {{ .averageValue | quote }}
    {{- end }}
    {{- with $a.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  {{- with $a.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
