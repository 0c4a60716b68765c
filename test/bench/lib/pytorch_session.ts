/**
 * A PyTorch process that runs one step per request, so the harness can interleave its steps
 * with ours. Protocol (`pytorch_resnet.py --serve`), one JSON object per stdout line: first
 * `{torch, torchvision, threads, params}` once the model is built; then, for each `step` line
 * written to stdin, `{ms}` (the step timed inside Python); `quit` ends it.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { BenchRunError } from './errors.ts';
import { pythonPath } from './python.ts';

export interface PytorchInfo {
  torch: string;
  torchvision: string;
  threads: number;
  /** Trainable parameters of the PyTorch model. */
  params: number;
}

export class PytorchSession {
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(
    private readonly script: string,
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
  ) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', (err) => {
      this.stderr += `\n${err.message}`;
    });
  }

  /** Starts `test/bench/<script> --serve` with `args` as `--key value` flags; resolves once its model is built. */
  static async start(script: string, args: Record<string, string | number>): Promise<{ session: PytorchSession; info: PytorchInfo }> {
    const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
    const argv = [path, '--serve', ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])];
    const child = spawn(pythonPath(), argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new PytorchSession(script, child);
    const info = await session.next<PytorchInfo>('start');
    return { session, info };
  }

  /** Runs one step; resolves to its time in ms as measured inside Python. */
  async step(): Promise<number> {
    this.child.stdin.write('step\n');
    return (await this.next<{ ms: number }>('step')).ms;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end('quit\n');
    await exited;
  }

  private async next<T>(what: string): Promise<T> {
    const { value, done } = await this.lines.next();
    if (done) {
      await new Promise((resolve) => (this.child.exitCode !== null ? resolve(null) : this.child.once('exit', resolve)));
      throw new BenchRunError(`${this.script} exited (code ${this.child.exitCode}) before answering '${what}':\n${this.stderr.trim().split('\n').slice(-6).join('\n')}`);
    }
    try {
      return JSON.parse(value) as T;
    } catch {
      throw new BenchRunError(`${this.script} answered '${what}' with a line that is not JSON: '${value.slice(0, 200)}'`);
    }
  }
}
