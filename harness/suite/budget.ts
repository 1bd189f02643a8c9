/**
 * Step timeouts and durations. They are always guest quantities — virtual
 * milliseconds or retired instructions — never host time, so a slow CI machine
 * runs the same number of instructions as a fast laptop and cannot time out
 * where the laptop passed.
 */
export interface Budget {
  /** Virtual milliseconds (from the machine's VirtualClock). */
  virtualMs?: number;
  /** Retired instructions. */
  instructions?: number;
}

const UNIT_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|i|insn|instructions|k\s*insn|k\s*instructions|m\s*insn|m\s*instructions|ki|mi)?\s*$/i;

/**
 * Parses a budget. A bare number is virtual milliseconds. Strings take a unit:
 * "250ms", "2s", "1min" (virtual time) or "500000 instructions", "20M insn",
 * "3Mi" (retired instructions). Returns undefined when the text is not a budget.
 */
export function parseBudget(value: number | string): Budget | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? { virtualMs: value } : undefined;
  const m = UNIT_RE.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n > 0)) return undefined;
  const unit = (m[2] ?? 'ms').toLowerCase().replace(/\s+/g, '');
  switch (unit) {
    case 'ms':
      return { virtualMs: n };
    case 's':
      return { virtualMs: n * 1000 };
    case 'min':
      return { virtualMs: n * 60_000 };
    case 'i':
    case 'insn':
    case 'instructions':
      return { instructions: Math.round(n) };
    case 'kinsn':
    case 'kinstructions':
    case 'ki':
      return { instructions: Math.round(n * 1e3) };
    default:
      return { instructions: Math.round(n * 1e6) };
  }
}

export const BUDGET_HELP = 'a number of virtual milliseconds, or a string like "500ms", "2s", "1000000 instructions" or "20M insn"';

export function formatBudget(b: Budget): string {
  if (b.instructions !== undefined) return `${b.instructions} instructions`;
  return `${b.virtualMs ?? 0} virtual ms`;
}
