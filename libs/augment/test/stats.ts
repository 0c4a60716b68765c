/** Small statistics helpers for the distribution tests (deterministic seeds, fixed bounds). */
import assert from 'node:assert/strict';

/** Two-sided z for the bounds below: a correct sampler fails one check with p ~ 1e-5. */
export const Z = 4.4;

/** |k - n p| <= Z * sqrt(n p (1 - p)): k successes in n draws are consistent with p. */
export function assertBinomial(k: number, n: number, p: number, what: string): void {
  const bound = Z * Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(k - n * p) <= bound, `${what}: ${k}/${n} = ${(k / n).toFixed(4)}, expected ${p} +- ${(bound / n).toFixed(4)}`);
}

/** Chi-square statistic of observed counts against probabilities (bins with p = 0 must be empty). */
export function chiSquare(counts: number[], probs: number[], what: string): { stat: number; df: number } {
  const n = counts.reduce((a, b) => a + b, 0);
  let stat = 0;
  let df = -1;
  counts.forEach((c, i) => {
    if (probs[i] === 0) {
      assert.equal(c, 0, `${what}: bin ${i} has probability 0 but ${c} draws`);
      return;
    }
    stat += (c - n * probs[i]) ** 2 / (n * probs[i]);
    df++;
  });
  return { stat, df };
}

/** Wilson-Hilferty approximation of the chi-square quantile at upper tail z (z = 4.26: p = 1e-5). */
export function chiSquareCritical(df: number, z = 4.26): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

export function assertChiSquare(counts: number[], probs: number[], what: string): void {
  const { stat, df } = chiSquare(counts, probs, what);
  const crit = chiSquareCritical(df);
  assert.ok(stat <= crit, `${what}: chi-square ${stat.toFixed(1)} > ${crit.toFixed(1)} (df ${df}); counts ${counts}`);
}

export function histogram(values: number[], edges: number[]): number[] {
  const counts = new Array(edges.length - 1).fill(0);
  for (const v of values) {
    const i = edges.findIndex((e, j) => j < edges.length - 1 && v >= e && v < edges[j + 1]);
    assert.ok(i >= 0, `value ${v} outside the histogram [${edges[0]}, ${edges[edges.length - 1]})`);
    counts[i]++;
  }
  return counts;
}
