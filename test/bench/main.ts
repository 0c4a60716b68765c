/**
 * `npm run bench -- <name> [flags]`: runs one benchmark. The registry below is the whole list;
 * adding a bench is one line: its name, its file (exporting `run(args)`), and a summary.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BenchRunError, BenchUsageError } from './lib/errors.ts';

export interface BenchEntry {
  name: string;
  /** Path relative to this folder of a module exporting `run(args: string[]): Promise<unknown>`. */
  file: string;
  summary: string;
}

export const BENCHES: readonly BenchEntry[] = [
  { name: 'train-step', file: './train_step.ts', summary: 'forward+backward+SGD step, ours vs PyTorch' },
  { name: 'disco-step', file: './disco_step.ts', summary: 'one whole DisCo/MoCo-v2/SEED training step (queue K, both views, EMA, enqueue), ours vs PyTorch, with the JavaScript kernels it ran' },
  { name: 'embed', file: './embed.ts', summary: 'frozen teacher forward (eval BN), ours vs PyTorch' },
  { name: 'embed-onnx', file: './embed_onnx.ts', summary: 'frozen teacher forward on onnxruntime-node vs tfjs vs PyTorch' },
  { name: 'augment', file: './augment.ts', summary: 'MoCo-v2 augmentation throughput' },
  { name: 'dataplane', file: './dataplane.ts', summary: 'view pairs/s one trainer ingests from real augment + teacher processes (no-op train step)' },
  { name: 'allreduce', file: './allreduce.ts', summary: 'data-parallel communication: averaging 11.2 M gradient floats between 2 ranks, ours (c10d via the addon) vs torch.distributed gloo; --step: 2 replicas vs 1' },
  { name: 'report', file: './lib/report.ts', summary: 'print the markdown table of results/*.json' },
];

interface BenchModule {
  run(args: string[]): Promise<unknown>;
}

export function help(): string {
  const width = Math.max(...BENCHES.map((b) => b.name.length));
  return ['usage: npm run bench -- <name> [flags]   (<name> --help for its flags)', '', 'benches:', ...BENCHES.map((b) => `  ${b.name.padEnd(width)}  ${b.summary}`)].join('\n');
}

/** Loads the bench called `name`; throws `BenchUsageError` listing the valid names otherwise. */
export async function loadBench(name: string): Promise<BenchModule> {
  const entry = BENCHES.find((b) => b.name === name);
  if (!entry) throw new BenchUsageError(`unknown bench '${name}'; valid: ${BENCHES.map((b) => b.name).join(', ')}`);
  const url = new URL(entry.file, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new BenchRunError(`bench '${name}' is registered but ${fileURLToPath(url)} does not exist yet`);
  const mod = (await import(url.href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') throw new BenchRunError(`bench '${name}': ${entry.file} does not export run(args)`);
  return mod as BenchModule;
}

/** Runs `argv` = [name, ...flags]; returns the exit code (2 for a bad command line). */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  try {
    await (await loadBench(name)).run(rest);
    return 0;
  } catch (err) {
    if (err instanceof BenchUsageError) {
      const known = BENCHES.some((b) => b.name === name);
      process.stderr.write(`bench: ${err.message}\n${known ? `(npm run bench -- ${name} --help lists its flags)` : help()}\n`);
      return 2;
    }
    if (err instanceof BenchRunError) {
      process.stderr.write(`bench ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
