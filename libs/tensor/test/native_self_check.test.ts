/**
 * The 'native' backend's start-up self-check (src/native/self_check.ts): it passes on this
 * machine's engine, and an engine whose 1×1 stride-2 weight gradient is wrong — the bug oneDNN
 * 2.6 has on AVX2 CPUs, imitated by perturbing the addon's result — is refused: initBackend
 * falls back to wasm and records why (what `disco info` prints), and a forced 'native' fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SELF_CHECK_CASES, selfCheckNative } from '../src/native/self_check.ts';
import { nativeSuite } from './native_compare.ts';

/** A child process whose addon adds `delta` to the first value of every strided 1×1 filter gradient. */
function initWithBrokenFilterGrad(env: Record<string, string>, delta: number): { status: number | null; stdout: string; stderr: string } {
  const script = `
    import { loadNativeAddon } from './libs/tensor/src/native/addon.ts';
    import { initBackend } from '@disco/tensor';
    const addon = loadNativeAddon();
    const real = addon.conv2dBackpropFilter;
    addon.conv2dBackpropFilter = (x, xs, dy, dys, spec, fs) => {
      const dw = real(x, xs, dy, dys, spec, fs);
      if (fs[0] === 1 && fs[1] === 1 && spec[0] > 1) dw[0] += ${delta};
      return dw;
    };
    try { console.log(JSON.stringify(await initBackend())); } catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, DISCO_BACKEND: '', ...env }, encoding: 'utf8', cwd: new URL('../../../', import.meta.url).pathname,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

await nativeSuite('native self-check', () => {
  test('the self-check passes on this machine, covering strided 1×1, asymmetric padding, the stem, depthwise and max-pool', () => {
    selfCheckNative('native');
    const labels = SELF_CHECK_CASES.map((c) => c.label).join(' | ');
    for (const want of [/1×1 stride 2, 4→8/, /asymmetric/, /7×7/, /depthwise/, /max-pool/]) assert.match(labels, want);
  });

  test('an engine with a wrong strided 1×1 filter gradient is refused: disco falls back to wasm and says why', () => {
    const r = initWithBrokenFilterGrad({}, 0.5);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; attempts: { name: string; ok: boolean; reason?: string }[] };
    assert.equal(info.name, 'wasm');
    const native = info.attempts.find((a) => a.name === 'native');
    assert.equal(native?.ok, false);
    assert.match(native?.reason ?? '', /native self-check failed: conv 1×1 stride 2, 4→8 channels differs from the cpu backend by/);
  });

  test('a perturbation inside the tolerance passes, and forcing a refused native is an error, not a fallback', () => {
    assert.equal(JSON.parse(initWithBrokenFilterGrad({}, 1e-6).stdout.trim().split('\n').pop()!).name, 'native');
    const forced = JSON.parse(initWithBrokenFilterGrad({ DISCO_BACKEND: 'native' }, 0.5).stdout.trim().split('\n').pop()!) as { error?: string };
    assert.match(forced.error ?? '', /native: native self-check failed/);
  });
});
