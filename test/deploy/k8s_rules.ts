/**
 * disco's own rules for rendered manifests, beyond what the API schemas say (what a cluster
 * would accept but an operator would regret):
 * every container has gRPC readiness and liveness probes on its declared gRPC port, CPU and
 * memory requests and limits, a non-root, read-only, unprivileged security context and a
 * writable /tmp; and the objects point at each other correctly (Services, PDBs, HPAs and
 * PodMonitors select real pods and ports, volumes and ConfigMaps exist, the Prometheus
 * annotations name the metrics port). Returns one line per problem.
 */
import type { Resource } from './kustomize.ts';

/** Manifests are untyped JSON here. */
type Obj = Record<string, any>;

export interface RuleOptions {
  /** Overlays must pin images (`registry/disco:tag`); the base keeps the `disco` placeholder. */
  requirePinnedImages: boolean;
}

interface Workload {
  r: Resource;
  podLabels: Record<string, string>;
  pod: Obj;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);

function workloads(resources: Resource[]): Workload[] {
  return resources
    .filter((r) => WORKLOAD_KINDS.has(r.kind))
    .map((r) => {
      const spec = r.spec as Obj;
      return { r, podLabels: spec.template?.metadata?.labels ?? {}, pod: spec.template?.spec ?? {} };
    });
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

function containerProblems(w: Workload, c: Obj, options: RuleOptions): string[] {
  const at = `${w.r.kind}/${w.r.metadata.name} container ${c.name}`;
  const out: string[] = [];
  const ports = new Map<string, number>((c.ports ?? []).map((p: Obj) => [p.name, p.containerPort]));
  const grpcPort = ports.get('grpc');
  if (grpcPort === undefined) out.push(`${at}: no container port named grpc`);
  if (!ports.has('metrics')) out.push(`${at}: no container port named metrics`);
  for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
    const p = c[probe];
    if (!p) out.push(`${at}: no ${probe}`);
    else if (p.grpc?.port !== grpcPort) out.push(`${at}: ${probe} is not a gRPC probe on the grpc port ${grpcPort} (grpc.health.v1)`);
  }
  if (c.startupProbe && c.startupProbe.grpc?.port !== grpcPort) out.push(`${at}: startupProbe is not a gRPC probe on the grpc port`);
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) if (!c.resources?.[kind]?.[resource]) out.push(`${at}: no ${resource} ${kind}`);
  }
  const gpuRequest = c.resources?.requests?.['nvidia.com/gpu'];
  if (gpuRequest !== undefined && gpuRequest !== c.resources?.limits?.['nvidia.com/gpu']) out.push(`${at}: nvidia.com/gpu requests and limits must be equal`);
  const sc = c.securityContext ?? {};
  if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: readOnlyRootFilesystem is not true`);
  if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation is not false`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: capabilities do not drop ALL`);
  if (sc.privileged === true) out.push(`${at}: privileged`);
  const runAsNonRoot = sc.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot;
  if (runAsNonRoot !== true) out.push(`${at}: runAsNonRoot is not true`);
  const uid = sc.runAsUser ?? w.pod.securityContext?.runAsUser;
  if (uid === undefined || uid === 0) out.push(`${at}: no non-zero runAsUser (the image's user must not matter)`);
  const seccomp = sc.seccompProfile?.type ?? w.pod.securityContext?.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}: no RuntimeDefault seccomp profile`);
  const tmp = (c.volumeMounts ?? []).find((m: Obj) => m.mountPath === '/tmp');
  const tmpVolume = (w.pod.volumes ?? []).find((v: Obj) => v.name === tmp?.name);
  if (!tmpVolume?.emptyDir) out.push(`${at}: /tmp is not an emptyDir (the root file system is read-only)`);
  const volumeNames = new Set<string>([...(w.pod.volumes ?? []).map((v: Obj) => v.name), ...((w.r.spec as Obj).volumeClaimTemplates ?? []).map((v: Obj) => v.metadata?.name)]);
  for (const m of c.volumeMounts ?? []) if (!volumeNames.has(m.name)) out.push(`${at}: volumeMount ${m.name} has no volume`);
  const image: string = c.image ?? '';
  if (options.requirePinnedImages && !/^[a-z0-9.-]+(:\d+)?\/[^:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/.test(image)) out.push(`${at}: image '${image}' is not pinned to a registry and a tag`);
  if (/:latest$/.test(image)) out.push(`${at}: image '${image}' uses :latest`);
  const annotations = (w.r.spec as Obj).template?.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] !== 'true' || Number(annotations['prometheus.io/port']) !== ports.get('metrics')) {
    out.push(`${at}: prometheus.io/scrape and prometheus.io/port must announce the metrics port ${ports.get('metrics')}`);
  }
  return out;
}

export function projectProblems(resources: Resource[], options: RuleOptions): string[] {
  const out: string[] = [];
  const ws = workloads(resources);
  const byKindName = (kind: string, name: string) => resources.find((r) => r.kind === kind && r.metadata.name === name);
  for (const w of ws) {
    const at = `${w.r.kind}/${w.r.metadata.name}`;
    const containers: Obj[] = w.pod.containers ?? [];
    if (containers.length === 0) out.push(`${at}: no containers`);
    for (const c of containers) out.push(...containerProblems(w, c, options));
    if (!selects((w.r.spec as Obj).selector?.matchLabels, w.podLabels)) out.push(`${at}: selector does not match its pod template`);
    if (w.podLabels['app.kubernetes.io/part-of'] !== 'disco') out.push(`${at}: pods lack app.kubernetes.io/part-of: disco (Prometheus discovery needs it)`);
    if (!w.pod.serviceAccountName || !byKindName('ServiceAccount', w.pod.serviceAccountName)) out.push(`${at}: service account '${w.pod.serviceAccountName}' is not in the render`);
    for (const v of w.pod.volumes ?? []) if (v.configMap && !byKindName('ConfigMap', v.configMap.name)) out.push(`${at}: ConfigMap ${v.configMap.name} is not in the render`);
    if (w.r.kind === 'StatefulSet') {
      const svc = byKindName('Service', (w.r.spec as Obj).serviceName);
      if (!svc || (svc.spec as Obj).clusterIP !== 'None') out.push(`${at}: serviceName must name a headless Service in the render`);
    }
  }
  for (const svc of resources.filter((r) => r.kind === 'Service')) {
    const spec = svc.spec as Obj;
    const at = `Service/${svc.metadata.name}`;
    if (spec.clusterIP !== 'None') out.push(`${at}: not headless (clients balance over pod addresses themselves)`);
    const targets = ws.filter((w) => selects(spec.selector, w.podLabels));
    if (targets.length === 0) out.push(`${at}: selects no pods`);
    for (const p of spec.ports ?? []) {
      const named = targets.some((w) => (w.pod.containers ?? []).some((c: Obj) => (c.ports ?? []).some((cp: Obj) => cp.name === p.targetPort || cp.containerPort === p.targetPort)));
      if (!named) out.push(`${at}: targetPort ${p.targetPort} is no container port of the selected pods`);
    }
  }
  for (const pdb of resources.filter((r) => r.kind === 'PodDisruptionBudget')) {
    if (!ws.some((w) => selects((pdb.spec as Obj).selector?.matchLabels, w.podLabels))) out.push(`PodDisruptionBudget/${pdb.metadata.name}: selects no pods`);
  }
  for (const hpa of resources.filter((r) => r.kind === 'HorizontalPodAutoscaler')) {
    const ref = (hpa.spec as Obj).scaleTargetRef;
    const target = byKindName(ref.kind, ref.name);
    if (!target) out.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: scale target ${ref.kind}/${ref.name} is not in the render`);
    else if ((target.spec as Obj).replicas !== undefined) out.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: ${ref.kind}/${ref.name} still sets replicas (kubectl apply would fight the autoscaler)`);
  }
  for (const pm of resources.filter((r) => r.kind === 'PodMonitor')) {
    const spec = pm.spec as Obj;
    const pods = ws.filter((w) => selects(spec.selector?.matchLabels, w.podLabels));
    if (pods.length === 0) out.push(`PodMonitor/${pm.metadata.name}: selects no pods`);
    for (const e of spec.podMetricsEndpoints ?? []) {
      for (const w of pods) if (!(w.pod.containers ?? []).some((c: Obj) => (c.ports ?? []).some((p: Obj) => p.name === e.port))) out.push(`PodMonitor/${pm.metadata.name}: ${w.r.metadata.name} has no port ${e.port}`);
    }
  }
  const namespaces = new Set(resources.filter((r) => r.kind !== 'Namespace').map((r) => r.metadata.namespace ?? ''));
  if (namespaces.size > 1) out.push(`objects spread over namespaces ${[...namespaces].join(', ')}`);
  return out;
}
