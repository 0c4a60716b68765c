/**
 * How the `disco` command reports an error: one line — what went wrong and with which input,
 * the error's own first line — unless the user asked for more (`--verbose`, or DISCO_DEBUG=1),
 * then the stack trace too. A user's mistake (a bad path, a checkpoint that does not fit) is not
 * a crash, and a 40-line trace hides the one line that says what to do.
 */
export function debugRequested(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DISCO_DEBUG === '1' || argv.includes('--verbose') || argv.includes('--local.verbose');
}

/** `Name: first line of the message` (plain Errors without the `Error: `), or the full stack when debugging. */
export function errorLine(err: unknown, debug = debugRequested()): string {
  if (!(err instanceof Error)) return String(err);
  if (debug) return err.stack ?? err.message;
  const first = err.message.split('\n')[0];
  const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
  return `${name}${first}`;
}

export const DEBUG_HINT = '(DISCO_DEBUG=1 or --verbose for the stack trace)';
