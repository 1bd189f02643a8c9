/**
 * Compatibility tier of an app, derived only from its checks — never set by
 * hand. ERROR and SKIP results say nothing about the app (the lab could not
 * judge it), so they do not count as checks.
 *   Works             every check passes
 *   Works with issues some checks pass, some fail (expected failures included)
 *   Does not work     no check passes
 *   Untested          no checks
 */
import type { Outcome } from '../results/schema.js';

export const TIERS = ['Works', 'Works with issues', 'Does not work', 'Untested'] as const;
export type Tier = (typeof TIERS)[number];

export function tierOf(outcomes: readonly Outcome[]): Tier {
  const checks = outcomes.filter((o) => o !== 'ERROR' && o !== 'SKIP');
  if (checks.length === 0) return 'Untested';
  const passed = checks.filter((o) => o === 'PASS' || o === 'XPASS').length;
  if (passed === checks.length) return 'Works';
  if (passed === 0) return 'Does not work';
  return 'Works with issues';
}

export function tierClass(t: Tier): string {
  return { Works: 'works', 'Works with issues': 'issues', 'Does not work': 'broken', Untested: 'untested' }[t];
}
