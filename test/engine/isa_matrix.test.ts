/**
 * The native engine on every CPU code path this machine has, and under AddressSanitizer.
 *
 * libtorch hands convolutions to oneDNN, which picks a code path by the CPU's instruction set:
 * a machine with AVX-512 never runs the AVX2 kernels its users on AVX2-only CPUs get (one of
 * those computed wrong 1×1 stride-2 weight gradients and corrupted the heap; CI was green on an
 * AVX-512 machine). So the native kernel tests, the PyTorch parity steps, save/restore and the
 * replay of every model layer's geometry run here once per oneDNN ISA cap the CPU allows
 * (DNNL_MAX_CPU_ISA = SSE41, AVX2, AVX512_CORE, and unset: the CPU's best) with 1 and 2 libtorch
 * threads, under glibc's checking allocator (MALLOC_CHECK_=3). Each run's oneDNN is asked which
 * ISA it dispatched to (ONEDNN_VERBOSE), so a cap that silently did nothing fails; ATen's own
 * kernels are capped alongside (ATEN_CPU_CAPABILITY = default, avx2, avx512).
 *
 * Then the kernel tests and the PyTorch parity steps (full train steps in every mode) against
 * the addon built with -fsanitize=address (built here if needed, ~2 min;
 * `DISCO_NATIVE_SANITIZE=address npm run build -w libs/tensor/native`), libasan preloaded, the
 * block cache off so every allocation passes through the sanitizer: zero reports.
 *
 * Every combination is a real child process; this file only starts them and reads their exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nativeSkipNote } from '@disco/tensor';

const ROOT = resolve(import.meta.dirname, '../..');
const ADDON = join(ROOT, 'libs/tensor/native/build/Release/disco_tensor_native.node');
const ASAN_ADDON = join(ROOT, 'libs/tensor/native/build-sanitize-address/build/Release/disco_tensor_native.node');

/** The test files each combination runs, in one process (one start-up instead of fifteen). */
function suiteFiles(): string[] {
  // Every kernel test (tensor's and models' own test commands leave these to this matrix: its
  // uncapped 2-thread run is their normal one); not the c10d one (collectives do not go through
  // oneDNN) nor the self-check's (it tests the refusal path, in child processes of its own).
  const tensorTests = readdirSync(join(ROOT, 'libs/tensor/test'))
    .filter((f) => /^native_.*\.test\.ts$/.test(f) && f !== 'native_distributed.test.ts' && f !== 'native_self_check.test.ts')
    .map((f) => join(ROOT, 'libs/tensor/test', f));
  return [
    ...tensorTests,
    join(ROOT, 'libs/disco/test/parity.test.ts'),
    join(ROOT, 'libs/disco/test/state.test.ts'),
    join(ROOT, 'libs/models/test/native_layer_shapes.test.ts'),
  ];
}

/** oneDNN ISA caps this CPU can run, from /proc/cpuinfo; undefined = no cap. */
function isaCaps(): (string | undefined)[] {
  const flags = new Set((/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
  const caps: (string | undefined)[] = [undefined];
  if (flags.has('sse4_1')) caps.push('SSE41');
  if (flags.has('avx2')) caps.push('AVX2');
  if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'].every((f) => flags.has(f))) caps.push('AVX512_CORE');
  return caps;
}

/** What oneDNN reports for each cap. */
const ISA_REPORT: Record<string, RegExp> = { SSE41: /isa:Intel SSE4\.1$/m, AVX2: /isa:Intel AVX2$/m, AVX512_CORE: /isa:Intel AVX-512 with AVX512BW, AVX512VL, and AVX512DQ extensions$/m };

/**
 * ATen's own vectorised kernels (not oneDNN's) dispatch on the CPU too: capped alongside oneDNN,
 * so a capped run is what a CPU without the higher ISA computes end to end.
 */
const ATEN_CAPABILITY: Record<string, string> = { SSE41: 'default', AVX2: 'avx2', AVX512_CORE: 'avx512' };

function mallocDebug(): string | undefined {
  for (const dir of ['/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64']) {
    const lib = join(dir, 'libc_malloc_debug.so.0');
    if (existsSync(lib)) return lib;
  }
  return undefined;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Runs `args` with node + tsx and `env` on top of this process's; resolves when it exits. Killed after `timeoutMs`. */
function node(args: string[], env: Record<string, string | undefined>, timeoutMs: number): Promise<Run> {
  return new Promise((done) => {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out });
    });
  });
}

/** An entry file that imports `files` (node:test runs them all in its process). */
function writeEntry(dir: string, name: string, files: string[]): string {
  const entry = join(dir, `${name}.mts`); // .mts: an ES module wherever the folder is
  writeFileSync(entry, files.map((f) => `import ${JSON.stringify(f)};`).join('\n') + '\n');
  return entry;
}

/** Under the sanitizer (several times slower): the kernel tests and the PyTorch parity steps (full train steps in every mode). */
function sanitizerFiles(): string[] {
  return suiteFiles().filter((f) => !/state\.test\.ts$|native_layer_shapes\.test\.ts$/.test(f));
}

/** pass/fail counts of a TAP run, and the first failures' messages (the output itself is not echoed: its '# pass' lines would be counted twice). */
function verdict(run: Run): { pass: number; fail: number; summary: string } {
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(run.out)?.[1] ?? NaN);
  const failures = [...run.out.matchAll(/^\s*error: (.*)$/gm)].slice(0, 3).map((m) => m[1]);
  const crash = /heap corruption|double free|corrupted|AddressSanitizer|munmap_chunk|free\(\)/.exec(run.out)?.[0];
  return {
    pass: count('pass'),
    fail: count('fail'),
    summary: `exit ${run.code ?? run.signal}${crash ? `, '${crash}'` : ''}${failures.length ? `; ${failures.join(' | ')}` : ''}; last lines: ${run.out.trim().split('\n').slice(-3).join(' / ')}`,
  };
}

