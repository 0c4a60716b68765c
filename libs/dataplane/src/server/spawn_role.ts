/**
 * Starts a role (`services/<role>/src/main.ts`) as a child process and waits for its one-line
 * JSON `{"event":"listening", "port": ..., ...}` on stdout. Used by `disco train` (the embedded
 * default runs every role as its own process) and by tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** tsx's loader resolved from this file, so roles start from any working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

export interface ListeningLine {
  event: 'listening';
  role: string;
  port: number;
  metricsPort: number;
  [key: string]: unknown;
}

/**
 * The listening line a role prints on stdout once it serves: the event its starter waits for,
 * and a log record too (level, time, msg) so a pod's log stays all JSON.
 */
export function writeListeningLine(line: Omit<ListeningLine, 'event'>): void {
  const record = { level: 'info', time: new Date().toISOString(), role: line.role, msg: `listening on port ${line.port} (metrics ${line.metricsPort})`, event: 'listening', ...line };
  process.stdout.write(JSON.stringify(record) + '\n');
}

/** `env` without `key` when it is set but empty. */
function withoutEmpty(env: NodeJS.ProcessEnv, key: string): NodeJS.ProcessEnv {
  if (env[key] !== '') return env;
  const { [key]: _empty, ...rest } = env;
  return rest;
}

export interface SpawnedRole {
  child: ChildProcess;
  info: ListeningLine;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnRoleOptions {
  /** Path of the role's main.ts. */
  script: string;
  args?: readonly string[];
  /** Node flags before the script (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Most time to wait for the listening line (ms). */
  readyTimeoutMs?: number;
  /** Each stderr line of the child (default: dropped). */
  onStderr?: (line: string) => void;
  /** Called with the child as soon as it is spawned (before it listens), so a caller can stop it at any time. */
  onSpawn?: (child: ChildProcess, exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>) => void;
}

export class RoleStartError extends Error {
  override name = 'RoleStartError';
  constructor(
    message: string,
    /** The child's last non-empty stderr line: what it said before it failed. */
    readonly lastLine: string,
  ) {
    super(message);
  }
}

export function spawnRole(options: SpawnRoleOptions): Promise<SpawnedRole> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', TSX_LOADER, options.script, ...(options.args ?? [])], {
    cwd: options.cwd,
    // A role started by another process (disco train, tests) logs readable lines unless asked for JSON.
    env: { DISCO_LOG_FORMAT: 'pretty', ...withoutEmpty(options.env ?? process.env, 'DISCO_LOG_FORMAT') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  options.onSpawn?.(child, exited);
  const stderr: string[] = [];
  const lastLine = () => [...stderr].reverse().find((l) => l.trim() !== '') ?? '';
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
    options.onStderr?.(line);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new RoleStartError(`${options.script}: no listening line within ${options.readyTimeoutMs ?? 60_000} ms\n${stderr.join('\n')}`, lastLine()));
    }, options.readyTimeoutMs ?? 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if ((parsed as ListeningLine)?.event === 'listening') {
        clearTimeout(timer);
        resolve({ child, info: parsed as ListeningLine, exited });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new RoleStartError(`${options.script} exited (code ${code}, signal ${signal}) before listening\n${stderr.join('\n')}`, lastLine()));
    });
  });
}
