/**
 * The long-lived part of the fault suite's deployment: two teacher replicas (plus one started
 * with the wrong embedding dimension, idle until a trial routes traffic to it), two augment
 * workers, and the TCP links between them (tcp_proxy.ts). Trainers come and go, one run per
 * trial: each worker reaches "the trainer" through its own link, which the suite points at the
 * trial's trainer, so workers and teachers outlive trials.
 *
 *   worker k ──its trainer link──▶ the trial's trainer
 *   worker k ──teacherLinks[0]──▶ teacher 0   (or the wrong-dim teacher, when a trial says so)
 *            ──teacherLinks[1]──▶ teacher 1
 *
 * Process start-up (2–6 s on 2 cores) is the suite's main cost, so one spare teacher and one
 * spare worker (its trainer link pointing nowhere yet) are kept warm: `heal` swaps a spare in for
 * each process a fault killed and starts the next spare in the background.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SpawnedRole } from '@disco/dataplane';
import { TcpProxy } from './tcp_proxy.ts';
import { LogRing, alive, faultConfig, kill, startRole, writeConfig } from './roles.ts';

/** The wrong-dim teacher's embedding size (the run's is 16). */
export const WRONG_DIM = 8;

export interface StartTrainerOptions {
  runDir: string;
  /** Extra environment (the checkpoint hook). */
  env?: Record<string, string>;
  onStderr?: (line: string) => void;
}

/** An augment worker and the link it reaches the trainer through. */
export interface Worker {
  process: SpawnedRole;
  trainerLink: TcpProxy;
}

export class FaultCluster {
  readonly logs = new LogRing();
  readonly config: string;
  readonly teachers: SpawnedRole[] = [];
  private badTeacher: SpawnedRole | undefined;
  readonly workers: Worker[] = [];
  readonly teacherLinks: TcpProxy[] = [];
  private spareTeacher!: Promise<SpawnedRole>;
  private wrongDimTeacher!: Promise<SpawnedRole>;
  private spareWorker!: Promise<Worker>;
  private trainer: SpawnedRole | undefined;
  private started = 0;
  /** Where each teacher link leads now. */
  private readonly routes: ('own' | 'wrong-dim')[] = ['own', 'own'];

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.config = writeConfig(join(dir, 'config.json'), faultConfig());
  }

  /** Starts teachers, links and workers; no trainer yet (the workers wait for one). Trainers may be started before. */
  async up(): Promise<void> {
    for (let i = 0; i < 2; i++) this.teacherLinks.push(await TcpProxy.start());
    const teachers = await Promise.all([this.startTeacher(), this.startTeacher()]);
    this.teachers.push(...teachers);
    teachers.forEach((t, i) => this.teacherLinks[i].retarget(t.info.port));
    this.workers.push(...(await Promise.all([this.startWorker(), this.startWorker()])));
    this.useTrainer(this.trainer);
  }

  /** Starts the spares and the wrong-dim teacher in the background (after `up`: they are needed from the first trial on). */
  startSpares(): void {
    this.spareTeacher = this.startTeacher();
    this.spareWorker = this.startWorker();
    this.wrongDimTeacher = startRole('teacher', 'teacher-wrong-dim', { config: this.config, logs: this.logs, flags: ['--teacher.embed-dim', String(WRONG_DIM)] });
    void this.wrongDimTeacher.then((t) => (this.badTeacher = t), () => undefined);
  }

  private startTeacher(): Promise<SpawnedRole> {
    return startRole('teacher', `teacher-#${++this.started}`, { config: this.config, logs: this.logs });
  }

  /** A worker on a new trainer link that leads nowhere yet (its lease stream waits). */
  private async startWorker(): Promise<Worker> {
    const trainerLink = await TcpProxy.start({ holdWhileDown: true });
    const process = await startRole('augment', `augment-#${++this.started}`, {
      config: this.config,
      logs: this.logs,
      flags: ['--augment.trainer', trainerLink.address, '--augment.teachers', this.teacherLinks.map((l) => l.address).join(',')],
    });
    return { process, trainerLink };
  }

  /** Starts a trainer (it idles until `useTrainer` points the workers at it). */
  startTrainer(options: StartTrainerOptions): Promise<SpawnedRole> {
    const name = `trainer-#${++this.started}`;
    return startRole('trainer', name, { config: this.config, logs: this.logs, flags: ['--trainer.run-dir', options.runDir], env: options.env, onStderr: options.onStderr });
  }

  /** Points both workers' trainer links at `trainer` (undefined: new connections wait). */
  useTrainer(trainer: SpawnedRole | undefined): void {
    this.trainer = trainer;
    for (const w of this.workers) w.trainerLink.retarget(trainer?.info.port);
  }

  /** Routes teacher link `slot` to the wrong-dim teacher (or back to its own teacher) and drops its open connections. */
  async routeTeacher(slot: number, to: 'own' | 'wrong-dim'): Promise<void> {
    const target = to === 'own' ? this.teachers[slot] : await this.wrongDimTeacher;
    this.routes[slot] = to;
    this.teacherLinks[slot].retarget(target.info.port);
    this.teacherLinks[slot].drop();
  }

  /**
   * After a trial: stopped processes continued, links resumed and routed to their own teachers,
   * and a warm spare swapped in for each process a fault killed (the next spare starts in the
   * background). Returns the slots that got a spare.
   */
  async heal(): Promise<string[]> {
    for (const p of [...this.teachers, ...this.workers.map((w) => w.process), this.badTeacher]) if (p && alive(p)) p.child.kill('SIGCONT');
    for (const link of [...this.workers.map((w) => w.trainerLink), ...this.teacherLinks]) link.resume(true);
    if (this.badTeacher && !alive(this.badTeacher)) throw new Error(`the wrong-dim teacher died\n${this.logs.tail()}`);
    const swapped: string[] = [];
    for (let i = 0; i < this.teachers.length; i++) {
      if (!alive(this.teachers[i])) {
        await this.teachers[i].exited;
        this.teachers[i] = await this.spareTeacher;
        this.spareTeacher = this.startTeacher();
        await this.routeTeacher(i, 'own');
        swapped.push(`teacher ${i}`);
      } else if (this.routes[i] !== 'own') await this.routeTeacher(i, 'own');
    }
    for (let k = 0; k < this.workers.length; k++) {
      if (alive(this.workers[k].process)) continue;
      await this.workers[k].process.exited;
      await this.workers[k].trainerLink.stop();
      this.workers[k] = await this.spareWorker;
      this.workers[k].trainerLink.retarget(this.trainer?.info.port);
      this.spareWorker = this.startWorker();
      swapped.push(`worker ${k}`);
    }
    return swapped;
  }

  /** Kills every process, closes the links and removes the folder. */
  async destroy(extra: (SpawnedRole | undefined)[] = []): Promise<void> {
    const spares = await Promise.all([this.spareTeacher?.catch(() => undefined), this.spareWorker?.catch(() => undefined), this.wrongDimTeacher?.catch(() => undefined)]);
    const workers = [...this.workers, ...(spares[1] ? [spares[1]] : [])];
    const all = [...this.teachers, ...workers.map((w) => w.process), spares[0], spares[2], ...extra];
    for (const p of all) if (p && alive(p)) p.child.kill('SIGCONT');
    await Promise.all(all.map((p) => kill(p)));
    await Promise.all([...workers.map((w) => w.trainerLink), ...this.teacherLinks].map((l) => l.stop()));
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}
