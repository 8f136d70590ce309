{{/*
taller-lib.testpod: a `helm test` hook: a Pod that runs a Node.js script in the app's own image
(no extra image to pull) and exits 0 when the app answers as it should.
Extra keys: image (the app's {registry, repository, tag, pullPolicy}), script (ES module source),
env (map of env vars for the script), resources, serviceAccountName.
*/}}
{{- define "taller-lib.testpod" -}}
apiVersion: v1
kind: Pod
metadata:
  {{- include "taller-lib.metadata" . | nindent 2 }}
  annotations:
    # Run by `helm test <release>`; the previous run's pod is deleted first, a passing one after.
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  serviceAccountName: {{ .serviceAccountName }}
  automountServiceAccountToken: false
  securityContext:
    {{- include "taller-lib.podSecurityContext" (dict "runAsUser" 10001 "runAsGroup" 10001) | nindent 4 }}
  containers:
    - name: test
      image: {{ include "taller-lib.image" .image }}
      imagePullPolicy: {{ .image.pullPolicy }}
      command: [node, --input-type=module, -e]
      args:
        - |
          {{- .script | nindent 10 }}
      {{- with .env }}
      env:
        {{- range $k, $v := . }}
        - name: {{ $k }}
          value: {{ $v | toString | quote }}
        {{- end }}
      {{- end }}
      resources:
        {{- toYaml .resources | nindent 8 }}
      securityContext:
        {{- include "taller-lib.containerSecurityContext" . | nindent 8 }}
{{- end }}
