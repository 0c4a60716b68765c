/**
 * The embedded default's process supervisor: trainer, teacher and augment roles as separate
 * processes on loopback gRPC (free ports picked by the OS, learnt from each listening line).
 * A crashed augment or teacher is restarted on the same ports (the others' addresses stay
 * valid); the trainer decides the run: exit 0 = trained (or stopped), anything else = failed.
 * With `trainerReplicas` > 1 the trainer is a data-parallel group (ranks 0…W−1, c10d rendezvous
 * on a free loopback port, every worker leasing from each): when any replica dies, the others
 * are stopped and the whole group is restarted on its ports from rank 0's last checkpoint
 * (torchrun-elastic's rule), up to `maxRestarts` times.
 * `stop()` drains the trainers first (rank 0 checkpoints), then the rest; no process outlives it.
 */
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { writeFileAtomic } from '@disco/models';
import { PLAINTEXT, RoleStartError, channelOptions, loadProtos, type ClientSecurity, type CoordinatorClient, type StatusReply__Output } from '@disco/dataplane';
import { RoleProcess, type RoleExit } from './role_process.ts';

export interface SupervisorOptions {
  /** The config every role reads (JSON, validated by the roles). */
  config: Record<string, unknown>;
  runDir: string;
  augmenters: number;
  teachers: number;
  /** Restarts allowed per augment/teacher process. */
  maxRestarts: number;
  env: NodeJS.ProcessEnv;
  pollMs: number;
  log: (line: string) => void;
  onStatus?: (status: StatusReply__Output) => void;
  /** Echo every child's stderr line (verbose). */
  onChildLine?: (line: string) => void;
  /** Data-parallel trainer replicas (trainer.worldSize); default 1. */
  trainerReplicas?: number;
  /** How to reach the trainer for Status (plaintext on loopback unless `tls.enabled`). */
  security?: ClientSecurity;
}

export type SupervisedEnd = { outcome: 'done' | 'stopped' | 'failed'; reason: string };

const LOOPBACK = '127.0.0.1';

