/**
 * deploy/k8s rendered like `kubectl kustomize` (test/deploy/kustomize.ts) and validated offline:
 * every overlay, and base with each component alone; every object against the Kubernetes (and
 * Prometheus Operator) schemas of kubernetes-models 4.x, with unknown fields refused; disco's
 * project rules; the configs in the ConfigMaps against the trainer's own config schema. A
 * deliberately broken overlay (fixtures/k8s-broken) must be caught, mistake by mistake.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@disco/config';
import { trainerConfigSchema } from '@disco/trainer-service';
import { build, KustomizeError, type Resource } from './kustomize.ts';
import { validateAgainstSchema } from './k8s_schema.ts';
import { projectProblems } from './k8s_rules.ts';
import { DASHBOARD_FILE } from './dashboard.ts';
import { PROMETHEUS_RULE_FILE, prometheusRuleFromFiles } from './prometheus_rule.ts';
import { DEPLOY_DIR } from './prometheus_tools.ts';
import { parse } from 'yaml';

const K8S = join(DEPLOY_DIR, 'k8s');
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

/** Renders base plus the given components through a throw-away kustomization. */
function baseWith(components: string[]): Resource[] {
  const dir = mkdtempSync(join(tmpdir(), 'disco-kustomize-'));
  try {
    const k = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: 'check', resources: [join(K8S, 'base')], components: components.map((c) => join(K8S, 'components', c)) };
    writeFileSync(join(dir, 'kustomization.yaml'), JSON.stringify(k));
    return build(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RENDERS: Record<string, () => Resource[]> = {
  base: () => build(join(K8S, 'base')),
  'overlays/cpu': () => build(join(K8S, 'overlays', 'cpu')),
  'overlays/gpu': () => build(join(K8S, 'overlays', 'gpu')),
  'base + cpu': () => baseWith(['cpu']),
  'base + gpu': () => baseWith(['gpu']),
  'base + autoscaling': () => baseWith(['autoscaling']),
  'base + autoscaling + autoscaling-data-wait': () => baseWith(['autoscaling', 'autoscaling-data-wait']),
  'base + monitoring': () => baseWith(['monitoring']),
  'base + cpu + trainer-data-parallel': () => baseWith(['cpu', 'trainer-data-parallel']),
  grafana: () => build(join(DEPLOY_DIR, 'grafana')),
};

const label = (r: Resource) => `${r.kind}/${r.metadata.name}`;

function allProblems(resources: Resource[], requirePinnedImages: boolean): { schema: string[]; unknownFields: string[]; project: string[] } {
  const schema: string[] = [];
  const unknownFields: string[] = [];
  for (const r of resources) {
    const report = validateAgainstSchema(r);
    schema.push(...report.errors.map((e) => `${label(r)}: ${e}`));
    unknownFields.push(...report.unknownFields.map((f) => `${label(r)} ${f}`));
  }
  return { schema, unknownFields, project: projectProblems(resources, { requirePinnedImages }) };
}

for (const [name, render] of Object.entries(RENDERS)) {
  test(`${name}: renders, and every object passes the schemas, the unknown-field check and the project rules`, () => {
    const resources = render();
    assert.ok(resources.length > 0);
    const problems = allProblems(resources, name.startsWith('overlays/'));
    assert.deepEqual(problems, { schema: [], unknownFields: [], project: [] });
  });
}

const container = (resources: Resource[], kind: string, name: string) => {
  const r = resources.find((x) => x.kind === kind && x.metadata.name === name)!;
  const pod = (r.spec as { template: { spec: Record<string, any> } }).template.spec;
  return { pod, c: pod.containers[0] };
};
const env = (c: { env?: { name: string; value: string }[] }, name: string) => c.env?.find((e) => e.name === name)?.value;

test('overlays/gpu: teacher and trainer on GPU nodes with the GPU image; augment on CPU with the CPU image, autoscaled on CPU and data wait', () => {
  const rs = RENDERS['overlays/gpu']();
  for (const [kind, name] of [['StatefulSet', 'disco-trainer'], ['Deployment', 'disco-teacher']]) {
    const { pod, c } = container(rs, kind, name);
    assert.equal(c.image, 'registry.example.com/disco:0.1.0-gpu', name);
    assert.equal(c.resources.limits['nvidia.com/gpu'], '1', name);
    assert.equal(pod.nodeSelector['nvidia.com/gpu.present'], 'true', name);
    assert.equal(env(c, 'DISCO_BACKEND'), 'tfjs-node-gpu', name);
    assert.equal(env(c, 'DISCO_CONFIG'), '/etc/disco/disco.json', `${name} keeps the base env`);
  }
  assert.equal(env(container(rs, 'Deployment', 'disco-teacher').c, 'DISCO_TEACHER_ENGINE'), 'tfjs');
  const { pod, c } = container(rs, 'Deployment', 'disco-augment');
  assert.equal(c.image, 'registry.example.com/disco:0.1.0-cpu');
  assert.equal(pod.nodeSelector, undefined);
  const hpa = rs.find((r) => r.kind === 'HorizontalPodAutoscaler')!.spec as { metrics: { type: string }[] };
  assert.deepEqual(hpa.metrics.map((m) => m.type), ['Resource', 'Object']);
  assert.ok(rs.some((r) => r.kind === 'PodMonitor') && rs.some((r) => r.kind === 'PrometheusRule'));
});

test('overlays/cpu: no GPU anywhere, the native backend with threads from the CPU request, the CPU image', () => {
  const rs = RENDERS['overlays/cpu']();
  for (const [kind, name] of [['StatefulSet', 'disco-trainer'], ['Deployment', 'disco-teacher'], ['Deployment', 'disco-augment']]) {
    const { c } = container(rs, kind, name);
    assert.equal(c.image, 'registry.example.com/disco:0.1.0-cpu', name);
    assert.equal(JSON.stringify(c.resources).includes('nvidia'), false, name);
  }
  for (const [kind, name, role] of [['StatefulSet', 'disco-trainer', 'trainer'], ['Deployment', 'disco-teacher', 'teacher']]) {
    const { c } = container(rs, kind, name);
    assert.equal(env(c, 'DISCO_BACKEND'), 'native', name);
    const threads = (c.env as { name: string; valueFrom?: { resourceFieldRef?: Record<string, string> } }[]).find((e) => e.name === 'DISCO_NATIVE_THREADS');
    assert.deepEqual(threads?.valueFrom?.resourceFieldRef, { containerName: role, resource: 'requests.cpu', divisor: '1' }, name);
    assert.ok(Number((c.resources as { requests: { cpu: string } }).requests.cpu) >= 2, `${name}: at least 2 cores requested`);
  }
  assert.ok(rs.some((r) => r.kind === 'HorizontalPodAutoscaler'));
});

test("the ConfigMaps' disco.json load with the trainer's config schema, and ports and addresses match the manifests", () => {
  for (const overlay of ['overlays/cpu', 'overlays/gpu']) {
    const rs = RENDERS[overlay]();
    const dir = mkdtempSync(join(tmpdir(), 'disco-config-'));
    try {
      const cm = rs.find((r) => r.kind === 'ConfigMap' && r.metadata.name === 'disco-config')!;
      writeFileSync(join(dir, 'disco.json'), (cm.data as Record<string, string>)['disco.json']);
      const config = loadConfig(trainerConfigSchema, { file: join(dir, 'disco.json'), env: {} });
      for (const [kind, name, section] of [['StatefulSet', 'disco-trainer', 'trainer'], ['Deployment', 'disco-augment', 'augment'], ['Deployment', 'disco-teacher', 'teacher']] as const) {
        const { c } = container(rs, kind, name);
        const ports = Object.fromEntries(c.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
        const want: Record<string, number> = { grpc: config[section].port, metrics: config[section].metricsPort };
        if (section === 'trainer') want.c10d = Number(config.trainer.rendezvous.split(':').pop());
        assert.deepEqual(want, ports, `${overlay} ${name}`);
      }
      const service = (name: string) => rs.find((r) => r.kind === 'Service' && r.metadata.name === name)!.spec as { ports: { name: string; port: number }[] };
      assert.equal(config.augment.trainer, `dns:///disco-trainer:${service('disco-trainer').ports.find((p) => p.name === 'grpc')!.port}`);
      assert.deepEqual(config.augment.teachers, [`dns:///disco-teacher:${service('disco-teacher').ports.find((p) => p.name === 'grpc')!.port}`]);
      const runs = container(rs, 'StatefulSet', 'disco-trainer').c.volumeMounts.find((m: { name: string }) => m.name === 'runs').mountPath;
      assert.ok(config.trainer.runDir.startsWith(`${runs}/`), `${overlay}: runDir ${config.trainer.runDir} on the checkpoint volume ${runs}`);
      assert.equal(config.trainer.exitWhenDone, false, 'a finished trainer must not exit (its pod would restart it)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('trainer-data-parallel: 2 trainer pods, rank from the pod ordinal, rendezvous at pod 0 on the declared c10d port, every worker leasing from both', () => {
  const rs = RENDERS['base + cpu + trainer-data-parallel']();
  const set = rs.find((r) => r.kind === 'StatefulSet' && r.metadata.name === 'disco-trainer')!;
  assert.equal((set.spec as { replicas: number }).replicas, 2);
  const { c: trainer } = container(rs, 'StatefulSet', 'disco-trainer');
  const env = Object.fromEntries(trainer.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
  assert.equal(env.DISCO_TRAINER_WORLD_SIZE, '2');
  assert.deepEqual(env.DISCO_TRAINER_RANK, { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } });
  const cm = rs.find((r) => r.kind === 'ConfigMap' && r.metadata.name === 'disco-config')!;
  const config = JSON.parse((cm.data as Record<string, string>)['disco.json']) as { trainer: { rendezvous: string; port: number } };
  const c10d = trainer.ports.find((p: { name: string }) => p.name === 'c10d').containerPort;
  assert.equal(config.trainer.rendezvous, `disco-trainer-0.disco-trainer:${c10d}`, 'pod 0 through the headless Service, the declared port');
  const service = rs.find((r) => r.kind === 'Service' && r.metadata.name === 'disco-trainer')!.spec as { clusterIP: string; ports: { name: string; port: number }[] };
  assert.equal(service.clusterIP, 'None');
  assert.equal(service.ports.find((p) => p.name === 'c10d')!.port, c10d);
  const { c: augment } = container(rs, 'Deployment', 'disco-augment');
  const trainers = augment.env.find((e: { name: string }) => e.name === 'DISCO_AUGMENT_TRAINER').value.split(',');
  assert.deepEqual(trainers, [0, 1].map((r) => `disco-trainer-${r}.disco-trainer:${config.trainer.port}`));
});

test('the provisioned dashboard and the PrometheusRule are the files in deploy/grafana and deploy/prometheus', () => {
  const rs = RENDERS['overlays/gpu']();
  const dashboards = rs.find((r) => r.metadata.name === 'disco-grafana-dashboards')!;
  assert.equal(dashboards.metadata.labels?.grafana_dashboard, '1');
  assert.equal((dashboards.data as Record<string, string>)['disco-training.json'], readFileSync(DASHBOARD_FILE, 'utf8'));
  const rule = rs.find((r) => r.kind === 'PrometheusRule')!;
  const expected = prometheusRuleFromFiles() as { spec: unknown };
  assert.deepEqual(rule.spec, expected.spec, `${PROMETHEUS_RULE_FILE} is stale: run node --import tsx test/deploy/prometheus_rule.ts --write`);
  assert.deepEqual(parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')), expected);
});

test('a deliberately broken overlay is caught, mistake by mistake', () => {
  const problems = allProblems(build(join(FIXTURES, 'k8s-broken')), true);
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'k8s-broken', 'expected.json'), 'utf8')) as Record<keyof typeof problems, string[]>;
  for (const kind of ['schema', 'unknownFields', 'project'] as const) {
    for (const want of expected[kind]) assert.ok(problems[kind].some((p) => p.startsWith(want)), `${kind}: expected '${want}' among\n  ${problems[kind].join('\n  ')}`);
  }
});

test('the renderer refuses what kustomize refuses: a patch matching nothing, an unknown field, a file outside the directory', () => {
  assert.throws(() => build(join(FIXTURES, 'k8s-bad-patch')), (err: Error) => err instanceof KustomizeError && /typo\.yaml: matches no resource/.test(err.message));
  const dir = mkdtempSync(join(tmpdir(), 'disco-kustomize-'));
  try {
    writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresource:\n  - x.yaml\n');
    assert.throws(() => build(dir), /field 'resource' is unknown/);
    writeFileSync(join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${join(K8S, 'base', 'trainer.yaml')}\n`);
    assert.throws(() => build(dir), /outside the kustomization's directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
