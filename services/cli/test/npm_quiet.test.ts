/**
 * `npm run disco -- …` / `npx disco …` print nothing of npm's own: the project's npm
 * configuration holds no key npm does not know (onnxruntime-node's CUDA download is denied
 * through package.json's `allowScripts` instead of a custom .npmrc key, which npm 11 warned
 * about on every command), and the optional package is still installed and loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('npm run disco -- info prints no npm warning', async () => {
  const { stderr, code } = await new Promise<{ stderr: string; code: number }>((resolve) => {
    execFile('npm', ['run', 'disco', '--', 'info'], { cwd: ROOT }, (err, _stdout, stderr) => resolve({ stderr, code: err ? 1 : 0 }));
  });
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /npm warn/i);
});

test("onnxruntime-node's install script is denied by allowScripts, and the package is installed and loads", () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { allowScripts: Record<string, boolean> };
  assert.equal(pkg.allowScripts['onnxruntime-node'], false);
  assert.ok(!existsSync(`${ROOT}.npmrc`) || !/onnxruntime/.test(readFileSync(`${ROOT}.npmrc`, 'utf8')));
  const ort = createRequire(import.meta.url)('onnxruntime-node') as { InferenceSession?: unknown };
  assert.ok(ort.InferenceSession, 'onnxruntime-node loads (its CPU binaries ship in the package)');
});
