/** The progress line of `disco train`: figures, bar, ETA, and plain lines when not a TTY. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusReply__Output } from '@disco/dataplane';
import { ProgressDisplay, formatDuration, formatStatusLine, progressFigures } from '../src/supervisor/progress_bar.ts';

const status = (over: Partial<StatusReply__Output> = {}): StatusReply__Output => ({
  run: 'demo', state: 'TRAINING', epoch: 1, epochs: 3, step: 10, stepsPerEpoch: 20, globalStep: 30, imagesPerSecond: 64,
  batchesInFlight: 2, batchesReleased: 0, losses: { contrastive: 5.25, distill1: 0.125, distill2: 0.25, total: 17.25 }, lr: 0.03, workers: 1, message: '',
  knnTop1: 0, knnTop5: 0, knnEpoch: 0,
  ...over,
});

test('durations read h/m/s', () => {
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(NaN), '?');
});

test('figures: steps done of all planned, ETA at the current images/s', () => {
  const f = progressFigures(status(), 32);
  assert.equal(f.done, 30);
  assert.equal(f.total, 60);
  assert.equal(f.fraction, 0.5);
  assert.equal(f.etaSeconds, (30 * 32) / 64);
});

test('the line shows epoch, step, bar, images/s, every loss term, lr and ETA', () => {
  assert.equal(
    formatStatusLine(status(), 32, 10),
    'epoch 2/3 step 10/20  [#####-----] 50%  64.0 img/s  loss 17.25 contrastive 5.250 distill1 0.1250 distill2 0.2500  lr 0.0300  ETA 15s',
  );
  assert.match(formatStatusLine(status({ knnTop1: 0.6125, knnTop5: 0.97, knnEpoch: 1 }), 32, 10), /lr 0\.0300  kNN 61\.3%  ETA 15s$/);
  assert.match(formatStatusLine(status({ state: 'STOPPING', losses: {}, imagesPerSecond: 0 }), 32, 0), /^epoch 2\/3 step 10\/20  50%  0\.0 img\/s  ETA \?  stopping$/);
  // The last line of a finished run: the trainer's position is (epoch 3, step 0), the run complete.
  assert.match(formatStatusLine(status({ epoch: 3, step: 0, globalStep: 60, state: 'DONE' }), 32, 10), /^epoch 3\/3 step 20\/20  \[##########\] 100%.*ETA 0s  done$/);
});

test('not a TTY: plain lines, at most one per interval unless the epoch changes', () => {
  const lines: string[] = [];
  const out = { write: (s: string) => lines.push(s), columns: undefined } as unknown as NodeJS.WriteStream;
  const display = new ProgressDisplay({ out, batchSize: 32, tty: false, plainEveryMs: 60_000 });
  display.update(status());
  display.update(status({ step: 11 }));
  display.update(status({ epoch: 2, step: 0 }));
  display.message('hello');
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.endsWith('\n') && !l.includes('\r')));
});
