/**
 * Every Kubernetes API call the operator makes, as data. The Helm chart's RBAC is checked against this
 * list (exactly these verbs, nothing more), and the operator's end-to-end tests check that the fake API
 * server saw no request outside it. Keep it in step with src/kube/client-node-kube-client.ts.
 */
export interface ApiCall {
  /** '' for the core group. */
  readonly apiGroup: string;
  /** Plural resource, with `/status` for the status subresource. */
  readonly resource: string;
  readonly verbs: readonly string[];
  /** Why the operator needs it. */
  readonly why: string;
}

export const OPERATOR_API_CALLS: readonly ApiCall[] = [
  {
    apiGroup: 'index-operator.io',
    resource: 'indexmigrations',
    verbs: ['get', 'list', 'watch', 'update'],
    why: 'read and watch the resources it reconciles; update adds and removes its finalizer',
  },
  {
    apiGroup: 'index-operator.io',
    resource: 'indexmigrations/status',
    verbs: ['update'],
    why: 'write status (phase, conditions, per-phase timings, progress)',
  },
  {
    apiGroup: 'batch',
    resource: 'jobs',
    verbs: ['list', 'watch', 'create', 'delete'],
    why: 'one Job per phase, rollback and verify; follow their conditions; delete on resource deletion',
  },
  {
    apiGroup: '',
    resource: 'secrets',
    verbs: ['get'],
    why: 'read the database Secret to read the bookkeeping tables',
  },
  {
    apiGroup: '',
    resource: 'events',
    verbs: ['create'],
    why: 'phase started/succeeded/failed/rolled back, problems to fix',
  },
  {
    apiGroup: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['get', 'create', 'update'],
    why: 'leader election',
  },
];

/**
 * Permissions the operator needs that are no API call of its own: admission checks them on a call.
 * OwnerReferencesPermissionEnforcement (on in OpenShift) lets a Job be created with an ownerReference
 * that sets blockOwnerDeletion only by a caller allowed to update the owner's finalizers.
 */
export const OPERATOR_ADMISSION_PERMISSIONS: readonly ApiCall[] = [
  {
    apiGroup: 'index-operator.io',
    resource: 'indexmigrations/finalizers',
    verbs: ['update'],
    why: 'create Jobs owned by the resource with blockOwnerDeletion (OwnerReferencesPermissionEnforcement)',
  },
];
