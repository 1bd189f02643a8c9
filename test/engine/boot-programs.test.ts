/**
 * The project's own boot programs (test/fixtures/boot-programs/*.asm, built
 * with nasm) under both firmwares: text mode, mode 13h, planar mode 12h and a
 * VBE linear-framebuffer mode, keyboard and serial round trips, printer
 * output. Each screen must match its committed golden exactly
 * (golden/boot-programs/<program>-<firmware>.png; the firmwares' fonts and
 * banners differ, so each has its own), and each boot must be bit-identical
 * in the translator tier (`cpu: 'jit'`), run twice, to the interpreter's:
 * instruction count, screen, serial, printer and debug-port output.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../engine/machine.js';
import { assemble, floppyImage } from '../helpers/nasm.js';
import { expectFrameMatchesGolden } from '../helpers/golden.js';

const fixtures = join(import.meta.dirname, '../fixtures/boot-programs');
const dir = mkdtempSync(join(tmpdir(), 'lab-boot-programs-'));
const FIRMWARES = ['builtin', 'seabios'] as const;

/** Assembles test/fixtures/boot-programs/<name>.asm, splicing in its `%include`s from the same folder. */
function image(name: string): string {
  const source = readFileSync(join(fixtures, `${name}.asm`), 'utf8').replace(/^%include "([\w.-]+)"$/gm, (_, file: string) =>
    readFileSync(join(fixtures, file), 'utf8'),
  );
  return floppyImage(assemble(source), dir, `${name}.img`);
}

interface Outcome {
  reason: string;
  instructions: number;
  text: string;
  serial: string;
  printer: string;
  debug: string;
  screenHash: string;
}

/** Boots `name` until the CPU halts for good, feeding host input first; returns what it showed. */
async function boot(name: string, firmware: (typeof FIRMWARES)[number], cpu: 'interp' | 'jit', input?: Input) {
  const m = await Machine.create({ fda: { path: image(name) }, firmware: { kind: firmware }, cpu });
  if (input) {
    // As a person (or a suite's wait_text) would: give input once the program asks for it.
    const asked = m.run({ maxVirtualMs: 5_000, until: (mm) => mm.text().includes(input.prompt) });
    expect(asked.reason, `${name}: prompt ${JSON.stringify(input.prompt)} never shown`).toBe('until');
    input.give(m);
  }
  const r = m.run({ maxVirtualMs: 20_000, maxInstructions: 60_000_000 });
  const frame = m.screen();
  const outcome: Outcome = {
    reason: r.reason,
    instructions: m.instructions,
    text: m.text(),
    serial: m.serial[0].text(),
    printer: m.printer.text(),
    debug: m.debugConsole.text(),
    screenHash: createHash('sha256').update(frame.data).digest('hex'),
  };
  m.dispose();
  return { outcome, frame };
}

interface Input {
  /** Screen text that shows the program is ready for input. */
  prompt: string;
  give: (m: Machine) => void;
}

interface Program {
  name: string;
  input?: Input;
  check: (o: Outcome) => void;
}

const programs: Program[] = [
  { name: 'text', check: (o) => expect(o.text).toContain('TEXT MODE OK') },
  { name: 'mode13h', check: (o) => expect(o.text).toBe('') },
  { name: 'planar', check: (o) => expect(o.text).toBe('') },
  { name: 'vbe', check: (o) => expect(o.debug).toBe('K') },
  {
    name: 'keyboard',
    input: { prompt: 'Type:', give: (m) => m.keyboard.type('Hello, World!\n') },
    check: (o) => {
      expect(o.serial).toBe('Hello, World!');
      expect(o.text).toContain('Type: Hello, World!');
      expect(o.text).toContain('KEYBOARD OK');
    },
  },
  {
    name: 'serial',
    input: { prompt: 'Listening on COM1:', give: (m) => m.serial[0].send('ping from host\r') },
    check: (o) => {
      expect(o.serial).toBe('PING FROM HOST');
      expect(o.text).toContain('Listening on COM1: PING FROM HOST');
      expect(o.text).toContain('SERIAL OK');
    },
  },
  {
    name: 'printer',
    check: (o) => {
      expect(o.printer).toBe('compat-lab printer test\r\n\f');
      expect(o.text).toContain('PRINTER OK');
    },
  },
];

describe.each(programs)('boot program $name', (p) => {
  it.each(FIRMWARES)('under %s firmware: expected output, golden screen, identical when repeated and in the translator tier', async (firmware) => {
    const a = await boot(p.name, firmware, 'interp', p.input);
    expect(a.outcome.reason).toBe('halted');
    p.check(a.outcome);
    expectFrameMatchesGolden(a.frame, `boot-programs/${p.name}-${firmware}`);
    // Same instruction count, screen, serial, printer and debug output from the
    // translator, twice (the second run finds its compiled functions cached).
    const b = await boot(p.name, firmware, 'jit', p.input);
    expect(b.outcome).toEqual(a.outcome);
    const c = await boot(p.name, firmware, 'jit', p.input);
    expect(c.outcome).toEqual(a.outcome);
  });
});


describe('keys typed before boot', () => {
  it('reach INT 16h under the built-in BIOS (POST neither flushes nor strands them)', async () => {
    const m = await Machine.create({ fda: { path: image('keyboard') }, firmware: { kind: 'builtin' } });
    m.keyboard.type('Hello, World!\n');
    const r = m.run({ maxVirtualMs: 20_000, maxInstructions: 60_000_000 });
    expect(r.reason).toBe('halted');
    expect(m.serial[0].text()).toBe('Hello, World!');
    expect(m.text()).toContain('KEYBOARD OK');
    m.dispose();
  });
});
