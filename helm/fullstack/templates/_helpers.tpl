{{/* The Secret the pods read: existingSecret when given, else fullstack-credentials. */}}
{{- define "fullstack.secretName" -}}
{{- include "taller-lib.secretName" (dict "name" "fullstack-credentials" "values" .Values.credentials) -}}
{{- end }}

{{/* Pod spec shared by the backup and restore Jobs: PostgreSQL's image and user (999). */}}
{{- define "fullstack.postgresClientPod" -}}
restartPolicy: Never
serviceAccountName: fullstack-postgres
automountServiceAccountToken: false
securityContext:
  {{- include "taller-lib.podSecurityContext" .root.Values.postgres.podSecurityContext | nindent 2 }}
volumes:
  - name: backups
    persistentVolumeClaim:
      claimName: fullstack-postgres-backups
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
{{- end }}

{{- define "fullstack.postgresClientContainer" -}}
image: {{ include "taller-lib.image" .root.Values.postgres.image }}
imagePullPolicy: {{ .root.Values.postgres.image.pullPolicy }}
resources:
  {{- toYaml .values.resources | nindent 2 }}
securityContext:
  {{- include "taller-lib.containerSecurityContext" . | nindent 2 }}
volumeMounts:
  - name: backups
    mountPath: /backups
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* libpq reads these: no password on a command line. */}}
{{- define "fullstack.postgresClientEnv" -}}
- name: PGHOST
  value: fullstack-postgres
- name: PGUSER
  value: {{ .Values.postgres.user }}
- name: PGDATABASE
  value: {{ .Values.postgres.database }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "fullstack.secretName" . }}
      key: postgres-password
{{- end }}
