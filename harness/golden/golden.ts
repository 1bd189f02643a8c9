/**
 * Golden files: golden/<suite>/<case>/<name>.png with <name>.json beside it
 * (areas to match and to exclude, tolerance, provenance), and text/byte
 * goldens <name>.txt for serial and printer output.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../cli/errors.js';

const rect = z.object({ x: z.number().int().min(0), y: z.number().int().min(0), width: z.number().int().positive(), height: z.number().int().positive() }).strict();

export const goldenMetaSchema = z
  .object({
    areas: z
      .object({
        /** When given, only pixels inside these rectangles are compared. */
        match: z.array(rect).default([]),
        /** Pixels inside these rectangles are never compared (clocks, cursors). */
        exclude: z.array(rect).default([]),
      })
      .strict()
      .default({ match: [], exclude: [] }),
    tolerance: z
      .object({
        /** How many differing pixels are still a match. */
        pixels: z.number().int().min(0).default(0),
        /** pixelmatch colour threshold (0 = exact). */
        threshold: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({ pixels: 0, threshold: 0 }),
    provenance: z
      .object({
        engineVersion: z.string(),
        engineCommit: z.string(),
        imageHash: z.string(),
        date: z.string(),
        case: z.string().optional(),
      })
      .partial()
      .optional(),
  })
  .strict();

export type GoldenMeta = z.output<typeof goldenMetaSchema>;
export type Provenance = NonNullable<GoldenMeta['provenance']>;

export function goldenCaseDir(root: string, caseId: string): string {
  return path.join(root, ...caseId.split('/'));
}

export function goldenPngPath(root: string, caseId: string, name: string): string {
  return path.join(goldenCaseDir(root, caseId), `${name}.png`);
}

export function goldenMetaPath(root: string, caseId: string, name: string): string {
  return path.join(goldenCaseDir(root, caseId), `${name}.json`);
}

export function goldenTextPath(root: string, caseId: string, name: string): string {
  return path.join(goldenCaseDir(root, caseId), `${name}.txt`);
}

export function readGoldenMeta(file: string): GoldenMeta {
  if (!existsSync(file)) return goldenMetaSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = goldenMetaSchema.safeParse(raw);
  if (!r.success) throw new UsageError(`${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Writes (or refreshes) a golden's metadata, keeping hand-written areas and tolerance. */
export function writeGoldenMeta(file: string, provenance: Provenance): void {
  const old = existsSync(file) ? readGoldenMeta(file) : undefined;
  const meta: Record<string, unknown> = {};
  if (old && (old.areas.match.length || old.areas.exclude.length)) meta.areas = old.areas;
  if (old && (old.tolerance.pixels || old.tolerance.threshold)) meta.tolerance = old.tolerance;
  meta.provenance = provenance;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(meta, null, 2) + '\n');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
