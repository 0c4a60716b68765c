/**
 * A subset of `kustomize build` (kubectl kustomize), enough for deploy/k8s: resources (files and
 * kustomization directories), components, configMapGenerator (create/replace/merge, unhashed
 * names), patches (strategic merge or JSON 6902, inline or from a file, with or without a
 * target), namespace, labels (metadata, optionally pod templates) and images. Kustomize's order:
 * resources → components (each runs its own generators and transformers on everything so far)
 * → generators → patches → namespace → labels → images. A field outside the subset, a file
 * outside the kustomization's directory, a patch matching nothing or a duplicate resource is a
 * KustomizeError, never ignored.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, isAbsolute } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { jsonPatch, strategicMerge, type JsonPatchOp } from './patches.ts';

export class KustomizeError extends Error {
  override name = 'KustomizeError';
}

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
}

interface Kustomization {
  apiVersion: string;
  kind: 'Kustomization' | 'Component';
  namespace?: string;
  resources?: string[];
  components?: string[];
  patches?: { path?: string; patch?: string; target?: Selector }[];
  configMapGenerator?: { name: string; behavior?: 'create' | 'replace' | 'merge'; files?: string[]; literals?: string[]; options?: GeneratorOptions }[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}
interface GeneratorOptions {
  disableNameSuffixHash?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'patches', 'configMapGenerator', 'labels', 'images']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'APIService']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

const id = (r: Resource) => `${r.apiVersion}/${r.kind}/${r.metadata.namespace ?? '~'}/${r.metadata.name}`;
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const versionOf = (apiVersion: string) => apiVersion.split('/').at(-1)!;

function readKustomization(dir: string): Kustomization {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const k = parse(readFileSync(file, 'utf8')) as Kustomization;
  for (const field of Object.keys(k)) if (!SUPPORTED.has(field)) throw new KustomizeError(`${file}: field '${field}' is unknown or outside the supported subset`);
  const expected = k.kind === 'Component' ? 'kustomize.config.k8s.io/v1alpha1' : 'kustomize.config.k8s.io/v1beta1';
  if (k.kind !== 'Kustomization' && k.kind !== 'Component') throw new KustomizeError(`${file}: kind '${String(k.kind)}' is neither Kustomization nor Component`);
  if (k.apiVersion !== expected) throw new KustomizeError(`${file}: a ${k.kind} has apiVersion ${expected}, not ${k.apiVersion}`);
  return k;
}

/** A file named in a kustomization: must lie inside its directory (kustomize's load restrictor). */
function fileIn(dir: string, path: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new KustomizeError(`${dir}: file '${path}' is outside the kustomization's directory`);
  if (!existsSync(full)) throw new KustomizeError(`${dir}: file '${path}' does not exist`);
  return full;
}

function readResources(file: string): Resource[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: Resource[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new KustomizeError(`${file}: ${doc.errors[0].message}`);
    const r = doc.toJS() as Resource | null;
    if (r === null) continue;
    if (!r.apiVersion || !r.kind || !r.metadata?.name) throw new KustomizeError(`${file}: every object needs apiVersion, kind and metadata.name`);
    out.push(r);
  }
  return out;
}

function matches(r: Resource, s: Selector): boolean {
  if (s.kind && s.kind !== r.kind) return false;
  if (s.name && s.name !== r.metadata.name) return false;
  if (s.group !== undefined && s.group !== groupOf(r.apiVersion)) return false;
  if (s.version && s.version !== versionOf(r.apiVersion)) return false;
  if (s.namespace && s.namespace !== r.metadata.namespace) return false;
  if (s.labelSelector) {
    for (const term of s.labelSelector.split(',')) {
      const [k, v] = term.split('=').map((x) => x.trim());
      if (r.metadata.labels?.[k] !== v) return false;
    }
  }
  return true;
}

function generateConfigMaps(dir: string, k: Kustomization, acc: Resource[]): void {
  for (const g of k.configMapGenerator ?? []) {
    if (g.options?.disableNameSuffixHash !== true) throw new KustomizeError(`${dir}: configMap ${g.name}: only unhashed names are supported (options.disableNameSuffixHash: true)`);
    const data: Record<string, string> = {};
    for (const entry of g.files ?? []) {
      const [key, path] = entry.includes('=') ? entry.split('=', 2) : [basename(entry), entry];
      data[key] = readFileSync(fileIn(dir, path), 'utf8');
    }
    for (const literal of g.literals ?? []) {
      const eq = literal.indexOf('=');
      if (eq < 1) throw new KustomizeError(`${dir}: configMap ${g.name}: literal '${literal}' is not key=value`);
      data[literal.slice(0, eq)] = literal.slice(eq + 1);
    }
    const existing = acc.findIndex((r) => r.kind === 'ConfigMap' && r.metadata.name === g.name);
    const behavior = g.behavior ?? 'create';
    if (behavior === 'create' && existing >= 0) throw new KustomizeError(`${dir}: configMap ${g.name} already exists (use behavior: replace or merge)`);
    if (behavior !== 'create' && existing < 0) throw new KustomizeError(`${dir}: configMap ${g.name} (behavior ${behavior}) has nothing to ${behavior}`);
    const old = existing >= 0 ? acc[existing] : undefined;
    const metadata = { ...(old?.metadata ?? {}), name: g.name } as Resource['metadata'];
    if (g.options?.labels) metadata.labels = { ...metadata.labels, ...g.options.labels };
    if (g.options?.annotations) metadata.annotations = { ...metadata.annotations, ...g.options.annotations };
    const merged = behavior === 'merge' ? { ...(old?.data as Record<string, string>), ...data } : data;
    const cm: Resource = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: merged };
    if (existing >= 0) acc[existing] = cm;
    else acc.push(cm);
  }
}

