/**
 * The progress display of `disco train`: one line from the trainer's Status — epoch and step,
 * a bar, images/s, loss terms, lr and ETA. On a TTY the line is redrawn in place; otherwise a
 * plain line is printed every `plainEveryMs` (and at each epoch change), for logs and CI.
 */
import type { StatusReply__Output } from '@disco/dataplane';

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

const LOSS_ORDER = ['total', 'contrastive', 'distill1', 'distill2', 'seed'];

function formatLosses(losses: Record<string, number>): string {
  const names = Object.keys(losses).sort((a, b) => LOSS_ORDER.indexOf(a) - LOSS_ORDER.indexOf(b));
  return names.map((n) => `${n === 'total' ? 'loss' : n} ${losses[n].toPrecision(4)}`).join(' ');
}

export interface ProgressFigures {
  done: number;
  total: number;
  fraction: number;
  etaSeconds: number;
}

/** Steps done of all planned, and the time left at the current images/s. */
export function progressFigures(s: StatusReply__Output, batchSize: number): ProgressFigures {
  const total = s.epochs * s.stepsPerEpoch;
  const done = Math.min(total, s.globalStep);
  const etaSeconds = s.imagesPerSecond > 0 ? ((total - done) * batchSize) / s.imagesPerSecond : NaN;
  return { done, total, fraction: total > 0 ? done / total : 0, etaSeconds };
}

/** One status line; `barWidth` 0 leaves the bar out. */
export function formatStatusLine(s: StatusReply__Output, batchSize: number, barWidth = 20): string {
  const f = progressFigures(s, batchSize);
  const filled = Math.round(f.fraction * barWidth);
  const bar = barWidth > 0 ? `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ` : '';
  // Past the last step the trainer's position is (epochs, 0): show the last epoch, complete.
  const finished = s.epoch >= s.epochs;
  const epoch = finished ? s.epochs : s.epoch + 1;
  const step = finished ? s.stepsPerEpoch : s.step;
  const parts = [
    `epoch ${epoch}/${s.epochs} step ${step}/${s.stepsPerEpoch}`,
    `${bar}${(f.fraction * 100).toFixed(0)}%`,
    `${s.imagesPerSecond.toFixed(1)} img/s`,
  ];
  if (Object.keys(s.losses).length > 0) parts.push(formatLosses(s.losses), `lr ${s.lr.toPrecision(3)}`);
  if (s.knnEpoch > 0) parts.push(`kNN ${(100 * s.knnTop1).toFixed(1)}%`);
  parts.push(`ETA ${formatDuration(f.etaSeconds)}`);
  if (s.state !== 'TRAINING') parts.push(s.state.toLowerCase());
  return parts.join('  ');
}

export interface ProgressDisplayOptions {
  out: NodeJS.WriteStream;
  batchSize: number;
  /** Redraw in place (a TTY) or print plain lines. */
  tty: boolean;
  plainEveryMs?: number;
}

export class ProgressDisplay {
  private lastPlain = 0;
  private lastEpoch = -1;
  private drawn = false;

  constructor(private readonly options: ProgressDisplayOptions) {}

  update(status: StatusReply__Output): void {
    const { out, tty, batchSize } = this.options;
    const width = tty ? Math.max(0, Math.min(30, (out.columns ?? 120) - 150)) : 20;
    const line = formatStatusLine(status, batchSize, tty ? Math.max(10, width) : 20);
    if (tty) {
      const cols = out.columns ?? 200;
      out.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain >= (this.options.plainEveryMs ?? 10_000) || status.epoch !== this.lastEpoch) {
      out.write(line + '\n');
      this.lastPlain = now;
      this.lastEpoch = status.epoch;
    }
  }

  /** Writes a message without tearing the in-place line. */
  message(text: string): void {
    const { out } = this.options;
    if (this.drawn) out.write('\r\x1b[K');
    out.write(text + '\n');
    this.drawn = false;
  }

  finish(): void {
    if (this.drawn) this.options.out.write('\n');
    this.drawn = false;
  }
}
