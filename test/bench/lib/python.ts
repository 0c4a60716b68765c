/**
 * Finds PyTorch for the side-by-side runs: Debian's `python3-torch` under `/usr/bin/python3`
 * (not the pyenv python first on PATH). `DISCO_BENCH_PYTHON` points at another interpreter.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchRunError } from './errors.ts';

const run = promisify(execFile);

export const DEFAULT_PYTHON = '/usr/bin/python3';

export type TorchProbe =
  | { available: true; python: string; torch: string; torchvision: string }
  | { available: false; python: string; reason: string };

let probed: Promise<TorchProbe> | undefined;

export function pythonPath(): string {
  return process.env.DISCO_BENCH_PYTHON || DEFAULT_PYTHON;
}

/** Whether `python -c 'import torch, torchvision'` works (cached per process), and if not, why. */
export function probeTorch(): Promise<TorchProbe> {
  probed ??= probe(pythonPath());
  return probed;
}

async function probe(python: string): Promise<TorchProbe> {
  const code = 'import json, torch, torchvision; print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__}))';
  try {
    const { stdout } = await run(python, ['-c', code], { timeout: 60_000 });
    const v = JSON.parse(stdout.trim()) as { torch: string; torchvision: string };
    return { available: true, python, ...v };
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop();
    return { available: false, python, reason: `${python} cannot import torch/torchvision (${stderr}); ${await dpkgState()}` };
  }
}

async function dpkgState(): Promise<string> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', 'python3-torch']);
    return `dpkg: python3-torch '${stdout.trim()}' (an apt install may still be running)`;
  } catch {
    return 'dpkg: python3-torch is not installed (apt-get install python3-torch python3-torchvision)';
  }
}

/**
 * Runs a committed script (`test/bench/<script>`) to completion and parses the JSON it prints
 * last (the scripts' stand-alone mode: they time `--warmup` + `--iters` steps themselves). The
 * side-by-side benches use `PytorchSession` instead, to interleave steps.
 */
export async function runPythonJson<T>(script: string, args: Record<string, string | number>): Promise<T> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const argv = [path, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])];
  let stdout: string;
  try {
    ({ stdout } = await run(pythonPath(), argv, { maxBuffer: 16 << 20, timeout: 60 * 60_000 }));
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new BenchRunError(`${script} ${argv.slice(1).join(' ')} failed: ${(err as Error).message.split('\n')[0]}\n${stderr}`);
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new BenchRunError(`${script} did not print JSON on its last line (got '${last.slice(0, 200)}')`);
  }
}
