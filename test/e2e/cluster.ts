/**
 * A disco deployment on loopback for the end-to-end tests: one trainer, augment workers and
 * teacher replicas, each its own process started exactly as a pod is
 * (`node --import tsx services/cli/src/main.ts serve <role> --config <file> [flags]`), ports
 * picked by the OS. Tiny sizes so that a 2-epoch run takes seconds on 2 cores.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnRole, type SpawnedRole } from '@disco/dataplane';
import { readSafetensors } from '@disco/models';
import { readCheckpoint, readRecord, type RecordLine, type RunSummary } from '@disco/trainer-service';

export const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));

const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };

/** 64 images of the bundled sample, batches of 8 at 16 px: 8 steps per epoch, 2 epochs. */
export const TINY = {
  trainer: { ...loopback, run: 'e2e', seed: 7, epochs: 2, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 64, checkpointEvery: 2, keepCheckpoints: 3 },
  algo: { k: 64, headHidden: 32, embedDim: 16, ghostBatchSize: 4, baseLr: 0.3 },
  teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3 },
  augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
  dataplane: { window: 4, leaseMs: 20_000, retryBackoffMs: 200 },
  drain: { graceMs: 5_000 },
};
export const STEPS_PER_EPOCH = 8;
export const EPOCHS = 2;

type Role = 'trainer' | 'augment' | 'teacher';

/**
 * The environment without disco config variables (each process reads only its file and flags);
 * DISCO_PROFILE=1 on, so the trainer logs which kernels of its steps ran in JavaScript.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND')), DISCO_PROFILE: '1' };
}

export class Cluster {
  readonly runDir: string;
  readonly configFile: string;
  trainer!: SpawnedRole;
  trainerPort = 0;
  readonly teachers: SpawnedRole[] = [];
  readonly augmenters: SpawnedRole[] = [];
  private readonly logs: string[] = [];

  constructor(readonly dir: string) {
    this.runDir = join(dir, 'run');
    this.configFile = join(dir, 'config.json');
    writeFileSync(this.configFile, JSON.stringify({ ...TINY, trainer: { ...TINY.trainer, runDir: this.runDir } }, null, 2));
  }

  private spawn(role: Role, name: string, flags: string[] = []): Promise<SpawnedRole> {
    return spawnRole({
      script: CLI,
      args: ['serve', role, '--config', this.configFile, ...flags],
      env: cleanEnv(),
      readyTimeoutMs: 120_000,
      onStderr: (line) => {
        this.logs.push(`${name}: ${line}`);
        if (this.logs.length > 400) this.logs.shift();
      },
    });
  }

  async startTrainer(port = 0): Promise<SpawnedRole> {
    this.trainer = await this.spawn('trainer', 'trainer', ['--trainer.port', String(port)]);
    this.trainerPort = this.trainer.info.port;
    return this.trainer;
  }

  /** Trainer and teachers together, then the workers pointed at them. */
  static async start(options: { augmenters: number; teachers: number }): Promise<Cluster> {
    const cluster = new Cluster(mkdtempSync(join(tmpdir(), 'disco-e2e-')));
    const [, ...teachers] = await Promise.all([cluster.startTrainer(), ...Array.from({ length: options.teachers }, (_, i) => cluster.spawn('teacher', `teacher-${i}`))]);
    cluster.teachers.push(...teachers);
    const flags = ['--augment.trainer', `127.0.0.1:${cluster.trainerPort}`, '--augment.teachers', teachers.map((t) => `127.0.0.1:${t.info.port}`).join(',')];
    cluster.augmenters.push(...(await Promise.all(Array.from({ length: options.augmenters }, (_, i) => cluster.spawn('augment', `augment-${i}`, flags)))));
    return cluster;
  }

  record(): RecordLine[] {
    return readRecord(join(this.runDir, 'record.jsonl'));
  }

  /** Resolves once the record holds at least `steps` lines. */
  async waitForSteps(steps: number, timeoutMs = 120_000): Promise<RecordLine[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const record = this.record();
      if (record.length >= steps) return record;
      if (Date.now() > until) throw new Error(`no ${steps} trained steps within ${timeoutMs} ms (have ${record.length})\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Waits for the trainer to exit on its own (the run is over), then drains the rest. */
  async finish(timeoutMs = 240_000, beforeStop?: () => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.trainer.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.trainer.exited;
    clearTimeout(timer);
    await beforeStop?.();
    await this.stopWorkers();
    return exit;
  }

  /** Sum of a metric's samples on a process's /metrics (0 if absent or unreachable). */
  async metric(p: SpawnedRole, name: string): Promise<number> {
    try {
      const text = await (await fetch(`http://127.0.0.1:${p.info.metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
        .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    } catch {
      return 0;
    }
  }

  async stopWorkers(): Promise<void> {
    const live = [...this.augmenters, ...this.teachers].filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    for (const p of live) p.child.kill('SIGTERM');
    const timer = setTimeout(() => live.forEach((p) => p.child.kill('SIGKILL')), 15_000);
    await Promise.all(live.map((p) => p.exited));
    clearTimeout(timer);
  }

  /** Kills everything still running and removes the temporary folder. */
  async destroy(): Promise<void> {
    for (const p of [this.trainer, ...this.augmenters, ...this.teachers]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all([this.trainer, ...this.augmenters, ...this.teachers].filter(Boolean).map((p) => p.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every kept log line (the last 400) matching `pattern`. */
  logLines(pattern: RegExp): string[] {
    return this.logs.filter((l) => pattern.test(l));
  }

  /** The last log lines of every process (for failure messages). */
  tail(lines = 60): string {
    return this.logs.slice(-lines).join('\n');
  }

  summary(): RunSummary {
    return JSON.parse(readFileSync(join(this.runDir, 'summary.json'), 'utf8')) as RunSummary;
  }

  /** What the run produced, as bytes to compare: the exported backbone and the final checkpoint's state. */
  finalWeights(): { exported: Map<string, Buffer>; state: Map<string, Buffer> } {
    const exported = new Map([...readSafetensors(join(this.runDir, 'export', 'student.safetensors')).tensors].map(([n, t]) => [n, Buffer.from(t.data)]));
    const last = this.summary().lastCheckpoint!;
    const state = new Map([...readCheckpoint(last).state.tensors].map(([n, t]) => [n, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
    return { exported, state };
  }
}

/** The batch ids of the whole plan, in training order. */
export function plannedBatches(): string[] {
  const out: string[] = [];
  for (let e = 0; e < EPOCHS; e++) for (let s = 0; s < STEPS_PER_EPOCH; s++) out.push(`${TINY.trainer.run}/${e}/${s}`);
  return out;
}
