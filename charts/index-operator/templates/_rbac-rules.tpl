{{/*
The API calls the operator makes, as RBAC rules: exactly the list src/operator exports as
OPERATOR_API_CALLS (test/chart/rbac.test.ts checks the rendered rules against it, both ways).
*/}}
{{- define "index-operator.rbacRules" -}}
- apiGroups: [index-operator.io]
  resources: [indexmigrations]
  verbs: [get, list, watch, update, patch]
- apiGroups: [index-operator.io]
  resources: [indexmigrations/status]
  verbs: [get, update, patch]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}

{{/* Leader election (the Lease in the release namespace). */}}
{{- define "index-operator.leaseRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
{{- end -}}
