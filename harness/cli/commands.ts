/**
 * The list of `lab` subcommands. Each module registers its own command,
 * options and help text; adding a command means adding one line here.
 */
import type { Command } from 'commander';
import { register as boot } from './boot.js';
import { register as image } from './image.js';
import { register as conformance } from './conformance.js';
import { register as run } from './run.js';
import { register as report } from './report.js';
import { register as golden } from './golden.js';
import { register as merge } from './merge.js';
import { register as gate } from './gate.js';
import { register as repro } from './repro.js';

export type RegisterCommand = (program: Command) => void;

export const subcommands: RegisterCommand[] = [
  boot,
  image,
  conformance,
  run,
  report,
  golden,
  merge,
  gate,
  repro,
];
