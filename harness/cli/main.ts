/**
 * Entry point of the `lab` command.
 *
 * Each subcommand lives in its own module under harness/cli/ and exports
 * `register(program)`; this file only lists them and turns errors into exit
 * codes. A user never sees a stack trace: commander's own errors (unknown
 * command, unknown option, missing argument) and our LabErrors print one line
 * and exit 2 (or the error's code); anything else is an internal error, printed
 * as one line with exit 3 (set LAB_DEBUG=1 for the stack).
 */
import { Command, CommanderError } from 'commander';
import { LabError } from './errors.js';
import { EngineInputError } from '../../engine/errors.js';
import { subcommands } from './commands.js';
import { engineInfo } from '../build-info.js';
import type { EngineInfo } from '../results/schema.js';

export function versionLine(info: EngineInfo = engineInfo()): string {
  return `lab ${info.version} (commit ${info.commit}${info.dirty ? ', with uncommitted changes' : ''})`;
}

export function createProgram(): Command {
  const program = new Command('lab');
  program
    .description('Compatibility lab: boot legacy PC software on a deterministic emulator and certify it.')
    .version(versionLine(), '-V, --version', 'print the version and the git commit it was built from')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // commander prints "error: ..." itself; keep it to one line on stderr.
      writeErr: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
    });
  for (const register of subcommands) register(program);
  // Subcommands inherit the override so their usage errors also come back here.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code (never throws). */
export async function runCli(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version requests arrive as "errors" with exit code 0.
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    // commander has already printed its one-line message.
    return 2;
  }
  if (err instanceof LabError) {
    process.stderr.write(`lab: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof EngineInputError) {
    process.stderr.write(`lab: ${err.message}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`lab: internal error: ${message}\n`);
  if (process.env.LAB_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return 3;
}
