/**
 * The native addon's c10d collectives (ProcessGroupGloo over a TCPStore) between real
 * processes on loopback: the store carries keys between ranks; all-reduce averages, all-gather
 * concatenates in rank order, broadcast copies rank 0's; a rank that never arrives is a clear
 * rendezvous error within the timeout, and a rank that dies mid-run makes the others' next
 * collective fail within the timeout instead of hanging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { distributedSupport } from '@disco/tensor';
import { nativeSuite } from './native_compare.ts';

const CHILD = fileURLToPath(new URL('./dist_child.ts', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function rank(args: (string | number)[]): Promise<{ code: number | null; json: Record<string, unknown>; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{')) ?? `{"raw": ${JSON.stringify(out)}}`;
      resolve({ code, json: JSON.parse(line), ms: Date.now() - t0 });
    });
  });
}

await nativeSuite('distributed', () => {
  test('the addon has c10d (gloo)', () => {
    const s = distributedSupport();
    assert.ok(s.available, s.reason);
  });

  test('two ranks: store keys, all-reduce mean, all-gather in rank order, broadcast from rank 0', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const [a, b] = await Promise.all([rank([0, 2, address, 30000]), rank([1, 2, address, 30000])]);
    assert.equal(a.code, 0, JSON.stringify(a.json));
    assert.equal(b.code, 0, JSON.stringify(b.json));
    assert.equal(a.json.other, 'from 1');
    assert.equal(b.json.other, 'from 0');
    const want = Array.from({ length: 8 }, (_, i) => (i % 7) + 0.5); // mean of (i%7)+0 and (i%7)+1
    assert.deepEqual(a.json.meanHead, want);
    assert.deepEqual(b.json.meanHead, want);
    assert.equal(a.json.meanLength, 1_000_003);
    assert.deepEqual(a.json.gathered, [0, 0.5, 1, 1.5]);
    assert.deepEqual(b.json.gathered, [0, 0.5, 1, 1.5]);
    assert.deepEqual(b.json.bcast, [10, 20]);
  });

  test('a rank that never arrives: rank 0 gives up at the timeout, naming the rendezvous', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const a = await rank([0, 2, address, 3000, 'join']);
    assert.equal(a.code, 1);
    assert.match(String(a.json.error), new RegExp(`rendezvous of 2 trainer replicas at ${address.replace('.', '\\.')} \\(rank 0\\) failed within 3000 ms`));
    assert.ok(a.ms < 20_000, `took ${a.ms} ms`);
  });

  test('a rank killed after joining: the survivor fails within the timeout instead of hanging', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const [a, b] = await Promise.all([rank([0, 2, address, 4000, 'die-after-join']), rank([1, 2, address, 4000, 'die-after-join'])]);
    assert.equal(b.code, null, 'rank 1 was killed');
    assert.equal(a.code, 1, JSON.stringify(a.json));
    assert.match(String(a.json.error), /failed \(a replica is gone or too slow\)/);
    assert.ok(a.ms < 30_000, `took ${a.ms} ms`);
  });
});
