#!/usr/bin/env node
// `npm test`: lint (Nx boundaries), typecheck, then every project's tests through Nx, one at a
// time (2 cores). Output streams through; the closing line sums the runners' own counts.
import { spawn } from 'node:child_process';

function run(cmd, args, onLine) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.on('data', (chunk) => {
        const text = chunk.toString();
        (stream === child.stdout ? process.stdout : process.stderr).write(text);
        buf += text;
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const line of lines) onLine?.(line);
      });
    }
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const steps = [
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['typecheck', 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json', '--noEmit']],
];
for (const [name, cmd, args] of steps) {
  const code = await run(cmd, args);
  if (code !== 0) {
    console.error(`run-all: ${name} failed (exit ${code})`);
    process.exit(code);
  }
}

let passed = 0;
let failed = 0;
const extra = process.argv.slice(2);
const code = await run('npx', ['--no-install', 'nx', 'run-many', '-t', 'test', '--output-style=static', '--parallel=1', ...extra], (line) => {
  const m = /^# (pass|fail) (\d+)\s*$/.exec(line.trim());
  if (m) (m[1] === 'pass' ? (passed += Number(m[2])) : (failed += Number(m[2])));
});
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
