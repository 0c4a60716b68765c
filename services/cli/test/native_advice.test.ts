/**
 * Where the native engine is missing, `disco info` and `disco train` say once how much faster it
 * would be and the one command that installs it. A machine without the addon is simulated by
 * pointing disco at a variant that is never built (DISCO_NATIVE_SANITIZE=undefined: the addon
 * path of an unbuilt undefined-behaviour-sanitizer variant).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const UNBUILT = fileURLToPath(new URL('../../../libs/tensor/native/build-sanitize-undefined/build/Release/disco_tensor_native.node', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_')));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', ...args], { env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

const ADVICE = /disco runs on wasm here: the native engine \(libtorch\) trains ~8× faster on this CPU.*Get it with: sudo apt-get install libtorch-dev g\+\+ && npm run build -w libs\/tensor\/native/;

test('without the addon, disco info runs on wasm and says once how to get the native engine', async () => {
  assert.ok(!existsSync(UNBUILT), 'the simulated machine has no addon');
  const r = await run([CLI, 'info'], { DISCO_NATIVE_SANITIZE: 'undefined' });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^backend: wasm/m);
  assert.equal(r.out.match(new RegExp(ADVICE.source, 'g'))?.length, 1);
  const forced = await run([CLI, 'info'], { DISCO_NATIVE_SANITIZE: 'undefined', DISCO_BACKEND: 'wasm' });
  assert.doesNotMatch(forced.out, ADVICE, 'a backend chosen on purpose gets no advice');
});

test('disco train predicts the same before starting its roles; with the addon there is nothing to say', async () => {
  const script = "import { predictedNativeAdvice } from '@disco/tensor'; console.log(JSON.stringify(predictedNativeAdvice() ?? null));";
  const missing = await run(['--input-type=module', '-e', script], { DISCO_NATIVE_SANITIZE: 'undefined' });
  assert.match(JSON.parse(missing.out.trim().split('\n').pop()!), ADVICE);
  const present = await run(['--input-type=module', '-e', script], {});
  const nativeBuilt = existsSync(fileURLToPath(new URL('../../../libs/tensor/native/build/Release/disco_tensor_native.node', import.meta.url)));
  assert.equal(JSON.parse(present.out.trim().split('\n').pop()!) === null, nativeBuilt);
});