function applyPatches(dir: string, k: Kustomization, acc: Resource[]): void {
  for (const [i, p] of (k.patches ?? []).entries()) {
    const text = p.path ? readFileSync(fileIn(dir, p.path), 'utf8') : p.patch;
    if (!text) throw new KustomizeError(`${dir}: patches[${i}] has neither path nor patch`);
    const body = parse(text) as unknown;
    const where = `${dir}: patch ${p.path ?? `#${i}`}`;
    const own = body as Partial<Resource>;
    const selector: Selector | undefined = p.target ?? (Array.isArray(body) ? undefined : { kind: own.kind, name: own.metadata?.name });
    if (!selector) throw new KustomizeError(`${where}: a JSON 6902 patch needs a target`);
    const targets = acc.map((r, at) => ({ r, at })).filter(({ r }) => matches(r, selector));
    if (targets.length === 0) throw new KustomizeError(`${where}: matches no resource (${JSON.stringify(selector)})`);
    for (const { r, at } of targets) {
      if (Array.isArray(body)) acc[at] = jsonPatch(r, body as JsonPatchOp[], where);
      else {
        const { apiVersion: _a, kind: _k, ...rest } = own;
        const patched = strategicMerge(r, { ...rest, metadata: { ...rest.metadata, name: r.metadata.name } }, where);
        acc[at] = patched;
      }
    }
  }
}

function podSpecs(r: Resource): Record<string, unknown>[] {
  const spec = r.spec as Record<string, any> | undefined;
  if (r.kind === 'Pod') return spec ? [spec] : [];
  if (r.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
  return WORKLOADS.has(r.kind) && spec?.template?.spec ? [spec.template.spec] : [];
}

/** `name[:tag][@digest]`, where the name may carry a registry with a port. */
function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [ref, digest] = image.split('@');
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
  return { name: ref, digest };
}

function applyTransformers(k: Kustomization, acc: Resource[]): void {
  if (k.namespace) for (const r of acc) if (!CLUSTER_SCOPED.has(r.kind)) r.metadata.namespace = k.namespace;
  for (const set of k.labels ?? []) {
    if (set.includeSelectors) throw new KustomizeError('labels with includeSelectors are outside the supported subset (selectors are immutable; keep them in the manifests)');
    for (const r of acc) {
      r.metadata.labels = { ...r.metadata.labels, ...set.pairs };
      const template = (r.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
      if (set.includeTemplates && WORKLOADS.has(r.kind) && template) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...set.pairs } };
    }
  }
  for (const image of k.images ?? []) {
    for (const spec of acc.flatMap(podSpecs)) {
      for (const c of [...((spec.containers as { image?: string }[]) ?? []), ...((spec.initContainers as { image?: string }[]) ?? [])]) {
        if (!c.image) continue;
        const ref = splitImage(c.image);
        if (ref.name !== image.name) continue;
        const tag = image.newTag ?? ref.tag;
        const digest = image.digest ?? (image.newTag ? undefined : ref.digest);
        c.image = `${image.newName ?? ref.name}${tag && !image.digest ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
      }
    }
  }
}

/** Adds the kustomization in `dir` (a Kustomization, or a Component applied to `acc`) to `acc`. */
function accumulate(dir: string, acc: Resource[], asComponent: boolean): void {
  const k = readKustomization(dir);
  if (asComponent !== (k.kind === 'Component')) throw new KustomizeError(`${dir}: a ${k.kind} listed as a ${asComponent ? 'component' : 'resource'}`);
  for (const entry of k.resources ?? []) {
    const full = resolve(dir, entry);
    if (existsSync(full) && statSync(full).isDirectory()) acc.push(...build(full));
    else acc.push(...readResources(fileIn(dir, entry)));
  }
  for (const entry of k.components ?? []) accumulate(resolve(dir, entry), acc, true);
  const seen = new Set<string>();
  for (const r of acc) {
    if (seen.has(id(r))) throw new KustomizeError(`${dir}: ${r.kind} ${r.metadata.name} is defined twice`);
    seen.add(id(r));
  }
  generateConfigMaps(dir, k, acc);
  applyPatches(dir, k, acc);
  applyTransformers(k, acc);
}

/** `kustomize build dir`: the rendered objects. */
export function build(dir: string): Resource[] {
  const acc: Resource[] = [];
  accumulate(resolve(dir), acc, false);
  return acc;
}
