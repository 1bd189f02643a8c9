import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../../harness/conformance/runner.js';
import { loadAllowList } from '../../../harness/conformance/allow-list.js';
import { flagsMaskFor, loadVectors, metadataFor } from '../../../harness/conformance/vectors.js';

const FIX = join(import.meta.dirname, '../../fixtures/conformance');

describe('vendored SingleStepTests vectors', () => {
  it('8086 v1 subset passes completely', () => {
    const r = runConformance([join(FIX, '8086/v1')], { model: '8086' });
    const failed = r.files.flatMap((f) => f.failures.map((t) => `${f.file}#${t.index} ${t.name}`));
    expect(failed).toEqual([]);
    expect(r.passed).toBeGreaterThan(2500);
  });

  it('80286 v1_real_mode subset passes completely', () => {
    const r = runConformance([join(FIX, '80286/v1_real_mode')], { model: '80286' });
    const failed = r.files.flatMap((f) => f.failures.map((t) => `${f.file}#${t.index} ${t.name}`));
    expect(failed).toEqual([]);
    expect(r.passed).toBeGreaterThan(2500);
  });

  it('the 8086 vectors fail when run as an 80286 (model differences are real)', () => {
    const r = runConformance([join(FIX, '8086/v1/54.jsonl.gz'), join(FIX, '8086/v1/D3.4.jsonl.gz')], { model: '80286' });
    expect(r.failed).toBeGreaterThan(0);
  });

  it('reports a corrupted expectation as a failure with the differing register', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conf-'));
    copyFileSync(join(FIX, '8086/metadata.json'), join(dir, 'metadata.json'));
    const lines = gunzipSync(readFileSync(join(FIX, '8086/v1/00.jsonl.gz'))).toString('utf8').trim().split('\n');
    const t = JSON.parse(lines[0]) as { final: { regs: Record<string, number> } };
    t.final.regs.ax = ((t.final.regs.ax ?? 0) ^ 0x1234) & 0xffff;
    lines[0] = JSON.stringify(t);
    writeFileSync(join(dir, '00.jsonl.gz'), gzipSync(lines.join('\n')));
    const r = runConformance([dir], { model: '8086' });
    expect(r.failed).toBe(1);
    expect(r.files[0].failures[0].regs.map((x) => x.reg)).toContain('ax');
  });

  it('applies the allow-list by file and hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conf-'));
    const vectors = loadVectors(join(FIX, '8086/v1/01.jsonl.gz'));
    const bad = { ...vectors[0], final: { ...vectors[0].final, regs: { ...vectors[0].final.regs, bx: 0xdead } } };
    const raw = { name: bad.name, bytes: bad.bytes, initial: bad.initial, final: bad.final, test_hash: bad.hash, test_num: 0 };
    writeFileSync(join(dir, '01.json.gz'), gzipSync(JSON.stringify([raw])));
    const r = runConformance([dir], { model: '8086', allow: [{ file: '01.json.gz', hash: bad.hash, reason: 'test' }] });
    expect(r.failed).toBe(0);
    expect(r.allowListed).toBe(1);
  });

  it('reads per-opcode flag masks from metadata.json', () => {
    const f = join(FIX, '8086/v1/F6.6.jsonl.gz');
    expect(flagsMaskFor(metadataFor(f), f)).toBeLessThan(0xffff);
    const g = join(FIX, '8086/v1/00.jsonl.gz');
    expect(flagsMaskFor(metadataFor(g), g)).toBe(0xffff);
  });

  it('the committed allow-list parses and stays under 0.5% of vectors', () => {
    const entries = loadAllowList(join(FIX, 'allow-list.json'));
    expect(entries.length).toBeLessThan(161750 * 0.005);
    for (const e of entries) expect(e.reason.length).toBeGreaterThan(10);
  });
});
