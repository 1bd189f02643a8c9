/** Text matching shared by wait_text, expect_text, wait_serial and expect_serial. */
import type { TextMatch } from '../suite/schema.js';

export function textMatches(haystack: string, m: TextMatch): boolean {
  if ('contains' in m) return haystack.includes(m.contains);
  if ('equals' in m) return haystack === m.equals;
  return new RegExp(m.regex, 'm').test(haystack);
}

export function describeMatch(m: TextMatch): string {
  if ('contains' in m) return JSON.stringify(m.contains);
  if ('equals' in m) return `exactly ${JSON.stringify(m.equals)}`;
  return `/${m.regex}/`;
}

/** Row `row` of a text screen (rows joined by \n), or the whole screen. */
export function screenRow(text: string, row: number | undefined): string {
  if (row === undefined) return text;
  return text.split('\n')[row] ?? '';
}

/** The last `n` characters, for failure messages ("serial output ends with …"). */
export function tail(s: string, n = 200): string {
  const t = s.length > n ? '…' + s.slice(-n) : s;
  return JSON.stringify(t);
}
