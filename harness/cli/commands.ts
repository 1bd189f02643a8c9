/**
 * The list of `lab` subcommands. Each module registers its own command,
 * options and help text; adding a command means adding one line here.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const subcommands: RegisterCommand[] = [];
