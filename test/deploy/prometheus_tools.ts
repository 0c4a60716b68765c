/**
 * The Prometheus binaries the deploy tests run (Debian's `prometheus` package: `promtool` and
 * `prometheus`; .ci/run installs it). A missing binary is a failure that says how to get it,
 * never a skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const PROMETHEUS_DIR = join(DEPLOY_DIR, 'prometheus');

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** Absolute path of `name` on PATH, or a MissingToolError naming the package that has it. */
export function findTool(name: 'promtool' | 'prometheus' | 'chromium'): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  const pkg = name === 'chromium' ? 'chromium' : 'prometheus';
  throw new MissingToolError(`'${name}' is not on PATH: install Debian's ${pkg} package (apt-get install -y ${pkg}); .ci/run does this for CI`);
}

export interface ToolResult {
  status: number;
  output: string;
}

/** Runs promtool with `args` in `cwd`; never throws on a non-zero exit (the caller asserts). */
export function promtool(args: readonly string[], cwd = PROMETHEUS_DIR): ToolResult {
  const r = spawnSync(findTool('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

/** `prometheus --version`'s first line (for messages). */
export function prometheusVersion(): string {
  return execFileSync(findTool('prometheus'), ['--version'], { encoding: 'utf8' }).split('\n')[0];
}
