/** One prom-client registry per process, with Node's default metrics and a `service` label. */
import { Registry, collectDefaultMetrics } from 'prom-client';

export type ServiceName = 'augment' | 'teacher' | 'trainer' | 'cli';

export function createRegistry(service: ServiceName): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
