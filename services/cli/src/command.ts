/** One `disco <name>` subcommand; each lives in its own file under `commands/`. */
export interface Command {
  name: string;
  /** One line for `disco help`. */
  summary: string;
  /** Usage text shown by `disco <name> --help` and on bad arguments. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
