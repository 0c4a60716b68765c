/**
 * Explicit name maps from checkpoint keys to our module's names. Every key of a checkpoint
 * must be accounted for by exactly one rule — renamed, or dropped with a stated reason — so
 * nothing is ignored silently; keys no rule covers are reported as unknown.
 *
 * Sources:
 * - `moco-v2`: MoCo-v2 release checkpoints (`module.encoder_q.*`, `module.encoder_k.*`,
 *   `module.queue`, `module.queue_ptr`; the `module.` prefix of DataParallel optional).
 *   `encoder_q.fc.*` is the projection head, the rest of `encoder_q.*` the backbone.
 * - `torchvision`: a torchvision model's state dict (backbone names at the top level);
 *   `fc.*` / `classifier.*` that the backbone does not have are its classifier (dropped for a
 *   backbone, the projection head for an encoder).
 * - `swav`: SwAV release checkpoints (a plain state dict: `module.<resnet names>`,
 *   `module.projection_head.*` with BatchNorm, `module.prototypes.weight`). Backbone only: the
 *   SwAV head has no disco counterpart, so the projection head and prototypes are dropped.
 * - `disco`: our own names (`backbone.*`, `fc.*` for an encoder; bare names for a backbone).
 */
export type SourceFormat = 'moco-v2' | 'torchvision' | 'swav' | 'disco';
export type ImportTarget = 'encoder' | 'backbone';

export interface DroppedKey {
  key: string;
  reason: string;
}

export interface NameMapResult {
  /** Checkpoint key → our name, in checkpoint order. */
  mapped: Map<string, string>;
  dropped: DroppedKey[];
  /** Keys no rule accounts for. */
  unknown: string[];
}

interface Rule {
  pattern: RegExp;
  /** Replacement for `pattern` (String.replace syntax), or… */
  rename?: string;
  /** …the reason the key is dropped. */
  drop?: string;
  /** Skipped when the module has a tensor named `skipIfModuleHas + key` (e.g. MobileNet's classifier.0). */
  skipIfModuleHas?: string;
}

const Q = String.raw`^(?:module\.)?encoder_q\.`;
const DROP_BN_COUNTER: Rule = {
  pattern: /(^|\.)num_batches_tracked$/,
  drop: "BatchNorm batch counter (only used by PyTorch when momentum=None; disco's BatchNorm uses momentum 0.1)",
};
const MOCO_EXTRAS: Rule[] = [
  { pattern: /^(?:module\.)?encoder_k\./, drop: 'MoCo key encoder (a momentum copy of encoder_q; a student rebuilds its own)' },
  { pattern: /^(?:module\.)?queue$/, drop: 'MoCo queue of negative keys (training state, not weights)' },
  { pattern: /^(?:module\.)?queue_ptr$/, drop: 'MoCo queue pointer (training state, not weights)' },
];

const RULES: Record<SourceFormat, Partial<Record<ImportTarget, Rule[]>>> = {
  'moco-v2': {
    encoder: [DROP_BN_COUNTER, ...MOCO_EXTRAS, { pattern: new RegExp(`${Q}fc\\.`), rename: 'fc.' }, { pattern: new RegExp(Q), rename: 'backbone.' }],
    backbone: [
      DROP_BN_COUNTER,
      ...MOCO_EXTRAS,
      { pattern: new RegExp(`${Q}fc\\.`), drop: 'MoCo projection head (the target is the backbone alone)' },
      { pattern: new RegExp(Q), rename: '' },
    ],
  },
  torchvision: {
    encoder: [
      DROP_BN_COUNTER,
      { pattern: /^fc\./, rename: 'fc.' },
      { pattern: /^classifier\./, drop: 'torchvision classifier (not part of the backbone)', skipIfModuleHas: 'backbone.' },
      { pattern: /^/, rename: 'backbone.' },
    ],
    backbone: [
      DROP_BN_COUNTER,
      { pattern: /^(fc|classifier)\./, drop: 'torchvision classifier or projection head (not part of the backbone)', skipIfModuleHas: '' },
      { pattern: /^/, rename: '' },
    ],
  },
  swav: {
    backbone: [
      DROP_BN_COUNTER,
      { pattern: /^(?:module\.)?projection_head\./, drop: 'SwAV projection head (Linear-BN-ReLU-Linear; not part of the backbone)' },
      { pattern: /^(?:module\.)?prototypes\./, drop: 'SwAV prototypes (training-time clustering weights)' },
      { pattern: /^(?:module\.)?/, rename: '' },
    ],
  },
  disco: {
    encoder: [DROP_BN_COUNTER, { pattern: /^/, rename: '' }],
    backbone: [DROP_BN_COUNTER, { pattern: /^/, rename: '' }],
  },
};

/** Guesses the source format from the keys: MoCo / SwAV prefixes, our encoder prefix, else torchvision. */
export function detectSource(keys: readonly string[]): SourceFormat {
  if (keys.some((k) => /^(?:module\.)?encoder_q\./.test(k))) return 'moco-v2';
  if (keys.some((k) => /^(?:module\.)?prototypes\./.test(k))) return 'swav';
  if (keys.length && keys.every((k) => k.startsWith('backbone.') || k.startsWith('fc.'))) return 'disco';
  return 'torchvision';
}

/** Applies the rules of `source → target` to every key; `moduleHas` tells the module's names. */
export function mapNames(keys: readonly string[], source: SourceFormat, target: ImportTarget, moduleHas: (name: string) => boolean): NameMapResult {
  const rules = RULES[source][target];
  if (!rules) {
    throw new RangeError(`a '${source}' checkpoint cannot fill an ${target}: its projection head has no disco counterpart; import it with target 'backbone'`);
  }
  const result: NameMapResult = { mapped: new Map(), dropped: [], unknown: [] };
  for (const key of keys) {
    const rule = rules.find((r) => r.pattern.test(key) && !(r.skipIfModuleHas !== undefined && moduleHas(r.skipIfModuleHas + key)));
    if (!rule) result.unknown.push(key);
    else if (rule.drop !== undefined) result.dropped.push({ key, reason: rule.drop });
    else result.mapped.set(key, key.replace(rule.pattern, rule.rename!));
  }
  return result;
}
