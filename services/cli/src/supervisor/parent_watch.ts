/**
 * The child side of "no orphans": a role started by `disco train` (env `DISCO_EXIT_WITH_PARENT=1`)
 * checks once a second that its parent is still the supervisor; if the supervisor died (even by
 * SIGKILL, which it cannot handle) the child is re-parented, notices, and drains itself with
 * SIGTERM (the trainer checkpoints first).
 */
export function exitWithParent(intervalMs = 1000): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.stderr.write(`parent ${parent} is gone: draining\n`);
      process.kill(process.pid, 'SIGTERM');
    }
  }, intervalMs);
  timer.unref();
}
