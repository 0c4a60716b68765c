/** The lease window with fake time: window bound, plan order, expiry, re-lease, exactly-once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseWindow, batchKey, type PlannedBatch } from '@disco/dataplane';

function setup(window = 3, leaseMs = 100) {
  let now = 1000;
  let n = 0;
  const w = new LeaseWindow<string>({ window, leaseMs, now: () => now, newLeaseId: () => `L${n++}` });
  const plan: PlannedBatch<string>[] = Array.from({ length: 6 }, (_, step) => ({ id: { run: 'r', epoch: 0, step }, spec: `s${step}` }));
  w.extend(plan);
  return { w, plan, key: (step: number) => batchKey(plan[step].id), advance: (ms: number) => (now += ms) };
}

test('hands out batches in plan order, never more than `window` in flight', () => {
  const { w, key } = setup();
  const leases = [w.acquire('a'), w.acquire('b'), w.acquire('a')];
  assert.deepEqual(leases.map((l) => l?.key), [key(0), key(1), key(2)]);
  assert.equal(w.acquire('b'), undefined, 'window of 3 is full');
  // Delivered but not consumed still counts against the window.
  assert.equal(w.complete(key(1), leases[1]!.leaseId), 'accepted');
  assert.equal(w.acquire('b'), undefined);
  // Consuming out of order does not slide the window past an untrained batch.
  w.consume(key(1));
  assert.equal(w.acquire('b'), undefined);
  assert.equal(w.complete(key(0), leases[0]!.leaseId), 'accepted');
  w.consume(key(0));
  // Positions 0 and 1 are gone: 3 and 4 may go out.
  assert.deepEqual([w.acquire('b')?.key, w.acquire('b')?.key, w.acquire('b')], [key(3), key(4), undefined]);
  assert.deepEqual(w.stats(), { planned: 6, consumed: 2, pending: 1, leased: 3, delivered: 0, released: 0 });
});

test('an expired lease goes back and is handed out again before later batches', () => {
  const { w, key, advance } = setup(4, 100);
  const a = w.acquire('a')!;
  advance(50);
  const b = w.acquire('b')!;
  assert.equal(w.nextDeadline(), a.deadline);
  advance(60); // a expired, b not
  const again = w.acquire('c')!;
  assert.equal(again.key, key(0));
  assert.notEqual(again.leaseId, a.leaseId);
  assert.equal(w.check(key(0), a.leaseId), 'superseded');
  assert.equal(w.check(key(0), again.leaseId), 'current');
  assert.equal(w.check(key(1), b.leaseId), 'current');
  assert.equal(w.stats().released, 1);
});

test('the first complete delivery of a batch wins, under any lease issued for it', () => {
  const { w, key, advance } = setup(3, 100);
  const old = w.acquire('a')!;
  advance(150);
  const fresh = w.acquire('b')!;
  assert.equal(fresh.key, key(0));
  assert.equal(w.complete(key(0), old.leaseId), 'accepted', 'the slow worker finished first');
  assert.equal(w.complete(key(0), fresh.leaseId), 'duplicate');
  assert.equal(w.check(key(0), fresh.leaseId), 'delivered');
  assert.equal(w.complete(key(0), 'never-issued'), 'duplicate');
  assert.equal(w.complete(key(1), 'never-issued'), 'stale');
  assert.equal(w.check(key(1), 'never-issued'), 'unknown-lease');
  assert.equal(w.check('r/9/9', 'x'), 'unknown-batch');
  w.consume(key(0));
  assert.equal(w.check(key(0), old.leaseId), 'consumed');
  assert.equal(w.complete(key(0), old.leaseId), 'duplicate');
});

test('a worker that leaves gives its leases back at once', () => {
  const { w, key } = setup(4);
  w.acquire('a');
  w.acquire('b');
  w.acquire('a');
  const back = w.releaseWorker('a');
  assert.deepEqual(back.map((l) => l.key), [key(0), key(2)]);
  assert.deepEqual(w.leases().map((l) => l.workerId), ['b']);
  assert.equal(w.acquire('c')?.key, key(0));
  const held = w.leases().find((l) => l.workerId === 'c')!;
  assert.equal(w.releaseLease('b', held.leaseId), false, "only the holder can give a lease back");
  assert.equal(w.releaseLease('c', held.leaseId), true);
  assert.equal(w.acquire('d')?.key, key(0));
});

test('every planned batch is handed out and consumed exactly once over a random schedule', () => {
  const { w, plan, advance } = setup(3, 30);
  const consumed: string[] = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const held: { key: string; leaseId: string }[] = [];
  for (let tick = 0; tick < 10_000 && !w.drained; tick++) {
    advance(Math.floor(rnd() * 20));
    const lease = w.acquire(rnd() < 0.5 ? 'a' : 'b');
    if (lease) held.push(lease);
    if (held.length && rnd() < 0.4) {
      const [d] = held.splice(Math.floor(rnd() * held.length), 1);
      w.complete(d.key, d.leaseId);
    }
    const head = w.head();
    if (head && w.check(batchKey(head.id), '') === 'delivered') {
      w.consume(batchKey(head.id));
      consumed.push(batchKey(head.id));
    }
  }
  assert.deepEqual(consumed, plan.map((p) => batchKey(p.id)));
});

test('misuse fails loudly', () => {
  const { w, key, plan } = setup();
  assert.throws(() => w.extend([plan[0]]), /already planned/);
  assert.throws(() => w.consume(key(0)), /pending, not delivered/);
  assert.throws(() => new LeaseWindow({ window: 0, leaseMs: 1 }), /window 0/);
});
