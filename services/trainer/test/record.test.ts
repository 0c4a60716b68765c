/** The record of trained batches: appended per step, cut back to a checkpoint on resume. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordError, TrainRecord, readRecord, type RecordLine } from '../src/record.ts';

const dir = mkdtempSync(join(tmpdir(), 'disco-record-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const line = (globalStep: number): RecordLine => ({
  globalStep, epoch: 0, step: globalStep, batch: `r/0/${globalStep}`, loss: 1.5, terms: { contrastive: 1 }, lr: 0.1, images: 4,
  dataWaitSeconds: 0, computeSeconds: 0.1, time: 0,
});

test('appends lines; reopening at a checkpoint keeps only the steps it holds', () => {
  const path = join(dir, 'a.jsonl');
  const r = new TrainRecord(path, 0);
  for (let i = 0; i < 5; i++) r.append(line(i));
  r.sync();
  r.close();
  assert.equal(readRecord(path).length, 5);
  const resumed = new TrainRecord(path, 3);
  resumed.append(line(3));
  resumed.close();
  assert.deepEqual(readRecord(path).map((l) => l.globalStep), [0, 1, 2, 3]);
});

test('a torn last line (crash mid-write) is ignored and cut off', () => {
  const path = join(dir, 'b.jsonl');
  writeFileSync(path, JSON.stringify(line(0)) + '\n');
  appendFileSync(path, '{"globalStep":1,"ep');
  assert.equal(readRecord(path).length, 1);
  const r = new TrainRecord(path, 1);
  r.append(line(1));
  r.close();
  assert.deepEqual(readRecord(path).map((l) => l.globalStep), [0, 1]);
});

test('a record shorter than the checkpoint, or out of sequence, is refused', () => {
  const path = join(dir, 'c.jsonl');
  writeFileSync(path, JSON.stringify(line(0)) + '\n');
  assert.throws(() => new TrainRecord(path, 2), (e: Error) => e instanceof RecordError && /1 lines but the checkpoint holds 2/.test(e.message));
  writeFileSync(path, JSON.stringify(line(0)) + '\n' + JSON.stringify(line(5)) + '\n');
  assert.throws(() => new TrainRecord(path, 2), (e: Error) => e instanceof RecordError && /line 2 has globalStep 5/.test(e.message));
  writeFileSync(path, 'nope\n' + JSON.stringify(line(0)) + '\n');
  assert.throws(() => readRecord(path), (e: Error) => e instanceof RecordError && /line 1 is not JSON/.test(e.message));
});
