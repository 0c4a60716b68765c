/**
 * The fault suite's deployment config and how it starts a role: each its own process, exactly as
 * a pod runs it (`node --import tsx services/cli/src/main.ts serve <role> --config <file>
 * [flags]`), ports picked by the OS, stderr kept in a ring for failure messages. Sizes are tiny
 * (as in test/e2e): a run of 2 epochs × 6 steps trains in a few seconds on 2 cores.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { spawnRole, type SpawnedRole } from '@disco/dataplane';

export const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
/** The preload that freezes a trainer inside a checkpoint write (hooks/checkpoint_block.mjs). */
export const CHECKPOINT_BLOCK_HOOK = new URL('./hooks/checkpoint_block.mjs', import.meta.url).href;

export type Role = 'trainer' | 'augment' | 'teacher';

const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };

/** A lease is 1.5 s: a pause of 2.5 s outlives it, so the batch goes to another worker. */
export const LEASE_MS = 1500;

/** The run every trial trains: 48 images, batches of 8 at 16 px, 2 epochs = 12 steps. */
export const RUN = { name: 'fault', seed: 11, epochs: 2, stepsPerEpoch: 6 } as const;
export const TOTAL_STEPS = RUN.epochs * RUN.stepsPerEpoch;

/** The deployment's config file: one for every role, as on Kubernetes. */
export function faultConfig(overrides: { trainer?: Record<string, unknown>; dataplane?: Record<string, unknown>; drain?: Record<string, unknown> } = {}) {
  return {
    trainer: {
      ...loopback,
      run: RUN.name,
      seed: RUN.seed,
      epochs: RUN.epochs,
      batchSize: 8,
      size: 16,
      model: 'resnet18-cifar',
      width: 0.0625,
      limitImages: 8 * RUN.stepsPerEpoch,
      checkpointEvery: 2,
      keepCheckpoints: 3,
      knnEvery: 0, // the online kNN only costs time here
      failLingerMs: 0, // a failed trial ends at once
      ...overrides.trainer,
    },
    algo: { k: 64, headHidden: 32, embedDim: 16, ghostBatchSize: 4, baseLr: 0.3 },
    teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3 },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    dataplane: { window: 4, leaseMs: LEASE_MS, callTimeoutMs: 8000, retryBackoffMs: 100, ...overrides.dataplane },
    drain: { graceMs: 3000, ...overrides.drain },
  };
}

export function writeConfig(path: string, config: object): string {
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * The environment without disco config variables (each process reads only its file and flags).
 * The tfjs backend is wasm unless DISCO_BACKEND says otherwise: these suites test the data
 * plane and the run's bookkeeping, not the backend, and wasm is single-threaded, so five to
 * nine processes share 2 cores without oversubscribing them (bit-exactness holds per backend).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') && k !== 'NODE_OPTIONS' && !k.startsWith('FAULT_')));
  return { ...env, DISCO_BACKEND: process.env.DISCO_BACKEND ?? 'wasm', ...extra };
}

/** Last lines of every process's stderr, for failure messages (every line also to the file FAULT_LOG names, when set). */
export class LogRing {
  private readonly lines: string[] = [];
  private readonly file = process.env.FAULT_LOG;
  constructor(private readonly capacity = 400) {}
  push(line: string): void {
    if (this.file) appendFileSync(this.file, `${new Date().toISOString().slice(11, 23)} ${line}\n`);
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
  tail(n = 60): string {
    return this.lines.slice(-n).join('\n');
  }
}

export interface StartOptions {
  config: string;
  flags?: string[];
  env?: Record<string, string>;
  logs: LogRing;
  /** Each stderr line, after it is logged. */
  onStderr?: (line: string) => void;
}

export function startRole(role: Role, name: string, options: StartOptions): Promise<SpawnedRole> {
  return spawnRole({
    script: CLI,
    args: ['serve', role, '--config', options.config, ...(options.flags ?? [])],
    env: cleanEnv(options.env),
    readyTimeoutMs: 120_000,
    onStderr: (line) => {
      options.logs.push(`${name}: ${line}`);
      options.onStderr?.(line);
    },
  });
}

export function alive(p: SpawnedRole | undefined): boolean {
  return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
}

/** SIGKILLs the process (if still running) and waits for it to be gone. */
export async function kill(p: SpawnedRole | undefined): Promise<void> {
  if (!p) return;
  if (alive(p)) p.child.kill('SIGKILL');
  await p.exited;
}

/** Resident set size of a process (kB), from /proc/<pid>/status. */
export async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(m[1]);
}

/** One scrape of a process's /metrics. */
export class MetricsSnapshot {
  private readonly samples: { name: string; labels: string[]; value: number }[] = [];
  constructor(text: string) {
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (m) this.samples.push({ name: m[1], labels: (m[2] ?? '').split(','), value: Number(m[3]) });
    }
  }

  /** Sum over the series of `name` whose labels include `labels`; undefined if there is none. */
  sum(name: string, labels: Record<string, string> = {}): number | undefined {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const hits = this.samples.filter((s) => s.name === name && want.every((w) => s.labels.includes(w)));
    return hits.length === 0 ? undefined : hits.reduce((sum, s) => sum + s.value, 0);
  }
}

/** A process's /metrics now; undefined if it does not answer within 3 s. */
export async function metricsOf(p: SpawnedRole): Promise<MetricsSnapshot | undefined> {
  try {
    return new MetricsSnapshot(await (await fetch(`http://127.0.0.1:${p.info.metricsPort}/metrics`, { signal: AbortSignal.timeout(3000) })).text());
  } catch {
    return undefined;
  }
}

/** One metric (summed over the series whose labels include `labels`); undefined if absent or unreachable. */
export async function scrape(p: SpawnedRole, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return (await metricsOf(p))?.sum(name, labels);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
