/**
 * Every rendered object against the Kubernetes OpenAPI schemas that `kubernetes-models` 4.x
 * compiles (and the Prometheus Operator's CRD schemas), plus the check those schemas skip:
 * unknown fields. The compiled validators read every property their schema defines (each
 * `void 0 === data.x` test is a read); we hand them the object behind a Proxy that records the
 * reads, so a key the validator never looked at is a key the schema does not define (a typo such
 * as `readinessProbes`, or a field at the wrong level), found at any depth.
 */
import { ServiceAccount, Service, ConfigMap, Namespace } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { Resource } from './kustomize.ts';

interface Validatable {
  prototype: { validate(): void };
}

/** apiVersion/kind → model; a kind missing here cannot be validated and is an error. */
const MODELS: Record<string, Validatable> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Wraps `value` so that every property read is recorded in `reads` under its JSON path. */
function tracked(value: unknown, path: string, reads: Map<string, Set<string>>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const seen = reads.get(path) ?? new Set<string>();
  reads.set(path, seen);
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(target, key)) return child;
      seen.add(key);
      return tracked(child, `${path}/${key}`, reads);
    },
  });
}

function unreadKeys(value: unknown, path: string, reads: Map<string, Set<string>>, out: string[]): void {
  if (typeof value !== 'object' || value === null) return;
  const seen = reads.get(path);
  for (const [key, child] of Object.entries(value)) {
    if (!seen?.has(key)) {
      out.push(`${path}/${key}`);
      continue;
    }
    unreadKeys(child, `${path}/${key}`, reads, out);
  }
}

export interface SchemaReport {
  /** Schema violations (types, required fields, formats, enums). */
  errors: string[];
  /** JSON paths of keys the schema does not define. */
  unknownFields: string[];
}

export function validateAgainstSchema(r: Resource): SchemaReport {
  const model = MODELS[`${r.apiVersion}/${r.kind}`];
  if (!model) return { errors: [`no schema for ${r.apiVersion} ${r.kind}: add its model to test/deploy/k8s_schema.ts`], unknownFields: [] };
  const reads = new Map<string, Set<string>>();
  const errors: string[] = [];
  try {
    model.prototype.validate.call(tracked(r, '', reads));
  } catch (err) {
    errors.push((err as Error).message);
  }
  // The validators collect all errors (they keep reading after one), so this holds either way.
  const unknownFields: string[] = [];
  unreadKeys(r, '', reads, unknownFields);
  return { errors, unknownFields };
}
