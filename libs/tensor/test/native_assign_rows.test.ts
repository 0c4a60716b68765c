/**
 * `assignRows` (MoCo's enqueue): on 'native' the queue's own buffer is written in place once it
 * is libtorch memory held by the variable alone, and never while anything else refers to it
 * (a clone, a reshape, a slice view): those see the old values. Every write equals the
 * slices-and-concat it replaces (run on cpu).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assignRows, lastAssignRowsInPlace } from '@disco/tensor';
import { nativeSuite, runOn, values } from './native_compare.ts';

/** Writes three batches of 4 rows into an [16, 3] variable; returns its values after each. */
function writes(): tf.Tensor[] {
  const v = tf.variable(tf.tensor2d(values(48, 1), [16, 3]), false); // [16, 3]
  const out: tf.Tensor[] = [];
  for (const [i, start] of [0, 12, 4].entries()) {
    assignRows(v, tf.tensor2d(values(12, 10 + i), [4, 3]), start); // [4, 3] at start
    out.push(tf.clone(v));
  }
  v.dispose();
  return out;
}

await nativeSuite('assign rows', () => {
  test('the writes equal the composed ops on cpu', async () => {
    const want = await runOn('cpu', writes);
    const got = await runOn('native', writes);
    assert.deepEqual(got, want);
  });

  test('on native the second write is in place; a clone, a reshape or a slice view keeps it out of place', () => {
    tf.setBackend('native');
    tf.tidy(() => {
      const v = tf.variable(tf.tensor2d(values(48, 2), [16, 3]), false); // JavaScript memory at first
      assignRows(v, tf.ones([4, 3]), 0);
      assert.equal(lastAssignRowsInPlace(), false, 'a JavaScript buffer is replaced by a native one');
      assignRows(v, tf.ones([4, 3]), 4);
      assert.equal(lastAssignRowsInPlace(), true, 'then written in place');
      for (const hold of [() => tf.clone(v), () => tf.reshape(v, [48]), () => tf.slice(v, [0, 0], [2, 3])]) {
        const held = hold();
        const before = held.dataSync().slice();
        assignRows(v, tf.fill([4, 3], 7), 8);
        assert.equal(lastAssignRowsInPlace(), false);
        assert.deepEqual(held.dataSync(), before, 'what was held is unchanged');
        held.dispose();
        assignRows(v, tf.fill([4, 3], 9), 12); // makes the buffer native again
      }
      assert.deepEqual(Array.from(v.dataSync()).slice(24, 27), [7, 7, 7]);
      v.dispose();
    });
  });

  test('rows that do not fit are refused', () => {
    tf.tidy(() => assert.throws(() => assignRows(tf.variable(tf.zeros([8, 3])), tf.zeros([4, 3]), 6), /at row 6 do not fit a \[8,3\]/));
  });
});
