/** Option parsing helpers shared by the harness commands. */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from 'commander';

export function intOption(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name}: expected an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

export function numberOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name}: expected a non-negative number, got "${v}"`);
    return n;
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}
