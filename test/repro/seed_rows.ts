/**
 * The per-seed view of the main pair: for each training seed, MoCo-v2's and DisCo's final
 * students and that seed's initial weights (both modes of one seed start from the same weights
 * and see the same plan and augmentation, so their difference is paired).
 */
import type { EvalEntry, Results } from './results.ts';

export interface SeedRow {
  seed: number;
  init: EvalEntry | null;
  mocov2: EvalEntry | null;
  disco: EvalEntry | null;
}

/** MoCo-v2 and DisCo per training seed, with that seed's initial weights (complete rows only). */
export function seedRows(res: Results): SeedRow[] {
  const base = Math.min(...Object.values(res.runs).map((r) => r.seed));
  const seeds = [...new Set(Object.values(res.runs).filter((r) => r.mode === 'mocov2').map((r) => r.seed))].sort((a, b) => a - b);
  const name = (mode: string, seed: number) => (seed === base ? mode : `${mode}-s${seed}`);
  return seeds
    .map((seed) => ({
      seed,
      init: res.references[seed === base ? 'random-init' : `random-init-s${seed}`] ?? null,
      mocov2: res.runs[name('mocov2', seed)]?.eval ?? null,
      disco: res.runs[name('disco', seed)]?.eval ?? null,
    }))
    .filter((r) => r.init && r.mocov2 && r.disco);
}
