/**
 * Loading SingleStepTests-format CPU vectors: gzip JSON arrays (`*.json.gz`)
 * or gzip JSON Lines (`*.jsonl.gz`), the `metadata.json` found next to the
 * files or in a parent directory, and the 80286 revocation list.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

export type RegName = 'ax' | 'bx' | 'cx' | 'dx' | 'cs' | 'ss' | 'ds' | 'es' | 'sp' | 'bp' | 'si' | 'di' | 'ip' | 'flags';
export const REG_NAMES: readonly RegName[] = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags'];

export interface VectorState {
  regs: Partial<Record<RegName, number>>;
  ram: [number, number][];
}

export interface Vector {
  name: string;
  bytes: number[];
  initial: VectorState;
  final: VectorState;
  exception?: { number: number; flag_address: number };
  /** `test_hash` (8086 set) or `hash` (80286 set). */
  hash: string;
  index: number;
}

export interface OpcodeMeta {
  status?: string;
  flags?: string;
  'flags-mask'?: number;
  reg?: Record<string, OpcodeMeta>;
}

export interface Metadata {
  opcodes: Record<string, OpcodeMeta>;
}

/** Expand paths (files or directories) to the vector files they contain, sorted. */
export function listVectorFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (statSync(abs).isDirectory()) {
      for (const f of readdirSync(abs).sort()) {
        if (f.endsWith('.json.gz') || f.endsWith('.jsonl.gz')) out.push(join(abs, f));
      }
    } else out.push(abs);
  }
  return out;
}

interface RawVector {
  name: string;
  bytes: number[];
  initial: VectorState;
  final: VectorState;
  exception?: { number: number; flag_address: number };
  hash?: string;
  test_hash?: string;
  idx?: number;
  test_num?: number;
}

/** Parse one vector file. `limit` keeps only the first N tests. */
export function loadVectors(file: string, limit = Infinity): Vector[] {
  const buf = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  const out: Vector[] = [];
  const push = (r: RawVector, i: number): void => {
    out.push({
      name: r.name,
      bytes: r.bytes,
      initial: { regs: r.initial.regs, ram: r.initial.ram },
      final: { regs: r.final.regs, ram: r.final.ram },
      exception: r.exception,
      hash: r.test_hash ?? r.hash ?? '',
      index: r.test_num ?? r.idx ?? i,
    });
  };
  const first = text.trimStart()[0];
  if (first === '[') {
    const arr = JSON.parse(text) as RawVector[];
    for (let i = 0; i < arr.length && i < limit; i++) push(arr[i], i);
    return out;
  }
  let start = 0;
  let i = 0;
  while (start < text.length && i < limit) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    push(JSON.parse(line) as RawVector, i++);
  }
  return out;
}

/** The nearest `name` in `dir` or one of its parents, or undefined. */
export function findUpwards(dir: string, name: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    const p = join(d, name);
    if (existsSync(p)) return p;
    const parent = dirname(d);
    if (parent === d) return undefined;
    d = parent;
  }
}

const metaCache = new Map<string, Metadata | undefined>();

export function metadataFor(file: string): Metadata | undefined {
  const p = findUpwards(dirname(file), 'metadata.json');
  if (p === undefined) return undefined;
  if (!metaCache.has(p)) metaCache.set(p, JSON.parse(readFileSync(p, 'utf8')) as Metadata);
  return metaCache.get(p);
}

export function revocationsFor(file: string): Set<string> {
  const p = findUpwards(dirname(file), 'revocation_list.txt');
  const s = new Set<string>();
  if (p === undefined) return s;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    const t = line.trim();
    if (t && !t.startsWith('#')) s.add(t.toLowerCase());
  }
  return s;
}

/** "80.3.jsonl.gz" → { op: "80", reg: "3" }. */
export function opcodeOfFile(file: string): { op: string; reg?: string } {
  const stem = basename(file).replace(/\.jsonl?\.gz$/, '').replace(/\.json$/, '');
  const [op, reg] = stem.split('.');
  return { op: op.toUpperCase(), reg };
}

/** AND-mask for FLAGS of this file's opcode (0xFFFF when nothing is undefined). */
export function flagsMaskFor(meta: Metadata | undefined, file: string): number {
  if (meta === undefined) return 0xffff;
  const { op, reg } = opcodeOfFile(file);
  const o = meta.opcodes[op];
  if (o === undefined) return 0xffff;
  if (reg !== undefined && o.reg?.[reg] !== undefined) return o.reg[reg]['flags-mask'] ?? 0xffff;
  return o['flags-mask'] ?? 0xffff;
}
