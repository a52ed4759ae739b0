/**
 * The API resources the fake API server serves: one row per resource, as API discovery describes them.
 */
import { GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from '../../src/operator/types.js';

export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: `jobs`. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  /** Has a /status subresource: main writes keep the old status, status writes keep everything else. */
  readonly statusSubresource: boolean;
  /** Bumps metadata.generation on spec changes (kinds with a spec). */
  readonly hasSpec: boolean;
  /** A PUT without metadata.resourceVersion is refused (custom resources), instead of unconditional. */
  readonly requireResourceVersionOnUpdate: boolean;
  readonly shortNames: readonly string[];
  /**
   * What a DELETE without propagationPolicy does to dependents: Background for most kinds, Orphan for
   * batch/v1 Jobs (their pods keep running, with the Job's ownerReference removed).
   */
  readonly defaultPropagation: 'Background' | 'Orphan';
  /** DELETE only marks it (deletionTimestamp) until its kubelet removes it (pods: graceful termination). */
  readonly gracefulDeletion: boolean;
}

function builtin(
  group: string,
  version: string,
  resource: string,
  kind: string,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced: true,
    statusSubresource: false,
    hasSpec: false,
    requireResourceVersionOnUpdate: false,
    shortNames: [],
    defaultPropagation: 'Background',
    gracefulDeletion: false,
    ...extra,
  };
}

export const INDEX_MIGRATIONS: ResourceType = {
  group: GROUP,
  version: VERSION,
  resource: PLURAL,
  singular: SINGULAR,
  kind: KIND,
  listKind: LIST_KIND,
  namespaced: true,
  statusSubresource: true,
  hasSpec: true,
  requireResourceVersionOnUpdate: true,
  shortNames: [SHORT_NAME],
  defaultPropagation: 'Background',
  gracefulDeletion: false,
};

export const JOBS = builtin('batch', 'v1', 'jobs', 'Job', {
  statusSubresource: true,
  hasSpec: true,
  defaultPropagation: 'Orphan',
});
export const PODS = builtin('', 'v1', 'pods', 'Pod', {
  statusSubresource: true,
  hasSpec: true,
  shortNames: ['po'],
  gracefulDeletion: true,
});
export const SECRETS = builtin('', 'v1', 'secrets', 'Secret');
export const CONFIG_MAPS = builtin('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] });
export const CORE_EVENTS = builtin('', 'v1', 'events', 'Event', { shortNames: ['ev'] });
export const EVENTS = builtin('events.k8s.io', 'v1', 'events', 'Event', { shortNames: ['ev'] });
export const LEASES = builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', { hasSpec: true });
export const CUSTOM_RESOURCE_DEFINITIONS = builtin(
  'apiextensions.k8s.io',
  'v1',
  'customresourcedefinitions',
  'CustomResourceDefinition',
  { namespaced: false, statusSubresource: true, hasSpec: true, shortNames: ['crd', 'crds'] },
);

export const RESOURCE_TYPES: readonly ResourceType[] = [
  INDEX_MIGRATIONS,
  JOBS,
  PODS,
  SECRETS,
  CONFIG_MAPS,
  CORE_EVENTS,
  EVENTS,
  LEASES,
  CUSTOM_RESOURCE_DEFINITIONS,
];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** `batch/jobs`, `/secrets` for the core group: how stores and request counters name a resource. */
export function resourceKey(t: Pick<ResourceType, 'group' | 'resource'>): string {
  return `${t.group}/${t.resource}`;
}

export function findResourceType(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
}

/** kubectl-style `resource[.group]`: `jobs`, `jobs.batch`, `events.events.k8s.io`, `indexmigrations`. */
export interface ResourceName {
  readonly resource: string;
  /** undefined: any group. */
  readonly group: string | undefined;
}

export function parseResourceName(name: string): ResourceName {
  const dot = name.indexOf('.');
  return dot < 0
    ? { resource: name, group: undefined }
    : { resource: name.slice(0, dot), group: name.slice(dot + 1) };
}

export function matchesResourceName(
  t: Pick<ResourceType, 'group' | 'resource'>,
  name: ResourceName,
): boolean {
  return t.resource === name.resource && (name.group === undefined || t.group === name.group);
}

/** The resource type a kubectl-style name stands for; an unqualified `events` is the core one. */
export function resourceTypeByName(name: string): ResourceType {
  const parsed = parseResourceName(name);
  const found = RESOURCE_TYPES.find((t) => matchesResourceName(t, parsed));
  if (!found) throw new Error(`fake API server: unknown resource ${name}`);
  return found;
}
