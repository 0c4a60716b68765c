/** Typed errors of the benchmark harness; `main.ts` prints them without a stack. */

/** A bad command line (unknown bench, unknown flag, a value of the wrong kind). Exit code 2. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

/** A bench that could not run as asked (missing PyTorch with `--pytorch on`, wasm heap full, …). */
export class BenchRunError extends Error {
  override name = 'BenchRunError';
}
