/** Every `disco` subcommand, in the order `disco help` lists them. */
import type { Command } from '../command.ts';
import { infoCommand } from './info.ts';
import { importTeacherCommand } from './import_teacher.ts';
import { exportCommand } from './export.ts';

export const COMMANDS: Command[] = [infoCommand, importTeacherCommand, exportCommand];
