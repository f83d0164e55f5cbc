{{/* Names: <release>-<chart> unless the release already says it, truncated to what DNS allows. */}}
{{- define "asn.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "asn.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: asn-competency
{{- end -}}

{{/* Selector of one component: ctx = dict "root" $ "name" <component> */}}
{{- define "asn.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "asn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "asn.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A component's values over the defaults: ctx = dict "root" $ "name" <component> */}}
{{- define "asn.component" -}}
{{- $c := index .root.Values.components .name -}}
{{- $merged := mustMergeOverwrite (deepCopy .root.Values.defaults) (deepCopy $c) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* The Secret every component reads, if there is one. */}}
{{- define "asn.commonSecretName" -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else if .Values.secrets -}}
{{- printf "%s-common" (include "asn.fullname" .) -}}
{{- end -}}
{{- end -}}
