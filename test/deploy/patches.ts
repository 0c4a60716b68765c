/**
 * The two patch kinds kustomize applies, for the Kubernetes kinds disco's manifests use:
 * - strategic merge (maps merge, `null` deletes a key, lists of containers/env/volumes/ports/...
 *   merge by their Kubernetes merge key, other lists are replaced; `$patch: delete|replace`);
 * - JSON 6902 (`add`, `remove`, `replace`, `test` on JSON pointers).
 * Anything outside that subset is an error rather than a silent misrender.
 */

export class PatchError extends Error {
  override name = 'PatchError';
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** patchMergeKey of the list fields we merge (Kubernetes API types); other lists are atomic. */
function mergeKeyFor(field: string, items: Json[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'ports':
      // Container ports merge on containerPort, Service ports on port.
      return items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

function mergeList(field: string, base: Json[], patch: Json[], where: string): Json[] {
  const key = mergeKeyFor(field, [...base, ...patch]);
  if (!key) {
    if (patch.some((p) => isObject(p) && '$patch' in p)) throw new PatchError(`${where}: $patch in list '${field}', which has no merge key`);
    return structuredClone(patch);
  }
  const out = structuredClone(base);
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined) throw new PatchError(`${where}.${field}: every item needs its merge key '${key}'`);
    const at = out.findIndex((b) => isObject(b) && b[key] === item[key]);
    const directive = item.$patch;
    if (directive === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (directive !== undefined && directive !== 'replace' && directive !== 'merge') throw new PatchError(`${where}.${field}: unsupported $patch '${String(directive)}'`);
    if (at < 0 || directive === 'replace') {
      const { $patch: _drop, ...rest } = item;
      if (at < 0) out.push(rest);
      else out[at] = rest;
    } else {
      out[at] = mergeObject(out[at] as JsonObject, item, `${where}.${field}[${key}=${String(item[key])}]`);
    }
  }
  return out;
}

function mergeObject(base: JsonObject, patch: JsonObject, where: string): JsonObject {
  if (patch.$patch === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: JsonObject = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') {
      if (v !== 'merge') throw new PatchError(`${where}: unsupported $patch '${String(v)}'`);
      continue;
    }
    if (k.startsWith('$')) throw new PatchError(`${where}: unsupported directive ${k}`);
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = mergeObject(out[k] as JsonObject, v, `${where}.${k}`);
    else if (Array.isArray(v) && Array.isArray(out[k])) out[k] = mergeList(k, out[k] as Json[], v, where);
    else if (isObject(v)) out[k] = mergeObject({}, v, `${where}.${k}`);
    else out[k] = structuredClone(v);
  }
  return out;
}

/** Strategic merge of `patch` into `target` (neither is modified). */
export function strategicMerge<T extends object>(target: T, patch: object, where = ''): T {
  return mergeObject(target as unknown as JsonObject, patch as JsonObject, where) as unknown as T;
}

export interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`JSON pointer '${path}' must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies RFC 6902 operations (add, remove, replace, test) to a copy of `target`. */
export function jsonPatch<T extends object>(target: T, ops: readonly JsonPatchOp[], where = ''): T {
  const doc = structuredClone(target) as unknown as JsonObject;
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop();
    if (last === undefined) throw new PatchError(`${where}: ${op.op} on the whole document is not supported`);
    let parent: Json = doc;
    for (const p of parts) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(p)] : isObject(parent) ? parent[p] : undefined;
      if (next === undefined || next === null || typeof next !== 'object') throw new PatchError(`${where}: ${op.op} ${op.path}: no object at /${parts.join('/')}`);
      parent = next;
    }
    const container = parent as JsonObject | Json[];
    const exists = Array.isArray(container) ? last === '-' || Number(last) < container.length : last in container;
    switch (op.op) {
      case 'add':
        if (Array.isArray(container)) container.splice(last === '-' ? container.length : Number(last), 0, structuredClone(op.value) as Json);
        else container[last] = structuredClone(op.value) as Json;
        break;
      case 'remove':
      case 'replace':
        if (!exists) throw new PatchError(`${where}: ${op.op} ${op.path}: the path does not exist`);
        if (op.op === 'remove') {
          if (Array.isArray(container)) container.splice(Number(last), 1);
          else delete container[last];
        } else if (Array.isArray(container)) container[Number(last)] = structuredClone(op.value) as Json;
        else container[last] = structuredClone(op.value) as Json;
        break;
      case 'test': {
        const actual = Array.isArray(container) ? container[Number(last)] : container[last];
        if (JSON.stringify(actual) !== JSON.stringify(op.value)) throw new PatchError(`${where}: test ${op.path} failed: ${JSON.stringify(actual)} is not ${JSON.stringify(op.value)}`);
        break;
      }
      default:
        throw new PatchError(`${where}: JSON patch op '${op.op}' is not supported (add, remove, replace, test)`);
    }
  }
  return doc as unknown as T;
}
