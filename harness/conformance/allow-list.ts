/**
 * The conformance allow-list: vectors that fail because of a hardware effect
 * the reference CPU deliberately does not model (each entry names it). The
 * committed list lives at test/fixtures/conformance/allow-list.json and is
 * applied by default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AllowEntry } from './runner.js';

export const DEFAULT_ALLOW_LIST = join('test', 'fixtures', 'conformance', 'allow-list.json');

/** The committed allow-list, found by walking up from this module (src or dist), or undefined. */
export function findDefaultAllowList(): string | undefined {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(d, DEFAULT_ALLOW_LIST);
    if (existsSync(p)) return p;
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

/** Parse an allow-list file; throws Error with the file name on a malformed entry. */
export function loadAllowList(file: string): AllowEntry[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown };
  if (!Array.isArray(raw.entries)) throw new Error(`${file}: expected {"entries": [...]}`);
  return raw.entries.map((e: unknown, i: number) => {
    const o = e as Partial<AllowEntry>;
    if (typeof o.file !== 'string' || typeof o.hash !== 'string' || typeof o.reason !== 'string' || o.reason.trim() === '') {
      throw new Error(`${file}: entry ${i} needs "file", "hash" and a non-empty "reason"`);
    }
    return { file: o.file, hash: o.hash, reason: o.reason };
  });
}
