/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas, as compiled into the
 * kubernetes-models validators (and @kubernetes-models/prometheus-operator for the monitoring.coreos.com
 * kinds). A kind without a known schema is a failure, so a new template cannot slip past unchecked.
 * Those validators allow unknown fields, which the API server drops or rejects; for the built-in kinds
 * a round trip through @kubernetes/client-node's typed models finds them (a field the model does not
 * know does not come back).
 */
// No `exports` map in the package: its generated model serializer is importable by path.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { KubeObject } from './render-chart.js';

interface Validatable {
  validate(): void;
}

/** client-node model type names of the built-in kinds (for the unknown-field check). */
const CLIENT_NODE_TYPES: Record<string, string> = {
  'apps/v1/Deployment': 'V1Deployment',
  'batch/v1/Job': 'V1Job',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Service': 'V1Service',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'V1CustomResourceDefinition',
};

const MODELS: Record<string, (data: never) => Validatable> = {
  'apps/v1/Deployment': (d) => new Deployment(d),
  'batch/v1/Job': (d) => new Job(d),
  'v1/ConfigMap': (d) => new ConfigMap(d),
  'v1/Service': (d) => new Service(d),
  'v1/ServiceAccount': (d) => new ServiceAccount(d),
  'rbac.authorization.k8s.io/v1/ClusterRole': (d) => new ClusterRole(d),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (d) => new ClusterRoleBinding(d),
  'rbac.authorization.k8s.io/v1/Role': (d) => new Role(d),
  'rbac.authorization.k8s.io/v1/RoleBinding': (d) => new RoleBinding(d),
  'apiextensions.k8s.io/v1/CustomResourceDefinition': (d) => new CustomResourceDefinition(d),
  'monitoring.coreos.com/v1/ServiceMonitor': (d) => new ServiceMonitor(d),
  'monitoring.coreos.com/v1/PrometheusRule': (d) => new PrometheusRule(d),
};

/** undefined when valid, else what is wrong. */
export function validateKubeObject(object: KubeObject): string | undefined {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (model === undefined) return `no schema known for ${object.apiVersion} ${object.kind}`;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(object.metadata.name) || object.metadata.name.length > 253) {
    return `metadata.name ${object.metadata.name} is not a DNS subdomain`;
  }
  try {
    model(object as never).validate();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const typeName = CLIENT_NODE_TYPES[`${object.apiVersion}/${object.kind}`];
  if (typeName === undefined) return undefined;
  const unknown = unknownFields(object, roundTrip(object, typeName), '');
  return unknown.length === 0 ? undefined : `unknown field(s): ${unknown.join(', ')}`;
}

function roundTrip(object: KubeObject, typeName: string): unknown {
  // The generated serializer is typed `any`; its result is only compared, never trusted.
  const typed: unknown = ObjectSerializer.deserialize(object, typeName, '');
  const plain: unknown = ObjectSerializer.serialize(typed, typeName, '');
  return JSON.parse(JSON.stringify(plain)) as unknown;
}

/** Paths present in `original` that did not survive the typed round trip. */
export function unknownFields(original: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(original)) {
    const keptItems: unknown[] = Array.isArray(kept) ? kept : [];
    return original.flatMap((item, i) => unknownFields(item, keptItems[i], `${path}[${i}]`));
  }
  if (typeof original !== 'object' || original === null) return [];
  const keptObject = (typeof kept === 'object' && kept !== null ? kept : {}) as Record<string, unknown>;
  return Object.entries(original).flatMap(([key, value]) => {
    const at = path === '' ? key : `${path}.${key}`;
    if (value === null || value === undefined) return [];
    return key in keptObject ? unknownFields(value, keptObject[key], at) : [at];
  });
}
