/**
 * Runs the `disco` command (services/cli/bin/disco.mjs) as a child process, the way a user
 * would, with its output going to a log file; returns the exit code, the wall time and stdout.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export const DISCO_BIN = 'services/cli/bin/disco.mjs';

export interface CliResult {
  code: number;
  wallSeconds: number;
  stdout: string;
}

/** The command line as a user types it (for the report). */
export function commandLine(args: readonly string[]): string {
  const quote = (a: string) => (/^[\w./@:=,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['disco', ...args].map(quote).join(' ');
}

/**
 * `disco <args>` with stdout and stderr appended to `logFile`; stdout is also returned (for
 * `--json`). Resolves on exit; never rejects for a non-zero code (the caller decides).
 */
export function runDisco(args: readonly string[], logFile: string): Promise<CliResult> {
  const t0 = performance.now();
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`$ ${commandLine(args)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DISCO_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      log.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => log.write(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      log.end(`\n[exit ${code ?? 'signal'} after ${wallSeconds.toFixed(1)} s]\n`, () => resolve({ code: code ?? 1, wallSeconds, stdout }));
    });
  });
}
