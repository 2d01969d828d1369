{{/* The chart name, or nameOverride. */}}
{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The resource name: fullnameOverride, or the release name when it already
contains the chart name (release "herald" gives "herald", not "herald-herald"),
or release-chart. 63 characters at most, the DNS label limit.
*/}}
{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The metrics Service's name, 63 characters at most like every Service name. */}}
{{- define "herald.metricsName" -}}
{{- printf "%s-metrics" (include "herald.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/* Labels of every resource, but its component. */}}
{{- define "herald.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels of the server's resources (all but the metrics Service). */}}
{{- define "herald.labels" -}}
{{ include "herald.baseLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/* Labels that select Herald's pods: stable across upgrades (selectors are immutable). */}}
{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image: repository@digest, or repository:tag (the appVersion by default). */}}
{{- define "herald.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: existingSecret, or the one this chart creates. */}}
{{- define "herald.secretName" -}}
{{- default (include "herald.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
The created Secret's contents (variable name -> value), checked: DATABASE_URL
always, HERALD_USER_TOKEN_SECRET unless user tokens come from a JWKS URL.
Rendered as JSON; {} with secret.existingSecret.
*/}}
{{- define "herald.inlineSecret" -}}
{{- $s := .Values.secret }}
{{- if not $s.existingSecret }}
{{- $data := dict }}
{{- if $s.databaseUrl }}
{{- $_ := set $data "DATABASE_URL" $s.databaseUrl }}
{{- else if not (has "DATABASE_URL" (include "herald.extraEnvNames" . | fromJsonArray)) }}
{{- fail "secret.databaseUrl is required (postgres://user:password@host:5432/herald), or name a Secret you manage in secret.existingSecret, or take DATABASE_URL from another Secret in extraEnv" }}
{{- end }}
{{- if $s.userTokenSecret }}
{{- if lt (len $s.userTokenSecret) 32 }}
{{- fail "secret.userTokenSecret must be at least 32 bytes (HS256 needs a 256-bit key): openssl rand -hex 32" }}
{{- end }}
{{- $_ := set $data "HERALD_USER_TOKEN_SECRET" $s.userTokenSecret }}
{{- else if not .Values.auth.userTokenJwksUrl }}
{{- fail "secret.userTokenSecret is required (32+ bytes: openssl rand -hex 32) unless auth.userTokenJwksUrl is set, or name a Secret you manage in secret.existingSecret" }}
{{- end }}
{{- with $s.bootstrapApiKey }}
{{- $_ := set $data "HERALD_BOOTSTRAP_API_KEY" . }}
{{- end }}
{{- range $name, $value := $s.env }}
{{- if hasKey $data $name }}
{{- fail (printf "secret.env.%s repeats a variable that has its own value under secret" $name) }}
{{- end }}
{{- $_ := set $data $name (toString $value) }}
{{- end }}
{{- toJson $data }}
{{- else }}
{{- toJson dict }}
{{- end }}
{{- end }}

{{/* The names extraEnv sets, as a JSON list: they replace the chart's variables of the same name. */}}
{{- define "herald.extraEnvNames" -}}
{{- $names := list }}
{{- range .Values.extraEnv }}{{ $names = append $names .name }}{{ end }}
{{- toJson $names }}
{{- end }}

{{/* The variables the pods take from the Secret, as a JSON list. */}}
{{- define "herald.secretKeys" -}}
{{- if .Values.secret.existingSecret }}
{{- $keys := .Values.secret.existingSecretKeys | uniq | sortAlpha }}
{{- if not (or (has "DATABASE_URL" $keys) (has "DATABASE_URL" (include "herald.extraEnvNames" . | fromJsonArray))) }}
{{- fail "secret.existingSecretKeys must list DATABASE_URL (or extraEnv set it): Herald does not start without it" }}
{{- end }}
{{- toJson $keys }}
{{- else }}
{{- include "herald.inlineSecret" . | fromJson | keys | sortAlpha | toJson }}
{{- end }}
{{- end }}

{{/* NATS_URL: nats.url, or the NATS chart's Service for a release named `nats` in this namespace. */}}
{{- define "herald.natsUrl" -}}
{{- default (printf "nats://nats.%s.svc:4222" .Release.Namespace) .Values.nats.url }}
{{- end }}

{{/* terminationGracePeriodSeconds: the preStop pause, Herald's drain, its 5 s forced-exit margin, and 5 s to spare. */}}
{{- define "herald.terminationGracePeriodSeconds" -}}
{{- add .Values.preStopSleepSeconds .Values.shutdownTimeoutSeconds 10 }}
{{- end }}

{{/*
Plain (non-secret) variables, as a JSON object. Each is a row of the README's
configuration table; `npm run check:helm` checks that Herald reads every one.
*/}}
{{- define "herald.plainEnv" -}}
{{- $v := .Values }}
{{- $env := dict
  "PORT" "8080"
  "HOST" "0.0.0.0"
  "NATS_URL" (include "herald.natsUrl" .)
  "NATS_STREAM_REPLICAS" (toString $v.nats.streamReplicas)
  "NATS_SUBJECT_PREFIX" $v.nats.subjectPrefix
  "DATABASE_POOL_MAX" (toString $v.database.poolMax)
  "MIGRATE_ON_START" (toString $v.database.migrateOnStart)
  "WORKERS_ENABLED" (toString $v.workers.enabled)
  "LOG_LEVEL" $v.logLevel
  "SHUTDOWN_TIMEOUT_MS" (toString (mul $v.shutdownTimeoutSeconds 1000))
  "METRICS_ENABLED" (toString $v.metrics.enabled)
}}
{{- if not (kindIs "invalid" $v.database.poolMin) }}
{{- if gt (int $v.database.poolMin) (int $v.database.poolMax) }}
{{- fail (printf "database.poolMin %d is above database.poolMax %d" (int $v.database.poolMin) (int $v.database.poolMax)) }}
{{- end }}
{{- $_ := set $env "DATABASE_POOL_MIN" (toString $v.database.poolMin) }}
{{- end }}
{{- if $v.metrics.enabled }}
{{- $_ := set $env "METRICS_PORT" (toString $v.metrics.port) }}
{{- /* Loopback is Herald's default; Prometheus scrapes the pod's address. */}}
{{- $_ := set $env "METRICS_HOST" "0.0.0.0" }}
{{- end }}
{{- with $v.corsAllowedOrigins }}{{ $_ := set $env "CORS_ALLOWED_ORIGINS" . }}{{ end }}
{{- with $v.auth.userTokenJwksUrl }}{{ $_ := set $env "HERALD_USER_TOKEN_JWKS_URL" . }}{{ end }}
{{- with $v.auth.userTokenIssuer }}{{ $_ := set $env "HERALD_USER_TOKEN_ISSUER" . }}{{ end }}
{{- with $v.auth.userTokenAudience }}{{ $_ := set $env "HERALD_USER_TOKEN_AUDIENCE" . }}{{ end }}
{{- $_ := set $env "CONSOLE_ENABLED" (toString $v.console.enabled) }}
{{- with $v.console.traceUrl }}{{ $_ := set $env "CONSOLE_TRACE_URL" . }}{{ end }}
{{- /* OIDC sign-in; the schema checks the issuer's companions (client id, a group list). */}}
{{- $oidc := $v.console.oidc }}
{{- with $oidc.issuer }}{{ $_ := set $env "CONSOLE_OIDC_ISSUER" . }}{{ end }}
{{- with $oidc.clientId }}{{ $_ := set $env "CONSOLE_OIDC_CLIENT_ID" . }}{{ end }}
{{- with $oidc.name }}{{ $_ := set $env "CONSOLE_OIDC_NAME" . }}{{ end }}
{{- with $oidc.scopes }}{{ $_ := set $env "CONSOLE_OIDC_SCOPES" (join " " .) }}{{ end }}
{{- with $oidc.groupsClaim }}{{ $_ := set $env "CONSOLE_OIDC_GROUPS_CLAIM" . }}{{ end }}
{{- with $oidc.adminGroups }}{{ $_ := set $env "CONSOLE_OIDC_ADMIN_GROUPS" (join "," .) }}{{ end }}
{{- with $oidc.sendGroups }}{{ $_ := set $env "CONSOLE_OIDC_SEND_GROUPS" (join "," .) }}{{ end }}
{{- with $oidc.readGroups }}{{ $_ := set $env "CONSOLE_OIDC_READ_GROUPS" (join "," .) }}{{ end }}
{{- if $v.otel.enabled }}
{{- $_ := set $env "OTEL_TRACES_EXPORTER" "otlp" }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" (required "otel.endpoint is required when otel.enabled (http://collector:4318)" $v.otel.endpoint) }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" $v.otel.protocol }}
{{- $_ := set $env "OTEL_SERVICE_NAME" $v.otel.serviceName }}
{{- $_ := set $env "OTEL_RESOURCE_ATTRIBUTES" (printf "k8s.namespace.name=%s,k8s.deployment.name=%s" .Release.Namespace (include "herald.fullname" .)) }}
{{- $_ := set $env "OTEL_METRICS_EXPORTER" "none" }}
{{- $_ := set $env "OTEL_LOGS_EXPORTER" "none" }}
{{- end }}
{{- toJson $env }}
{{- end }}

{{/*
Checks between values that the schema cannot express; each failure names the
values to change.
*/}}
{{- define "herald.validate" -}}
{{- $v := .Values }}
{{- if and $v.metrics.serviceMonitor.enabled (not $v.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.enabled" }}
{{- end }}
{{- if $v.autoscaling.enabled }}
{{- if gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%v) is above autoscaling.maxReplicas (%v)" $v.autoscaling.minReplicas $v.autoscaling.maxReplicas) }}
{{- end }}
{{- if and (not $v.autoscaling.consumerPending.enabled) (not $v.autoscaling.targetCPUUtilizationPercentage) }}
{{- fail "autoscaling.enabled needs a metric: autoscaling.targetCPUUtilizationPercentage or autoscaling.consumerPending.enabled" }}
{{- end }}
{{- end }}
{{- if $v.autoscaling.consumerPending.enabled }}
{{- if not $v.autoscaling.enabled }}
{{- fail "autoscaling.consumerPending.enabled needs autoscaling.enabled" }}
{{- end }}
{{- if not $v.metrics.enabled }}
{{- fail "autoscaling.consumerPending.enabled needs metrics.enabled: prometheus-adapter reads herald_consumer_pending from Prometheus" }}
{{- end }}
{{- if not $v.workers.enabled }}
{{- fail "autoscaling.consumerPending.enabled scales delivery workers, but workers.enabled is false" }}
{{- end }}
{{- end }}
{{- with $v.database.maxConnections }}
{{- $replicas := ternary $v.autoscaling.maxReplicas $v.replicaCount $v.autoscaling.enabled }}
{{- /* A rolling update runs one extra replica (maxSurge 1) beside the others. */}}
{{- $total := mul (add1 (int $replicas)) (int $v.database.poolMax) }}
{{- if gt (int $total) (int .) }}
{{- fail (printf "Postgres connections: %d replicas (one of them a rollout's surge) x database.poolMax %d = %d, above database.maxConnections %d; lower database.poolMax or the replica count, or raise max_connections" (add1 (int $replicas)) (int $v.database.poolMax) $total (int .)) }}
{{- end }}
{{- end }}
{{- end }}
