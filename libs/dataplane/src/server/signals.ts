/**
 * SIGTERM/SIGINT → graceful drain → exit 0 (exit 1 if the drain throws). A second signal
 * during the drain exits at once with 130/143.
 */
import type { Log } from '@disco/metrics';

export function exitOnSignal(drain: () => Promise<void>, log: Log = (l) => process.stderr.write(l + '\n')): void {
  let draining = false;
  const handler = (signal: NodeJS.Signals) => {
    if (draining) {
      log(`${signal} again: exiting without waiting`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    draining = true;
    log(`${signal}: draining`);
    drain().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`drain failed: ${err instanceof Error ? err.message : String(err)}`, { level: 'error', err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
