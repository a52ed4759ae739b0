/**
 * The chart's RBAC grants exactly the API calls the operator makes (OPERATOR_API_CALLS), no more and no
 * fewer: cluster-wide by default, per watched namespace when watchNamespaces is set, and the Lease for
 * leader election only in the release namespace. Every role is bound to the operator's ServiceAccount.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATOR_ADMISSION_PERMISSIONS, OPERATOR_API_CALLS } from '../../src/operator/api-calls.js';
import { byKind, only, RELEASE, RELEASE_NAMESPACE, render, type KubeObject } from './render-chart.js';

interface PolicyRule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
  readonly nonResourceURLs?: string[];
}

const FULLNAME = `${RELEASE}-index-operator`;
const LEADER_ELECTION_RESOURCES = new Set(['coordination.k8s.io/leases']);

/** `group/resource verb` strings, one per permission; sorted. */
function permissionsOfCalls(leaderElection: boolean): string[] {
  return [...OPERATOR_API_CALLS, ...OPERATOR_ADMISSION_PERMISSIONS]
    .filter((c) => LEADER_ELECTION_RESOURCES.has(`${c.apiGroup}/${c.resource}`) === leaderElection)
    .flatMap((c) => c.verbs.map((v) => `${c.apiGroup}/${c.resource} ${v}`))
    .sort();
}

function permissionsOfRole(role: KubeObject): string[] {
  const rules = (role['rules'] ?? []) as PolicyRule[];
  return rules
    .flatMap((rule) => {
      assert.equal(rule.nonResourceURLs, undefined, `${role.metadata.name}: no non-resource URLs`);
      assert.equal(rule.resourceNames, undefined, `${role.metadata.name}: resourceNames not expected`);
      for (const list of [rule.apiGroups, rule.resources, rule.verbs]) {
        assert.ok(
          !list?.includes('*'),
          `${role.kind} ${role.metadata.name}: wildcard in ${JSON.stringify(rule)}`,
        );
      }
      return (rule.apiGroups ?? []).flatMap((g) =>
        (rule.resources ?? []).flatMap((r) => rule.verbs.map((v) => `${g}/${r} ${v}`)),
      );
    })
    .sort();
}

/** The binding of a role, checked to grant it to the operator's ServiceAccount. */
function assertBound(objects: readonly KubeObject[], role: KubeObject, bindingKind: string): void {
  const binding = byKind(objects, bindingKind).find(
    (b) =>
      (b['roleRef'] as { name: string }).name === role.metadata.name &&
      b.metadata.namespace === role.metadata.namespace,
  );
  assert.ok(
    binding,
    `${role.kind} ${role.metadata.name} (${role.metadata.namespace ?? 'cluster'}) is not bound`,
  );
  assert.deepEqual(binding['roleRef'], {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: role.kind,
    name: role.metadata.name,
  });
  const account = only(objects, 'ServiceAccount');
  assert.deepEqual(binding['subjects'], [
    { kind: 'ServiceAccount', name: account.metadata.name, namespace: RELEASE_NAMESPACE },
  ]);
  const deployment = only(objects, 'Deployment');
  const pod = (
    (deployment['spec'] as Record<string, unknown>)['template'] as { spec: Record<string, unknown> }
  ).spec;
  assert.equal(pod['serviceAccountName'], account.metadata.name);
}

function assertLeaseRole(objects: readonly KubeObject[]): void {
  const lease = byKind(objects, 'Role').filter((r) => r.metadata.name === `${FULLNAME}-leader-election`);
  assert.equal(lease.length, 1, 'one leader-election Role');
  const role = lease[0] as KubeObject;
  assert.equal(role.metadata.namespace, RELEASE_NAMESPACE, 'the Lease lives in the release namespace');
  assert.deepEqual(permissionsOfRole(role), permissionsOfCalls(true));
  assertBound(objects, role, 'RoleBinding');
}

void test('the operator exports the API calls it makes, and the chart covers every one of them', () => {
  assert.ok(OPERATOR_API_CALLS.length > 0);
  assert.ok(permissionsOfCalls(true).length > 0, 'leader election needs the Lease');
  assert.ok(permissionsOfCalls(false).some((p) => p.startsWith('index-operator.io/indexmigrations ')));
});

void test('grants update on indexmigrations/finalizers (OwnerReferencesPermissionEnforcement), cluster-wide and per namespace', () => {
  const rule = 'index-operator.io/indexmigrations/finalizers update';
  assert.ok(permissionsOfRole(only(render(), 'ClusterRole')).includes(rule));
  const perNamespace = render({ watchNamespaces: ['mcp'] });
  const roles = byKind(perNamespace, 'Role').filter((r) => !r.metadata.name?.endsWith('-leader-election'));
  assert.ok(roles.length > 0 && roles.every((r) => permissionsOfRole(r).includes(rule)));
});

void test('cluster-wide (default): one ClusterRole with exactly the operator API calls, plus the Lease Role', () => {
  const objects = render();
  const clusterRole = only(objects, 'ClusterRole');
  assert.deepEqual(permissionsOfRole(clusterRole), permissionsOfCalls(false));
  assertBound(objects, clusterRole, 'ClusterRoleBinding');
  assertLeaseRole(objects);
  assert.equal(byKind(objects, 'Role').length, 1, 'no other Role');
});

void test('watchNamespaces: a Role per namespace with exactly those calls, no cluster-wide grant', () => {
  const namespaces = ['mcp', 'staging', 'tenant-a'];
  const objects = render({ watchNamespaces: namespaces });
  assert.deepEqual(byKind(objects, 'ClusterRole'), []);
  assert.deepEqual(byKind(objects, 'ClusterRoleBinding'), []);
  const roles = byKind(objects, 'Role').filter((r) => r.metadata.name === FULLNAME);
  assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), [...namespaces].sort());
  for (const role of roles) {
    assert.deepEqual(
      permissionsOfRole(role),
      permissionsOfCalls(false),
      `Role in ${role.metadata.namespace}`,
    );
    assertBound(objects, role, 'RoleBinding');
  }
  assertLeaseRole(objects);
});

void test('rbac.create=false renders no RBAC', () => {
  const none = render({ rbac: { create: false } });
  for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
    assert.deepEqual(byKind(none, kind), [], kind);
  }
});
