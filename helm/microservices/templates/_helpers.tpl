{{/* The Secret the pods read: existingSecret when given, else microservices-credentials. */}}
{{- define "microservices.secretName" -}}
{{- include "taller-lib.secretName" (dict "name" "microservices-credentials" "values" .Values.credentials) -}}
{{- end }}

{{/* true when the worker is scaled by KEDA, "" otherwise. */}}
{{- define "microservices.keda" -}}
{{- $a := .Values.orderWorker.autoscaling -}}
{{- if and $a.enabled (eq $a.mode "keda") }}true{{ end -}}
{{- end }}
