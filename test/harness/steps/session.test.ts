import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session, StepFailure, type SessionOptions, type UpdateGoldens } from '../../../harness/steps/session.js';
import { readPng, writePng } from '../../../harness/png.js';
import { fakeFactory, type FakeScript } from '../fake-machine.js';

function session(script: FakeScript, update: UpdateGoldens = 'none', root?: string): { s: Session; root: string; art: string } {
  const dir = root ?? mkdtempSync(path.join(tmpdir(), 'lab-session-'));
  const opts: SessionOptions = {
    caseId: 'suite/case',
    config: { fda: { path: '/nonexistent.img' } },
    factory: fakeFactory(script),
    goldenRoot: path.join(dir, 'golden'),
    artifactsDir: path.join(dir, 'art'),
    updateGoldens: update,
    defaultTimeout: { virtualMs: 100 },
    provenance: { engineVersion: '0.0.0', engineCommit: 'abc', imageHash: 'h', date: '2000-01-01' },
    pollInstructions: 1000,
  };
  return { s: new Session(opts), root: dir, art: opts.artifactsDir };
}

const hello: FakeScript = {
  events: [
    { at: 5_000, text: 'Hello', row: 2 },
    { at: 7_000, serial: 'READY\r\n' },
    { at: 9_000, rect: { x: 10, y: 10, w: 8, h: 8, rgb: [255, 0, 0] } },
    { at: 12_000, print: 'PAGE 1\f' },
  ],
};

describe('Session waits', () => {
  it('wait_text stops at the first poll point after the text appears, deterministically', async () => {
    for (let i = 0; i < 2; i++) {
      const { s } = session(hello);
      await s.boot();
      s.waitText({ contains: 'Hello' });
      expect(s.machine.instructions).toBe(5_000);
      expect(s.records.map((r) => r.outcome)).toEqual(['pass', 'pass']);
      expect(s.records[1]!.instructions).toBe(5_000);
    }
  });

  it('wait_text fails with the budget and the screen text when the text never appears', async () => {
    const { s } = session(hello);
    await s.boot();
    expect(() => s.waitText({ contains: 'Goodbye' }, { timeout: { virtualMs: 20 } })).toThrow(/timed out after 20 virtual ms.*Hello/);
    expect(s.machine.instructions).toBe(20_000);
    expect(s.records[1]!.outcome).toBe('fail');
  });

  it('instruction timeouts count instructions, not time', async () => {
    const { s } = session(hello);
    await s.boot();
    expect(() => s.waitText({ contains: 'Hello' }, { timeout: { instructions: 4_000 } })).toThrow(StepFailure);
    expect(s.machine.instructions).toBe(4_000);
  });

  it('wait_text with a row only looks at that row', async () => {
    const { s } = session(hello);
    await s.boot();
    expect(() => s.waitText({ contains: 'Hello' }, { row: 1, timeout: { virtualMs: 10 } })).toThrow(StepFailure);
    s.waitText({ regex: '^Hel+o$' }, { row: 2 });
  });

  it('wait_serial and expect_serial see COM1 output', async () => {
    const { s } = session(hello);
    await s.boot();
    s.waitSerial({ contains: 'READY' });
    expect(s.machine.instructions).toBe(7_000);
    s.expectSerial({ equals: 'READY\r\n' });
    expect(() => s.expectSerial({ contains: 'nope' })).toThrow(/COM1 output/);
  });

  it('wait_still waits until the screen is unchanged for the duration', async () => {
    const { s } = session(hello);
    await s.boot();
    s.waitText({ contains: 'Hello' });
    s.waitStill({ virtualMs: 5 });
    // From 5 ms the screen changes at 9 ms; still from 9 ms to 14 ms (the printer does not touch the screen).
    expect(s.machine.instructions).toBe(14_000);
  });

  it('wait_still fails when the screen keeps changing past the timeout', async () => {
    const busy: FakeScript = { events: Array.from({ length: 50 }, (_, i) => ({ at: (i + 1) * 1000, text: `tick ${i}` })) };
    const { s } = session(busy);
    await s.boot();
    expect(() => s.waitStill({ virtualMs: 5 }, { timeout: { virtualMs: 30 } })).toThrow(/timed out/);
  });

  it('a halted guest ends a wait with a clear reason', async () => {
    const { s } = session({ events: [], haltAt: 3_000 });
    await s.boot();
    expect(() => s.waitText({ contains: 'x' })).toThrow(/the guest halted first/);
  });

  it('shutdown waits for power-off and checks the exit code', async () => {
    const { s } = session({ events: [{ at: 2_000, powerOff: true, exitCode: 3 }] });
    await s.boot();
    expect(() => s.shutdown({ exitCode: 1 })).toThrow(/exit code 3, expected 1/);
    const t = session({ events: [{ at: 2_000, powerOff: true, exitCode: 3 }] });
    await t.s.boot();
    t.s.shutdown({ exitCode: 3 });
    expect(t.s.running).toBe(false);
    expect(t.s.records.at(-1)).toMatchObject({ kind: 'shutdown', outcome: 'pass', instructions: 2_000, virtualMs: 2 });
  });
});

