/**
 * A role's log: one line per event, either structured JSON (pino, the Node standard; what
 * Kubernetes log shippers such as Loki or Elasticsearch filter by field) or the short readable
 * line `augment: lease stream ended by the trainer; reconnecting in 500 ms` for a terminal.
 *
 * Every JSON line carries `level` (debug|info|warn|error), `time` (ISO 8601), `role`, `msg`,
 * and, where they apply, `run`, `rank` (trainer replicas), `worker` (augment workers), `batch`
 * (the batch's key, run/epoch/step) and `err` ({type, message, stack}).
 *
 * Format: DISCO_LOG_FORMAT=json|pretty, else pretty when stderr is a terminal and JSON when it is
 * not (a pod). Level: DISCO_LOG_LEVEL (debug, info, warn, error; default info).
 */
import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

/** What a line may carry besides its message. */
export interface LogFields {
  /** info unless given. */
  level?: LogLevel;
  /** The batch the line is about (its key, run/epoch/step). */
  batch?: string;
  /** The error the line reports. */
  err?: unknown;
  [field: string]: unknown;
}

/** What roles and libraries log through: a message and, optionally, its fields. */
export type Log = (msg: string, fields?: LogFields) => void;

export interface RoleLogOptions {
  role: string;
  run?: string;
  rank?: number;
  worker?: string;
  /** Default: DISCO_LOG_FORMAT, else pretty on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: DISCO_LOG_LEVEL, else info. */
  level?: LogLevel;
  /** Where lines go (default stderr, written synchronously so no line is lost at exit). */
  write?: (line: string) => void;
}

/** DISCO_LOG_FORMAT, checked; undefined when unset. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat | undefined {
  const value = env.DISCO_LOG_FORMAT;
  if (value === undefined || value === '') return undefined;
  if (value !== 'json' && value !== 'pretty') throw new Error(`DISCO_LOG_FORMAT='${value}' is neither json nor pretty`);
  return value;
}

/** DISCO_LOG_LEVEL, checked; info when unset. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = env.DISCO_LOG_LEVEL;
  if (value === undefined || value === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new Error(`DISCO_LOG_LEVEL='${value}' is not one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

/** The readable line of one JSON record: `role[rank]: msg (batch b): error message`. */
export function prettyLine(record: Record<string, unknown>): string {
  const who = `${record.role ?? 'disco'}${typeof record.rank === 'number' && record.rank > 0 ? `[${record.rank}]` : ''}`;
  const level = record.level === 'warn' || record.level === 'error' ? `${String(record.level).toUpperCase()} ` : '';
  const err = record.err as { message?: string } | undefined;
  const detail = err?.message && !String(record.msg).includes(err.message) ? `: ${err.message}` : '';
  return `${who}: ${level}${record.msg}${detail}`;
}

/** The error as plain fields (pino's serializer shape), whatever was thrown. */
function errorFields(err: unknown): { type: string; message: string; stack?: string } {
  if (err instanceof Error) return { type: err.name, message: err.message, stack: err.stack };
  return { type: typeof err, message: String(err) };
}

/** A role's log (see the file's comment). */
export function createRoleLog(options: RoleLogOptions): Log & { logger: Logger; format: LogFormat } {
  const format = options.format ?? logFormatFromEnv() ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const base: Record<string, unknown> = { role: options.role };
  if (options.run) base.run = options.run;
  if (options.rank !== undefined) base.rank = options.rank;
  if (options.worker) base.worker = options.worker;
  const logger = pino(
    {
      level: options.level ?? logLevelFromEnv(),
      base,
      messageKey: 'msg',
      serializers: { err: (e: unknown) => e }, // already plain fields (errorFields), whatever was thrown
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    {
      write(line: string) {
        if (format === 'json') return write(line);
        write(prettyLine(JSON.parse(line) as Record<string, unknown>) + '\n');
      },
    },
  );
  const log = (msg: string, fields: LogFields = {}) => {
    const { level = 'info', err, ...rest } = fields;
    const record: Record<string, unknown> = { ...rest };
    if (err !== undefined) record.err = errorFields(err);
    logger[level](record, msg);
  };
  return Object.assign(log, { logger, format });
}
