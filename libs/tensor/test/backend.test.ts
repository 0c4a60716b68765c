/** Backend selection runs once per process, so each case runs in a child process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function selectIn(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = "import { initBackend } from '@disco/tensor'; const i = await initBackend(); console.log(JSON.stringify(i));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('with nothing forced, the best available backend is chosen and the others say why not', () => {
  const r = selectIn({ DISCO_BACKEND: '' });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  const order = ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu'];
  const chosen = order.indexOf(info.name);
  assert.ok(chosen >= 0);
  // Every backend before the chosen one was tried and failed with a reason.
  assert.deepEqual(info.attempts.map((a: { name: string }) => a.name), order.slice(0, chosen + 1));
  for (const a of info.attempts.slice(0, -1)) assert.ok(!a.ok && a.reason.length > 0, JSON.stringify(a));
  assert.equal(info.forcedBy, undefined);
});

test('DISCO_BACKEND=cpu forces the cpu backend', () => {
  const r = selectIn({ DISCO_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.name, 'cpu');
  assert.equal(info.tfjsName, 'cpu');
  assert.equal(info.forcedBy, 'DISCO_BACKEND');
});

test('DISCO_BACKEND=wasm forces wasm', () => {
  const r = selectIn({ DISCO_BACKEND: 'wasm' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).tfjsName, 'wasm');
});

test('an unknown DISCO_BACKEND is an error naming the value and the valid names', () => {
  const r = selectIn({ DISCO_BACKEND: 'tpu' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /DISCO_BACKEND='tpu' is not one of tfjs-node-gpu, tfjs-node, native, wasm, cpu/);
});

test('a forced backend that cannot start is an error, not a silent fallback', () => {
  const r = selectIn({ DISCO_BACKEND: 'tfjs-node' });
  if (r.status === 0) {
    // Where libtensorflow could be installed, the forced backend really is tfjs-node.
    assert.equal(JSON.parse(r.stdout).tfjsName, 'tensorflow');
  } else {
    assert.match(r.stderr, /no tfjs backend could start \(tfjs-node: /);
    assert.doesNotMatch(r.stdout, /"name"/);
  }
});