describe('Session goldens', () => {
  async function atRect(update: UpdateGoldens, root?: string) {
    const r = session(hello, update, root);
    await r.s.boot();
    r.s.run({ virtualMs: 10 });
    return r;
  }

  it('a missing golden fails without an update mode and keeps the actual capture', async () => {
    const { s, art } = await atRect('none');
    expect(() => s.expectGolden('red')).toThrow(/golden "red" does not exist/);
    expect(existsSync(path.join(art, 'red.actual.png'))).toBe(true);
  });

  it('--update-goldens missing creates it with provenance, then it matches exactly', async () => {
    const { s, root } = await atRect('missing');
    s.expectGolden('red');
    expect(s.records.at(-1)!.golden?.written).toBe('created');
    const meta = JSON.parse(readFileSync(path.join(root, 'golden/suite/case/red.json'), 'utf8'));
    expect(meta.provenance).toMatchObject({ engineCommit: 'abc', imageHash: 'h', case: 'suite/case' });
    const again = await atRect('none', root);
    again.s.expectGolden('red');
    expect(again.s.records.at(-1)!.outcome).toBe('pass');
    expect(again.s.records.at(-1)!.diffPixels).toBe(0);
  });

  it('one changed pixel fails with a diff image; an exclude area or tolerance covers it', async () => {
    const { s, root } = await atRect('missing');
    s.expectGolden('red');
    const gp = path.join(root, 'golden/suite/case/red.png');
    const g = readPng(gp);
    const o = (40 * g.width + 40) * 4;
    g.data[o] = 0;
    writePng(gp, g);
    const b = await atRect('none', root);
    expect(() => b.s.expectGolden('red')).toThrow(/1 pixel differs in x 40..40, y 40..40 \(tolerance 0\)/);
    const rec = b.s.records.at(-1)!;
    expect(rec.diffPixels).toBe(1);
    expect(rec.artifacts?.diff).toBe('red.diff.png');
    expect(existsSync(path.join(b.art, 'red.diff.png'))).toBe(true);

    const metaPath = path.join(root, 'golden/suite/case/red.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    writeFileSync(metaPath, JSON.stringify({ ...meta, areas: { exclude: [{ x: 40, y: 40, width: 1, height: 1 }] } }));
    const c = await atRect('none', root);
    c.s.expectGolden('red');
    writeFileSync(metaPath, JSON.stringify({ ...meta, tolerance: { pixels: 1 } }));
    const d = await atRect('none', root);
    d.s.expectGolden('red');
    writeFileSync(metaPath, JSON.stringify({ ...meta, areas: { match: [{ x: 0, y: 0, width: 20, height: 20 }] } }));
    const e = await atRect('none', root);
    e.s.expectGolden('red');
  });

  it('--update-goldens changed rewrites a differing golden; missing does not', async () => {
    const { s, root } = await atRect('missing');
    s.expectGolden('red');
    const early = session(hello, 'missing', root);
    await early.s.boot();
    expect(() => early.s.expectGolden('red')).toThrow(/differs/);
    const upd = session(hello, 'changed', root);
    await upd.s.boot();
    upd.s.expectGolden('red');
    expect(upd.s.records.at(-1)!.golden?.written).toBe('updated');
  });

  it('wait_screen waits until the screen matches the golden', async () => {
    const { s, root } = await atRect('missing');
    s.expectGolden('red');
    const w = session(hello, 'none', root);
    await w.s.boot();
    w.s.waitScreen('red');
    expect(w.s.machine.instructions).toBe(9_000);
  });

  it('expect_print compares printer bytes with a .txt golden', async () => {
    const { s, root } = session(hello, 'missing');
    await s.boot();
    s.run({ virtualMs: 20 });
    s.expectPrint('page');
    expect(readFileSync(path.join(root, 'golden/suite/case/page.txt'), 'latin1')).toBe('PAGE 1\f');
    writeFileSync(path.join(root, 'golden/suite/case/page.txt'), 'PAGE 2\f');
    const t = session(hello, 'none', root);
    await t.s.boot();
    t.s.run({ virtualMs: 20 });
    expect(() => t.s.expectPrint('page')).toThrow(/printer output differs from golden "page" at byte 5/);
  });
});

describe('Session snapshots', () => {
  it('restore continues from the snapshot bit-identically', async () => {
    const { s } = session(hello);
    await s.boot();
    s.waitText({ contains: 'Hello' });
    s.snapshot('fork');
    s.run({ virtualMs: 10 });
    const after = s.machine.screen();
    await s.restore('fork');
    expect(s.machine.instructions).toBe(5_000);
    s.run({ virtualMs: 10 });
    expect(Buffer.compare(Buffer.from(s.machine.screen().data), Buffer.from(after.data))).toBe(0);
    await expect(s.restore('nope')).rejects.toThrow(/no snapshot named "nope"/);
  });

  it('steps before boot fail clearly', () => {
    const { s } = session(hello);
    expect(() => s.type('x')).toThrow(/add a "boot" step/);
  });
});

describe('wait_still polling', () => {
  it('looks at the screen about 20 times per duration, never more often than the poll interval', async () => {
    const { stillPoll } = await import('../../../harness/steps/wait.js');
    expect(stillPoll({ virtualMs: 500 }, 100_000, 100_000)).toBe(2_500_000);
    expect(stillPoll({ instructions: 1_000_000 }, 100_000, 100_000)).toBe(100_000);
    expect(stillPoll({ virtualMs: 1 }, 100_000, 100_000)).toBe(100_000);
  });
});