const libtorchMissing = !existsSync(ADDON) && nativeSkipNote()?.libtorchMissing;

if (libtorchMissing) {
  test('without libtorch there is no native engine to check: the install recorded why', () => {
    assert.match(nativeSkipNote()?.reason ?? '', /libtorch/);
  });
} else {
  const work = mkdtempSync(join(tmpdir(), 'disco-engine-matrix-'));
  const entry = writeEntry(work, 'native_suite', suiteFiles());
  const asanEntry = writeEntry(work, 'native_suite_asan', sanitizerFiles());
  const cache = join(work, 'cpu-reference');
  mkdirSync(cache);
  const malloc = mallocDebug();
  const base = {
    DISCO_BACKEND: 'native',
    DISCO_CPU_REFERENCE_CACHE: cache,
    DISCO_LAYER_SHAPES_MAX_BATCH: '2',
    NODE_TEST_CONTEXT: undefined, // else the child reports to this runner's protocol, not as TAP
    ONEDNN_VERBOSE: undefined,
    DNNL_VERBOSE: undefined,
    DISCO_NATIVE_SANITIZE: undefined,
  };

  test.after(() => rmSync(work, { recursive: true, force: true }));

  // Per cap, the 1-thread and the 2-thread run go side by side (the machine has 2 cores; the
  // suite is mostly single-threaded JavaScript), so the matrix costs about half its serial time.
  for (const isa of isaCaps()) {
    const label = `DNNL_MAX_CPU_ISA=${isa ?? '(unset)'}${isa ? `, ATEN_CPU_CAPABILITY=${ATEN_CAPABILITY[isa]}` : ''}`;
    test(`${label}, 1 and 2 threads: native kernels, layer geometries, PyTorch parity and save/restore pass under MALLOC_CHECK_=3`, async () => {
      const problems = await Promise.all([1, 2].map(async (threads) => {
        const where = `${label}, ${threads} thread${threads > 1 ? 's' : ''}`;
        const env = { ...base, DNNL_MAX_CPU_ISA: isa, ONEDNN_MAX_CPU_ISA: isa, ATEN_CPU_CAPABILITY: isa ? ATEN_CAPABILITY[isa] : undefined, DISCO_NATIVE_THREADS: String(threads) };
        if (isa) {
          const probe = await node([join(import.meta.dirname, 'isa_probe.ts')], { ...env, ONEDNN_VERBOSE: '1' }, 60_000);
          if (probe.code !== 0) return `${where}: probe: ${verdict(probe).summary}`;
          if (!ISA_REPORT[isa].test(probe.out)) return `${where}: oneDNN did not report the ${isa} code path: ${/isa:.*$/m.exec(probe.out)?.[0]}`;
          if (!probe.out.includes(`"threads":${threads}`)) return `${where}: the probe did not run ${threads} thread(s)`;
        }
        const run = await node(['--test-reporter=tap', entry], { ...env, MALLOC_CHECK_: '3', LD_PRELOAD: malloc }, 300_000);
        const v = verdict(run);
        if (run.code !== 0) return `${where}: ${v.summary}`;
        if (!(v.pass >= 50 && v.fail === 0)) return `${where}: ${v.pass} passed, ${v.fail} failed`;
        return undefined;
      }));
      assert.deepEqual(problems.filter(Boolean), []);
    });
  }

  test('under AddressSanitizer (addon built with -fsanitize=address): the same tests, zero reports', async () => {
    const build = spawnSync('npm', ['run', '-s', 'build', '-w', 'libs/tensor/native'], {
      cwd: ROOT, env: { ...process.env, DISCO_NATIVE_SANITIZE: 'address' }, encoding: 'utf8', timeout: 600_000,
    });
    assert.equal(build.status, 0, `sanitizer build failed: ${(build.stdout + build.stderr).trim().split('\n').slice(-5).join(' / ')}`);
    assert.ok(existsSync(ASAN_ADDON), `no sanitizer addon at ${ASAN_ADDON}`);
    const asan = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(asan.startsWith('/') && existsSync(asan), `gcc's libasan.so not found ('${asan}')`);
    const env = {
      ...base,
      DISCO_NATIVE_SANITIZE: 'address',
      DISCO_NATIVE_CACHE_MB: '0', // every block through the sanitizer's malloc, none reused behind its back
      LD_PRELOAD: asan,
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
    };
    const probe = await node([join(import.meta.dirname, 'isa_probe.ts')], env, 60_000);
    assert.equal(probe.code, 0, `probe: ${verdict(probe).summary}`);
    const mapped = JSON.parse(/^\{"probe".*$/m.exec(probe.out)?.[0] ?? '{}') as { mapped?: string[] };
    assert.ok(mapped.mapped?.includes(ASAN_ADDON), `the sanitized addon was not the one loaded: ${mapped.mapped}`);
    assert.ok(mapped.mapped?.some((p) => p.includes('libasan')), 'libasan is not mapped');
    const run = await node(['--test-reporter=tap', asanEntry], env, 400_000);
    const v = verdict(run);
    assert.doesNotMatch(run.out, /AddressSanitizer/, v.summary);
    assert.equal(run.code, 0, v.summary);
    assert.ok(v.pass >= 40 && v.fail === 0, `${v.pass} passed, ${v.fail} failed`);
  });
}
