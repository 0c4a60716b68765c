/** The `disco` command: the composition root that starts roles and runs tools. */
import { COMMANDS } from './commands/index.ts';
import { UsageError } from './command.ts';
import { DEBUG_HINT, debugRequested, errorLine } from './error_line.ts';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: disco <command> [options]', '', 'commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`disco: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`disco ${name}: ${(err as Error).message}\nusage: ${command.usage}\n`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const debug = debugRequested();
    process.stderr.write(`disco ${process.argv[2] ?? ''}: ${errorLine(err, debug)}${debug ? '' : ` ${DEBUG_HINT}`}\n`);
    process.exitCode = 1;
  },
);
