/**
 * Real software from Debian packages booted to its first meaningful screen
 * under both firmwares, compared pixel-exactly with committed goldens in
 * golden/real-software/. Runs are deterministic (virtual time), so the
 * screenshot at the moment the expected text appears is always the same.
 *
 * The translator tier (`cpu: 'jit'`) must stop at the same instruction with the
 * same screen, and compile only a small share of what it runs: real software
 * mixes code and data on a page (GRUB's mode-switch code keeps its variables
 * next to it), which must not turn into endless recompilation.
 *
 * To accept a new rendering after a deliberate change:
 *   UPDATE_GOLDENS=1 npx vitest run test/engine/real-software.test.ts
 * (never in CI: the CI variable disables it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { Machine, type MachineConfigInput } from '../../engine/machine.js';
import { encodePng } from '../../engine/display/png.js';
import { grubIso, ipxeIso, isolinuxIso, memtestFloppy } from '../helpers/real-software.js';

const goldenDir = join(import.meta.dirname, '../../golden/real-software');
const artifactDir = join(import.meta.dirname, '../../reports/test-artifacts/real-software');
const update = process.env.UPDATE_GOLDENS === '1' && !process.env.CI;

interface Case {
  name: string;
  config: () => MachineConfigInput;
  until: string;
  maxInstructions: number;
}

const cases: Case[] = [
  { name: 'memtest86plus', config: () => ({ fda: { path: memtestFloppy() }, bootOrder: ['floppy'] }), until: 'Pattern:', maxInstructions: 120_000_000 },
  { name: 'grub-rescue', config: () => ({ cdrom: { path: grubIso() }, bootOrder: ['cdrom'] }), until: 'command-line', maxInstructions: 200_000_000 },
  { name: 'isolinux-menu', config: () => ({ cdrom: { path: isolinuxIso() }, bootOrder: ['cdrom'] }), until: 'Second entry', maxInstructions: 200_000_000 },
  // iPXE saves FPU state with FXSAVE on every mode switch: it needs the pentium2 model (x87, FXSR).
  // Without a NIC its first meaningful screen is the banner followed by "No more network devices".
  {
    name: 'ipxe',
    config: () => ({ cdrom: { path: ipxeIso() }, bootOrder: ['cdrom'], cpuModel: 'pentium2' }),
    until: 'No more network devices',
    maxInstructions: 320_000_000,
  },
];

describe.each(cases)('$name', (c) => {
  it.each(['builtin', 'seabios'] as const)('boots under %s firmware to its first screen, matching the golden', async (firmware) => {
    const m = await Machine.create({ ...c.config(), firmware: { kind: firmware } });
    const r = m.run({ maxInstructions: c.maxInstructions, until: (x) => x.text().includes(c.until) });
    expect(r.reason, `${c.name} never showed "${c.until}"; screen:\n${m.text()}`).toBe('until');
    const frame = m.screen();
    const instructions = m.instructions;
    m.dispose();

    const j = await Machine.create({ ...c.config(), firmware: { kind: firmware }, cpu: 'jit' });
    const rj = j.run({ maxInstructions: c.maxInstructions, until: (x) => x.text().includes(c.until) });
    const jitFrame = j.screen();
    const stats = j.translatorStats;
    j.dispose();
    expect(rj.reason).toBe('until');
    expect(j.instructions, 'translator tier stops at the same instruction').toBe(instructions);
    expect(Buffer.from(jitFrame.data).equals(Buffer.from(frame.data)), 'translator tier shows the same screen').toBe(true);
    expect(stats?.translatedInsns ?? 0, 'the translator ran part of it').toBeGreaterThan(0);
    expect(stats?.guestInsnsCompiled ?? Infinity, 'compiled guest instructions stay a small share of those run').toBeLessThan(instructions / 20);

    const png = encodePng(frame);
    mkdirSync(artifactDir, { recursive: true });
    writeFileSync(join(artifactDir, `${c.name}-${firmware}.png`), png);
    const goldenPath = join(goldenDir, `${c.name}-${firmware}.png`);
    if (update) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(goldenPath, png);
    }
    expect(existsSync(goldenPath), `missing golden ${goldenPath} (see the header of this file)`).toBe(true);
    const golden = PNG.sync.read(readFileSync(goldenPath));
    expect([frame.width, frame.height]).toEqual([golden.width, golden.height]);
    const diff = pixelmatch(golden.data, frame.data, undefined, frame.width, frame.height, { threshold: 0, includeAA: true });
    expect(diff, `${diff} pixels differ from ${goldenPath}`).toBe(0);
    // Up to 200 M interpreted instructions plus building the ISO: on a loaded 2-core
    // machine that can exceed the default 2 minutes. The guard is host time only;
    // the budget that decides the result is the instruction count above.
  }, 600_000);
});
