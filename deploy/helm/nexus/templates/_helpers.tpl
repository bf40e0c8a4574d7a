{{/* The release's base name, at most 63 characters (a DNS label). */}}
{{- define "nexus.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nexus.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "nexus.labels" -}}
{{ include "nexus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "nexus.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "nexus.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "nexus.secretName" -}}
{{- .Values.secret.existingSecret | default (include "nexus.fullname" .) -}}
{{- end -}}

{{- define "nexus.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
The secrets the host needs in production, and the variables that must not
sit in the ConfigMap: secrets, and the listen addresses the chart derives
from its ports.
*/}}
{{- define "nexus.checkValues" -}}
{{- $secretKeys := list "NEXUS_DATABASE_URL" "NEXUS_JWT_SECRET" "NEXUS_SECRETS_KEY" "NEXUS_SECRETS_KEY_PREVIOUS" "NEXUS_REDIS_URL" "NEXUS_AMQP_URL" "NEXUS_BOOTSTRAP_ADMIN_PASSWORD" "OTEL_EXPORTER_OTLP_HEADERS" -}}
{{- range $k := $secretKeys -}}
{{- if hasKey $.Values.config $k -}}
{{- fail (printf "config.%s: a secret goes under secret.values (or secret.existingSecret), never in the ConfigMap" $k) -}}
{{- end -}}
{{- end -}}
{{- range $k := list "NEXUS_HTTP_ADDR" "NEXUS_METRICS_ADDR" -}}
{{- if hasKey $.Values.config $k -}}
{{- fail (printf "config.%s: the chart sets it from service.port / metrics.port" $k) -}}
{{- end -}}
{{- end -}}
{{- range $k, $v := .Values.secret.values -}}
{{- if not (has $k $secretKeys | or (eq $k "NEXUS_BOOTSTRAP_ADMIN_EMAIL")) -}}
{{- fail (printf "secret.values.%s: not a secret the chart knows; non-secret settings go under config" $k) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.secret.existingSecret -}}
{{- range $k := list "NEXUS_DATABASE_URL" "NEXUS_JWT_SECRET" "NEXUS_SECRETS_KEY" -}}
{{- if not (index $.Values.secret.values $k) -}}
{{- fail (printf "secret.values.%s is required (or name a Secret holding it in secret.existingSecret)" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The environment of every nexus container: the ConfigMap, the Secret. */}}
{{- define "nexus.envFrom" -}}
- configMapRef:
    name: {{ include "nexus.fullname" . }}
- secretRef:
    name: {{ include "nexus.secretName" . }}
{{- end -}}

{{/* The container security of the image: an unprivileged user, read-only. */}}
{{- define "nexus.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "nexus.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}
