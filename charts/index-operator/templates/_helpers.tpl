{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "index-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Object name prefix: <release>-index-operator, or the release name when it already says so. */}}
{{- define "index-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "index-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "index-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: index-operator
{{- end -}}

{{/* Labels that select the operator pods (never change them after install: selectors are immutable). */}}
{{- define "index-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "index-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "index-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "index-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Operator image reference. */}}
{{- define "index-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Image the phase Jobs run: jobImage, or the operator image (same binary, same entry point). */}}
{{- define "index-operator.jobImage" -}}
{{- default (include "index-operator.image" .) .Values.jobImage -}}
{{- end -}}

{{/* Phase names of the built-in catalogue in catalogue (apply) order, one per line. */}}
{{- define "index-operator.phaseOrder" -}}
core
rbac
teams
metrics
tokens
sessions
associations
misc
{{- end -}}

{{/* Phases switched on in migration.phases, in catalogue order (not the map's order), one per line. */}}
{{- define "index-operator.enabledPhases" -}}
{{- $phases := .Values.migration.phases -}}
{{- range $name := splitList "\n" (include "index-operator.phaseOrder" .) -}}
{{- if index $phases $name }}
{{ $name }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Namespace of the IndexMigration (and of its Secret or claim). */}}
{{- define "index-operator.migrationNamespace" -}}
{{- default .Release.Namespace .Values.migration.namespace -}}
{{- end -}}

{{/*
The postgresql or mariadb block of the IndexMigration from values (dict "field" <dialect> "server" <values>);
fails with what to set when the Secret keys or the host are missing.
*/}}
{{- define "index-operator.serverDatabase" -}}
{{- $f := .field -}}
{{- $s := .server -}}
{{- if not $s.secretName -}}
{{- fail (printf "migration.database.%s.secretName: name the Secret with the credentials" $f) -}}
{{- end -}}
{{- if not (or $s.host $s.hostKey $s.urlKey) -}}
{{- fail (printf "migration.database.%s: set host (the database service), hostKey (a key in the Secret) or urlKey" $f) -}}
{{- end -}}
{{- if not (or $s.urlKey (and $s.userKey $s.passwordKey $s.databaseKey)) -}}
{{- fail (printf "migration.database.%s: set urlKey, or all of userKey, passwordKey and databaseKey" $f) -}}
{{- end -}}
{{ $f }}:
  {{- with $s.host }}
  host: {{ . | quote }}
  {{- end }}
  {{- with $s.hostKey }}
  hostKey: {{ . | quote }}
  {{- end }}
  port: {{ $s.port }}
  {{- with $s.sslMode }}
  sslMode: {{ . }}
  {{- end }}
  secretRef:
    name: {{ $s.secretName }}
    {{- if $s.urlKey }}
    urlKey: {{ $s.urlKey | quote }}
    {{- else }}
    userKey: {{ $s.userKey | quote }}
    passwordKey: {{ $s.passwordKey | quote }}
    databaseKey: {{ $s.databaseKey | quote }}
    {{- end }}
{{- end -}}
