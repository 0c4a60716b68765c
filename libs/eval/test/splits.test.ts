import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelFractionSplit, countForFraction, EvalInputError } from '@disco/eval';

/** Class sizes 1300, 1250, 7, 1, 0 (absent), 35: labels in a scrambled order. */
function labels(): Int32Array {
  const sizes = [1300, 1250, 7, 1, 0, 35];
  const out: number[] = [];
  sizes.forEach((n, c) => {
    for (let i = 0; i < n; i++) out.push(c);
  });
  // A fixed interleaving so class members are not contiguous.
  return Int32Array.from(out.map((l, i) => ({ l, k: (i * 7919) % out.length })).sort((a, b) => a.k - b.k).map((x) => x.l));
}

test('per-class counts are round(f·n_c), at least 1, at most n_c', () => {
  const y = labels();
  const one = labelFractionSplit(y, 0.01, 0);
  assert.deepEqual([...one.perClass], [13, 13, 1, 1, 0, 1]); // 12.5 rounds up; tiny classes keep 1
  const ten = labelFractionSplit(y, 0.1, 0);
  assert.deepEqual([...ten.perClass], [130, 125, 1, 1, 0, 4]); // 0.7 → 1, 3.5 → 4
  const all = labelFractionSplit(y, 1, 0);
  assert.deepEqual([...all.perClass], [1300, 1250, 7, 1, 0, 35]);
  for (const s of [one, ten]) {
    const counted = new Array(6).fill(0);
    for (const i of s.indices) counted[y[i]]++;
    assert.deepEqual(counted, [...s.perClass]);
  }
  assert.equal(countForFraction(10, 0.05), 1);
});

test('splits are disjoint from their rest, cover everything, and are sorted', () => {
  const y = labels();
  const s = labelFractionSplit(y, 0.1, 3);
  const seen = new Set<number>();
  for (const i of [...s.indices, ...s.rest]) {
    assert.ok(!seen.has(i), `index ${i} appears twice`);
    seen.add(i);
  }
  assert.equal(seen.size, y.length);
  for (const arr of [s.indices, s.rest]) for (let i = 1; i < arr.length; i++) assert.ok(arr[i - 1] < arr[i]);
});

test('splits are deterministic per seed, differ across seeds, and nest across fractions', () => {
  const y = labels();
  assert.deepEqual(labelFractionSplit(y, 0.1, 5).indices, labelFractionSplit(y, 0.1, 5).indices);
  assert.notDeepEqual(labelFractionSplit(y, 0.1, 5).indices, labelFractionSplit(y, 0.1, 6).indices);
  const small = new Set(labelFractionSplit(y, 0.01, 5).indices);
  const large = new Set(labelFractionSplit(y, 0.1, 5).indices);
  for (const i of small) assert.ok(large.has(i), `1 % index ${i} missing from the 10 % split`);
});

test('bad fractions and labels are rejected by name', () => {
  assert.throws(() => labelFractionSplit([0, 1], 0, 0), /fraction=0/);
  assert.throws(() => labelFractionSplit([0, 1], 1.5, 0), EvalInputError);
  assert.throws(() => labelFractionSplit([0, -1], 0.5, 0), /labels\[1\]=-1/);
  assert.throws(() => labelFractionSplit([0, 1], 0.5, -2), /seed=-2/);
});