/** A TCP port free on loopback right now (for the c10d rendezvous store). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export class Supervisor {
  /** Rank 0 (the only trainer without data parallelism). */
  trainer!: RoleProcess;
  /** Every trainer replica, by rank. */
  readonly trainers: RoleProcess[] = [];
  /** The current rendezvous address of the trainer replicas. */
  private rendezvous = '';
  private groupRestarts = 0;
  private restartingGroup = false;
  readonly teachers: RoleProcess[] = [];
  readonly augmenters: RoleProcess[] = [];
  private over = false;
  private tornDown: Promise<void> | undefined;
  private startup: Promise<void> | undefined;
  private ended!: (end: SupervisedEnd) => void;
  private readonly end = new Promise<SupervisedEnd>((resolve) => (this.ended = resolve));
  private poller: NodeJS.Timeout | undefined;
  private client: CoordinatorClient | undefined;
  /** Restarts so far, by process name. */
  readonly restarts = new Map<string, number>();

  constructor(private readonly options: SupervisorOptions) {}

  private role(role: RoleProcess['options']['role'], name: string, configFile: string, flags: string[] = []): RoleProcess {
    return new RoleProcess({ role, name, configFile, flags, env: this.options.env, logFile: join(this.options.runDir, 'logs', `${name}.log`), onLine: this.options.onChildLine });
  }

  /** Starts every role and resolves when the run is over and every child has exited. */
  async run(): Promise<SupervisedEnd> {
    const { options } = this;
    const configFile = join(options.runDir, 'serve-config.json');
    writeFileSync(configFile, JSON.stringify(options.config, null, 2) + '\n');
    const replicas = options.trainerReplicas ?? 1;
    if (replicas > 1) this.rendezvous = `${LOOPBACK}:${await freePort()}`;
    for (let r = 0; r < replicas; r++) {
      this.trainers.push(this.role('trainer', replicas > 1 ? `trainer-${r}` : 'trainer', configFile, replicas > 1 ? ['--trainer.rank', String(r)] : []));
    }
    this.trainer = this.trainers[0];
    for (let i = 0; i < options.teachers; i++) this.teachers.push(this.role('teacher', `teacher-${i}`, configFile));
    this.startup = this.startAll();
    await this.startup;
    if (!this.over) {
      this.watchTrainers();
      for (const p of [...this.teachers, ...this.augmenters]) this.watch(p);
      this.poll(this.trainer.info!.port);
    }
    const end = await this.end;
    await this.teardown();
    return end;
  }

  private async startAll(): Promise<void> {
    const { options } = this;
    const configFile = this.trainer.options.configFile;
    try {
      const started = await Promise.all([...this.trainers.map((t) => t.start(this.rendezvousFlags())), ...this.teachers.map((t) => t.start())]);
      const trainerInfos = started.slice(0, this.trainers.length);
      const teacherInfos = started.slice(this.trainers.length);
      const trainerInfo = trainerInfos[0];
      const where = trainerInfos.map((i) => `${LOOPBACK}:${i.port} (metrics :${i.metricsPort})`).join(', ');
      options.log(`${this.trainers.length > 1 ? `${this.trainers.length} trainer replicas (c10d rendezvous ${this.rendezvous}) on ${where}` : `trainer on ${where}`}; ${teacherInfos.length} teacher(s) on ${teacherInfos.map((i) => i.port).join(', ') || '-'}`);
      options.log(`live page: http://${LOOPBACK}:${trainerInfo.metricsPort}/`);
      const workerFlags = ['--augment.trainer', trainerInfos.map((i) => `${LOOPBACK}:${i.port}`).join(','), '--augment.teachers', teacherInfos.map((i) => `${LOOPBACK}:${i.port}`).join(',')];
      for (let i = 0; i < options.augmenters; i++) this.augmenters.push(this.role('augment', `augment-${i}`, configFile, workerFlags));
      if (!this.over) {
        const augmentInfos = await Promise.all(this.augmenters.map((a) => a.start()));
        options.log(`${augmentInfos.length} augment worker(s) on ${augmentInfos.map((i) => i.port).join(', ')}`);
      }
      this.writePids();
    } catch (err) {
      // The role's own last words (one line, e.g. "disco serve trainer: DatasetError: … does not exist"), not its stack.
      const said = err instanceof RoleStartError && err.lastLine ? err.lastLine.replace(/^disco serve \w+: /, '') : (err as Error).message.split('\n')[0];
      const which = [...this.trainers, ...this.teachers, ...this.augmenters].find((p) => p && !p.running && p.pid !== undefined);
      this.finish({ outcome: 'failed', reason: `${which ? which.options.name : 'a role'} did not start: ${said}${which ? ` (log: ${which.options.logFile})` : ''}` });
    }
  }

  private rendezvousFlags(): string[] {
    return this.trainers.length > 1 ? ['--trainer.rendezvous', this.rendezvous] : [];
  }

  /** The run ends with the trainer; a data-parallel group ends when every replica has (or restarts when one dies). */
  private watchTrainers(): void {
    if (this.trainers.length === 1) {
      void this.trainer.exited.then((exit) => {
        if (exit.code === 0) this.finish({ outcome: 'done', reason: 'the trainer finished' });
        else this.finish({ outcome: 'failed', reason: `the trainer exited with ${exit.signal ?? `code ${exit.code}`} (see ${this.trainer.options.logFile})` });
      });
      return;
    }
    const generation = this.groupRestarts;
    for (const t of this.trainers) {
      void t.exited.then(async (exit) => {
        if (this.over || this.restartingGroup || generation !== this.groupRestarts) return;
        if (exit.code === 0) {
          const all = await Promise.all(this.trainers.map((x) => x.exited));
          if (generation !== this.groupRestarts || this.over) return;
          if (all.every((e) => e.code === 0)) this.finish({ outcome: 'done', reason: 'every trainer replica finished' });
          return;
        }
        await this.restartGroup(t, exit);
      });
    }
  }

  /** A replica died: stop the others (they would wait on a collective until its timeout) and start the group again. */
  private async restartGroup(dead: RoleProcess, exit: RoleExit): Promise<void> {
    const why = `${dead.options.name} exited (${exit.signal ?? `code ${exit.code}`}, see ${dead.options.logFile})`;
    if (this.groupRestarts >= this.options.maxRestarts) {
      this.finish({ outcome: 'failed', reason: `${why} after ${this.groupRestarts} group restarts` });
      return;
    }
    this.restartingGroup = true;
    this.groupRestarts++;
    this.options.log(`${why}; restarting the ${this.trainers.length} trainer replicas from rank 0's last checkpoint (group restart ${this.groupRestarts}/${this.options.maxRestarts})`);
    await Promise.all(this.trainers.map((t) => t.stop(1_000)));
    if (this.over) return;
    this.rendezvous = `${LOOPBACK}:${await freePort()}`;
    try {
      await Promise.all(this.trainers.map((t) => t.start([...this.rendezvousFlags(), '--trainer.port', String(t.info!.port), '--trainer.metrics-port', String(t.info!.metricsPort)])));
      this.writePids();
    } catch (err) {
      this.finish({ outcome: 'failed', reason: `the trainer replicas could not be restarted: ${(err as Error).message.split('\n')[0]}` });
      return;
    } finally {
      this.restartingGroup = false;
    }
    if (this.over) for (const t of this.trainers) t.signal('SIGTERM');
    else this.watchTrainers();
  }

  /** Restarts `p` on its own ports whenever it exits without being asked to. */
  private watch(p: RoleProcess): void {
    void p.exited.then(async (exit) => {
      if (p.stopRequested || this.over) return;
      const restarts = this.restarts.get(p.options.name) ?? 0;
      if (restarts >= this.options.maxRestarts) {
        this.finish({ outcome: 'failed', reason: `${p.options.name} exited (${exit.signal ?? `code ${exit.code}`}) after ${restarts} restarts (see ${p.options.logFile})` });
        return;
      }
      this.restarts.set(p.options.name, restarts + 1);
      this.options.log(`${p.options.name} exited (${exit.signal ?? `code ${exit.code}`}); restarting it`);
      const info = p.info!;
      const prefix = p.options.role === 'teacher' ? 'teacher' : 'augment';
      for (let attempt = 1; attempt <= 5 && !this.over; attempt++) {
        try {
          await p.start([`--${prefix}.port`, String(info.port), `--${prefix}.metrics-port`, String(info.metricsPort)]);
          this.writePids();
          if (this.over) p.signal('SIGTERM');
          else this.watch(p);
          return;
        } catch (err) {
          this.options.log(`${p.options.name}: restart ${attempt} failed: ${(err as Error).message.split('\n')[0]}`);
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
      this.finish({ outcome: 'failed', reason: `${p.options.name} could not be restarted` });
    });
  }

  private poll(port: number): void {
    const security = this.options.security ?? PLAINTEXT;
    this.client = new (loadProtos().disco.v1.Coordinator)(`${LOOPBACK}:${port}`, security.credentials, { ...channelOptions(), ...security.options }) as CoordinatorClient;
    const tick = () => {
      this.client?.Status({}, { deadline: Date.now() + 2000 }, (err, status) => {
        if (!err && status && !this.over) this.options.onStatus?.(status);
      });
    };
    this.poller = setInterval(tick, this.options.pollMs);
    tick();
  }

  private finish(end: SupervisedEnd): void {
    if (this.over) return;
    this.over = true;
    this.ended(end);
  }

  /** Ends the run (Ctrl-C, SIGTERM): resolves once every child has exited. */
  stop(reason: string): Promise<void> {
    this.finish({ outcome: 'stopped', reason });
    return this.teardown();
  }

  /** The trainer drains and checkpoints first, then the others; stragglers get SIGKILL. */
  private teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      await this.startup; // never throws; a role half-way through start-up is stopped below
      if (this.poller) clearInterval(this.poller);
      this.client?.close();
      await Promise.all(this.trainers.map((t) => t.stop(120_000)));
      await Promise.all([...this.augmenters, ...this.teachers].map((p) => p.stop(30_000)));
      for (const p of [...this.trainers, ...this.teachers, ...this.augmenters]) p?.closeLog();
    })();
    return this.tornDown;
  }

  /** Second Ctrl-C: everything SIGKILLed now. */
  kill(): void {
    for (const p of [...this.trainers, ...this.teachers, ...this.augmenters]) p?.signal('SIGKILL');
  }

  /** `pids.json` in the run directory: each role process's pid and ports (operators, tests). */
  private writePids(): void {
    const entry = (p: RoleProcess) => ({ role: p.options.role, pid: p.pid, port: p.info?.port, metricsPort: p.info?.metricsPort, log: p.options.logFile });
    const all = Object.fromEntries([...this.trainers, ...this.teachers, ...this.augmenters].map((p) => [p.options.name, entry(p)]));
    writeFileAtomic(join(this.options.runDir, 'pids.json'), [Buffer.from(JSON.stringify({ supervisor: process.pid, roles: all }, null, 2) + '\n')]);
  }

  /** Every child pid (for tests). */
  pids(): number[] {
    return [...this.trainers, ...this.teachers, ...this.augmenters].map((p) => p?.pid).filter((p): p is number => p !== undefined);
  }
}
