/**
 * A real `disco train` on loopback for the Prometheus tests and the dashboard rendering: the
 * demo preset made smaller (batch 16, endless epochs until stopped), metrics on known free
 * ports, and a small ImageFolder dataset with a few broken files so that rejected images are
 * counted too. `stop()` ends it with SIGTERM (the supervisor drains every role) and removes its
 * temp dir; nothing outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { freePort } from './prometheus_server.ts';
import { REPO_ROOT } from './prometheus_tools.ts';

export type Role = 'trainer' | 'augment' | 'teacher';
export const ROLES: readonly Role[] = ['trainer', 'augment', 'teacher'];

/** Writes `good` random 40×40 PNGs in two classes and three files the decoder must reject. */
export async function writeDataset(dir: string, good = 64): Promise<number> {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 256;
  for (const cls of ['a', 'b']) mkdirSync(join(dir, cls), { recursive: true });
  for (let i = 0; i < good; i++) {
    const pixels = Buffer.from(Array.from({ length: 40 * 40 * 3 }, random));
    await sharp(pixels, { raw: { width: 40, height: 40, channels: 3 } }).png().toFile(join(dir, i % 2 ? 'a' : 'b', `img-${i}.png`));
  }
  const png = readFileSync(join(dir, 'a', 'img-1.png'));
  writeFileSync(join(dir, 'a', 'broken-empty.png'), '');
  writeFileSync(join(dir, 'b', 'broken-text.png'), 'this is not an image\n');
  writeFileSync(join(dir, 'b', 'broken-truncated.png'), png.subarray(0, Math.floor(png.length / 3)));
  return good + 3;
}

export class LocalRun {
  private output = '';
  private exited = false;

  private constructor(
    readonly dir: string,
    readonly metricsPorts: Record<Role, number>,
    private readonly child: ChildProcess,
  ) {
    for (const s of [child.stdout, child.stderr]) s?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.once('exit', () => (this.exited = true));
  }

  static async start(options: { batchSize?: number } = {}): Promise<LocalRun> {
    const dir = mkdtempSync(join(tmpdir(), 'disco-deploy-run-'));
    const dataset = join(dir, 'dataset');
    await writeDataset(dataset);
    const metricsPorts = { trainer: await freePort(), augment: await freePort(), teacher: await freePort() };
    const flags = [
      ['trainer.run-dir', join(dir, 'run')],
      ['trainer.epochs', '1000'],
      ['trainer.batch-size', String(options.batchSize ?? 16)],
      ['trainer.checkpoint-every', '4'],
      ['trainer.keep-checkpoints', '1'],
      ['augment.dataset', dataset],
      ['trainer.metrics-port', String(metricsPorts.trainer)],
      ['augment.metrics-port', String(metricsPorts.augment)],
      ['teacher.metrics-port', String(metricsPorts.teacher)],
      ['local.progress', 'none'],
      ['preset', 'demo'], // the demo's sizes, on this dataset
    ].flatMap(([k, v]) => [`--${k}`, v]);
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'services/cli/src/main.ts'), 'train', ...flags], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DISCO_BACKEND: process.env.DISCO_BACKEND ?? 'wasm' },
    });
    return new LocalRun(dir, metricsPorts, child);
  }

  /** The supervisor's output and the roles' logs, for failure messages. */
  tail(): string {
    const logs = join(this.dir, 'run', 'logs');
    let roleLogs = '';
    try {
      for (const f of readdirSync(logs)) roleLogs += `--- ${f}\n${readFileSync(join(logs, f), 'utf8').slice(-3000)}\n`;
    } catch {
      // no logs yet
    }
    return `--- disco train\n${this.output}\n${roleLogs}`;
  }

  /** Resolves once every role serves /metrics (throws if the run dies or `timeoutMs` passes). */
  async waitForMetrics(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const role of ROLES) {
      for (;;) {
        if (this.exited) throw new Error(`disco train exited during start-up\n${this.tail()}`);
        try {
          if ((await fetch(`http://127.0.0.1:${this.metricsPorts[role]}/metrics`)).ok) break;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`${role} /metrics not up after ${timeoutMs} ms\n${this.tail()}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** The pid of a role process of this run (found by its config file in our run dir). */
  pid(role: Role): number {
    const configFile = join(this.dir, 'run', 'serve-config.json');
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      const at = argv.indexOf('serve');
      if (at >= 0 && argv[at + 1] === role && argv.includes(configFile)) return Number(entry);
    }
    throw new Error(`no ${role} process of this run`);
  }

  signal(role: Role, signal: NodeJS.Signals): void {
    process.kill(this.pid(role), signal);
  }

  /** SIGCONT to every role (in case a test froze one), SIGTERM to the run, SIGKILL after `graceMs`. */
  async stop(graceMs = 60_000): Promise<void> {
    const pids = ROLES.flatMap((r) => {
      try {
        return [this.pid(r)];
      } catch {
        return [];
      }
    });
    for (const pid of pids) process.kill(pid, 'SIGCONT');
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, graceMs);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
