/**
 * The Nx boundary rules must really fire (the rule silently skips without a project graph):
 * lint probe files placed in real projects and expect exactly the violations we forbid.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

before(() => {
  // Writes the project graph that @nx/enforce-module-boundaries reads.
  execFileSync('node_modules/.bin/nx', ['show', 'projects'], { stdio: 'ignore' });
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

test('a lib importing the cli app is refused', async () => {
  const errors = await boundaryErrors('libs/tensor/src/probe.ts', "import '@disco/cli';\n");
  assert.equal(errors.length, 1, `expected one boundary error, got ${JSON.stringify(errors)}`);
});

test('a low lib importing a higher lib is refused (tensor → models)', async () => {
  const errors = await boundaryErrors('libs/tensor/src/probe.ts', "import { ResNet } from '@disco/models';\nexport const r = ResNet;\n");
  assert.equal(errors.length, 1, `expected one boundary error, got ${JSON.stringify(errors)}`);
});

test('models importing tensor is allowed', async () => {
  const errors = await boundaryErrors('libs/models/src/probe.ts', "import { initBackend } from '@disco/tensor';\nexport const f = initBackend;\n");
  assert.deepEqual(errors, []);
});

test('the whole tree lints clean', async () => {
  const results = await eslint.lintFiles(['libs', 'services', 'test']);
  const problems = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.message}`));
  assert.deepEqual(problems, []);
});
