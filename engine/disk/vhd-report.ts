/**
 * How structure validation reports a problem. Opening an image uses the
 * throwing reporter (first problem = EngineInputError); `lab image check`
 * collects every problem with its byte offset and keeps going where it can.
 */
import { EngineInputError } from '../errors.js';

export interface VhdProblem {
  file: string;
  offset: number;
  /** Which structure: "footer", "dynamic header", "BAT", "sector bitmap", ... */
  structure: string;
  message: string;
  /** 'warning' problems (leaked space, a stale footer copy) do not make an image unusable. */
  severity: 'error' | 'warning';
}

export type Reporter = (offset: number, structure: string, message: string, severity?: 'error' | 'warning') => void;

function hex(n: number): string {
  return '0x' + n.toString(16);
}

export function formatProblem(p: VhdProblem): string {
  return `${p.file}: ${p.structure}: ${p.message} at offset ${hex(p.offset)}`;
}

/** Throws EngineInputError for errors; warnings are ignored when opening. */
export function throwingReporter(file: string): Reporter {
  return (offset, structure, message, severity = 'error') => {
    if (severity === 'warning') return;
    throw new EngineInputError(formatProblem({ file, offset, structure, message, severity }), file, offset);
  };
}

export function collectingReporter(file: string, into: VhdProblem[]): Reporter {
  return (offset, structure, message, severity = 'error') => {
    into.push({ file, offset, structure, message, severity });
  };
}
