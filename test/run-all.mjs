#!/usr/bin/env node
// `npm test`: lint (Nx boundaries), typecheck, then every project's tests through Nx, one at a
// time (2 cores, and most tests use both: side by side they only slow each other down). Output
// streams through a whole line at a time; the closing lines list failures and sum the counts.
import { spawn } from 'node:child_process';

function run(cmd, args, onLine) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      const out = stream === child.stdout ? process.stdout : process.stderr;
      stream.on('data', (chunk) => {
        buf += chunk.toString();
        const lines = buf.split('\n');
        buf = lines.pop();
        if (lines.length) out.write(lines.join('\n') + '\n');
        for (const line of lines) onLine?.(line);
      });
      stream.on('end', () => {
        if (buf) {
          out.write(buf + '\n');
          onLine?.(buf);
        }
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
/** Each failing test's name, project and first error line, repeated at the end (CI shows the tail). */
const failures = [];

const extra = process.argv.slice(2);

/** Runs Nx; its lines are parsed for the counts and the failures. */
function runTests(args) {
  let project = '';
  let pendingFailure;
  return run('npx', ['--no-install', 'nx', 'run-many', '-t', 'test', '--output-style=static', '--parallel=1', ...args], (line) => {
    const text = line.replace(/\x1b\[[0-9;]*m/g, '').trim(); // Nx colours its headers
    const target = /^> nx run ([\w.-]+):test/.exec(text);
    if (target) project = target[1];
    const m = /^# (pass|fail) (\d+)$/.exec(text);
    if (m) (m[1] === 'pass' ? (passed += Number(m[2])) : (failed += Number(m[2])));
    const notOk = /^not ok \d+ - (.*)$/.exec(text);
    if (notOk) failures.push((pendingFailure = { project, name: notOk[1], error: '' }));
    else if (pendingFailure && !pendingFailure.error && /^error: /.test(text)) pendingFailure.error = /^error: [|>]-?$/.test(text) ? '…' : text.slice(7, 400);
    else if (pendingFailure?.error === '…' && text) pendingFailure.error = text.slice(0, 400);
    else if (pendingFailure && /^(ok|not ok) \d+|^# Subtest/.test(text)) pendingFailure = undefined;
  });
}

const code = await runTests(extra);
if (failures.length) {
  console.log('\nfailed tests:');
  for (const f of failures) console.log(`  ${f.project}: ${f.name}${f.error ? `\n      ${f.error}` : ''}`);
}
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
