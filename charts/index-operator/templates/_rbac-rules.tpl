{{/*
The API calls the operator makes, as RBAC rules: exactly the lists src/operator/api-calls.ts exports as
OPERATOR_API_CALLS and OPERATOR_ADMISSION_PERMISSIONS (test/chart/rbac.test.ts checks the rendered rules
against them, both ways).
*/}}
{{- define "index-operator.rbacRules" -}}
# Read and watch the resources it reconciles; update adds and removes its finalizer.
- apiGroups: [index-operator.io]
  resources: [indexmigrations]
  verbs: [get, list, watch, update]
# Create Jobs owned by the resource with blockOwnerDeletion: OwnerReferencesPermissionEnforcement
# (OpenShift) requires update on the owner's finalizers.
- apiGroups: [index-operator.io]
  resources: [indexmigrations/finalizers]
  verbs: [update]
# Write status (phase, conditions, per-phase timings, progress).
- apiGroups: [index-operator.io]
  resources: [indexmigrations/status]
  verbs: [update]
# One Job per phase, rollback and verify; follow them; delete them when the resource goes.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, delete]
# Read the database Secret named in the resource, to read the bookkeeping tables.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
# Events on the resource: phase started/succeeded/failed/rolled back, problems to fix.
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/* Leader election: the Lease in the release namespace. */}}
{{- define "index-operator.leaseRules" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
{{- end -}}
