/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas, as compiled into the
 * kubernetes-models validators (and @kubernetes-models/prometheus-operator for the monitoring.coreos.com
 * kinds). A kind without a known schema is a failure, so a new template cannot slip past unchecked.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
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

const MODELS: Record<string, (data: never) => Validatable> = {
  'apps/v1/Deployment': (d) => new Deployment(d),
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
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
