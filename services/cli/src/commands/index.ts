/** Every `disco` subcommand, in the order `disco help` lists them. */
import type { Command } from '../command.ts';
import { infoCommand } from './info.ts';
import { trainCommand } from './train.ts';
import { serveCommand } from './serve.ts';
import { importTeacherCommand } from './import_teacher.ts';
import { exportCommand } from './export.ts';
import { evalCommand } from './eval.ts';

export const COMMANDS: Command[] = [trainCommand, serveCommand, evalCommand, importTeacherCommand, exportCommand, infoCommand];
