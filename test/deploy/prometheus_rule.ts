/**
 * The Prometheus Operator's copy of our rules: deploy/k8s/components/monitoring/prometheus-rule.yaml
 * holds deploy/prometheus/rules/*.yml as a PrometheusRule. The rule files are the source; after
 * editing them run
 *   node --import tsx test/deploy/prometheus_rule.ts --write
 * (k8s.test.ts fails while the two differ).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEPLOY_DIR, PROMETHEUS_DIR } from './prometheus_tools.ts';

export const PROMETHEUS_RULE_FILE = join(DEPLOY_DIR, 'k8s', 'components', 'monitoring', 'prometheus-rule.yaml');

export function prometheusRuleFromFiles(): Record<string, unknown> {
  const dir = join(PROMETHEUS_DIR, 'rules');
  const groups = readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .flatMap((f) => (parse(readFileSync(join(dir, f), 'utf8')) as { groups: unknown[] }).groups);
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'disco', labels: { 'app.kubernetes.io/name': 'disco' } },
    spec: { groups },
  };
}

if (process.argv.includes('--write')) {
  const header = '# Generated from deploy/prometheus/rules/*.yml by test/deploy/prometheus_rule.ts --write. Do not edit.\n';
  writeFileSync(PROMETHEUS_RULE_FILE, header + stringify(prometheusRuleFromFiles(), { lineWidth: 0 }));
  process.stdout.write(`wrote ${PROMETHEUS_RULE_FILE}\n`);
}
