/**
 * Which engine build produced a result: the version and git commit recorded
 * at build time (scripts/write-build-info.mjs → dist/build-info.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EngineInfo } from './results/schema.js';

export function engineInfo(): EngineInfo {
  // Compiled: dist/harness/build-info.js → dist/build-info.json. From source (tests): harness/ → dist/.
  for (const rel of ['../build-info.json', '../dist/build-info.json']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(file)) continue;
    try {
      const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<EngineInfo>;
      return { version: String(o.version ?? '0.0.0'), commit: String(o.commit ?? 'unknown'), dirty: Boolean(o.dirty) };
    } catch {
      break;
    }
  }
  return { version: '0.0.0', commit: 'unknown', dirty: false };
}
