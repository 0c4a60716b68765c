/**
 * One supervised role process: `node --import tsx services/cli/src/main.ts serve <role>
 * --config <file> [flags]`, exactly what a pod runs. Waits for the role's listening line, logs
 * its stderr to a file, and knows how it ended. The child watches its parent
 * (`DISCO_EXIT_WITH_PARENT`), so even a supervisor killed with SIGKILL leaves no orphans.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnRole, type ListeningLine, type SpawnedRole } from '@disco/dataplane';

/** services/cli/src/main.ts */
export const CLI_MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface RoleProcessOptions {
  role: 'augment' | 'teacher' | 'trainer';
  /** e.g. `augment-0`: names the log file and log lines. */
  name: string;
  configFile: string;
  /** Flags after the config file (ports, addresses): they override it. */
  flags: readonly string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  readyTimeoutMs?: number;
  /** Each stderr line, prefixed with the name (e.g. to echo in verbose mode). */
  onLine?: (line: string) => void;
}

export interface RoleExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class RoleProcess {
  private spawned: SpawnedRole | undefined;
  /** The child from the moment it is spawned (it may not listen yet), and how it ends. */
  private child: ChildProcess | undefined;
  private childExited: Promise<RoleExit> | undefined;
  private log: WriteStream | undefined;
  /** Set when we asked it to stop, so its exit is expected. */
  stopRequested = false;

  constructor(readonly options: RoleProcessOptions) {}

  get info(): ListeningLine | undefined {
    return this.spawned?.info;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): Promise<RoleExit> {
    if (!this.childExited) throw new Error(`${this.options.name} has not started`);
    return this.childExited;
  }

  /** Spawns and resolves with the listening line (rejects with the child's last stderr lines). */
  async start(extraFlags: readonly string[] = []): Promise<ListeningLine> {
    const { options } = this;
    mkdirSync(dirname(options.logFile), { recursive: true });
    this.log ??= createWriteStream(options.logFile, { flags: 'a' });
    this.stopRequested = false;
    // The marker between starts of the role, in the log's own format.
    const time = new Date().toISOString();
    this.log.write(options.env.DISCO_LOG_FORMAT === 'json' // as spawnRole passes it on
      ? JSON.stringify({ level: 'info', time, role: options.role, msg: `--- starting ${options.name}`, supervisor: true }) + '\n'
      : `--- ${time} starting ${options.name}\n`);
    this.spawned = await spawnRole({
      script: CLI_MAIN,
      args: ['serve', options.role, '--config', options.configFile, ...options.flags, ...extraFlags],
      env: { ...options.env, DISCO_EXIT_WITH_PARENT: '1' },
      readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
      onSpawn: (child, exited) => {
        this.child = child;
        this.childExited = exited;
      },
      onStderr: (line) => {
        this.log?.write(line + '\n');
        options.onLine?.(`${options.name}: ${line}`);
      },
    });
    return this.spawned.info;
  }

  /** Sends `signal` (SIGTERM: drain) if the process is running (listening or still starting). */
  signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      if (signal !== 'SIGKILL') this.stopRequested = true;
      child.kill(signal);
    }
  }

  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs: number): Promise<RoleExit | undefined> {
    if (!this.childExited) return undefined;
    this.stopRequested = true;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.childExited;
    } finally {
      clearTimeout(timer);
    }
  }

  closeLog(): void {
    this.log?.end();
    this.log = undefined;
  }
}
