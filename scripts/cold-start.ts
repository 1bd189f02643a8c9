/**
 * Cold start of one CPU tier: boots an image in a fresh process and runs the
 * first N instructions, reporting wall time and the translator's statistics
 * (regions compiled, compile time, share of instructions run translated).
 * Run it once per tier, each in its own process, so that neither tier finds
 * the other's compiled functions or V8's warm-up already done.
 *
 *   npm run build && node dist/scripts/cold-start.js IMAGE [interp|jit] [instructions=50000000] [builtin|seabios]
 *
 * IMAGE is a floppy image (.img), a hard disk (.vhd/.img with --hda semantics
 * when it is larger than 2.88 MB) or an ISO (.iso, booted from the CD-ROM).
 * Prints one JSON line.
 */
import { existsSync, statSync } from 'node:fs';
import { Machine } from '../engine/machine.js';
import type { MachineConfigInput } from '../engine/machine-config.js';

const [image, tierArg = 'jit', countArg = '50000000', firmwareArg = 'builtin'] = process.argv.slice(2);
if (image === undefined || (tierArg !== 'interp' && tierArg !== 'jit') || (firmwareArg !== 'builtin' && firmwareArg !== 'seabios')) {
  console.error('usage: node dist/scripts/cold-start.js IMAGE [interp|jit] [instructions] [builtin|seabios]');
  process.exit(2);
}
const count = Number(countArg);

function diskConfig(path: string): MachineConfigInput {
  if (path.toLowerCase().endsWith('.iso')) return { cdrom: { path }, bootOrder: ['cdrom'] };
  if (!existsSync(path)) return { fda: { path }, bootOrder: ['floppy'] };
  // Up to 2.88 MB is a floppy; anything larger boots as the first hard disk.
  if (statSync(path).size <= 2_949_120) return { fda: { path }, bootOrder: ['floppy'] };
  return { hda: { path }, bootOrder: ['disk'] };
}

const t0 = performance.now();
let m: Machine;
try {
  m = await Machine.create({ ...diskConfig(image), cpu: tierArg, firmware: { kind: firmwareArg }, debugExit: true });
} catch (e) {
  // A missing or unreadable image: one line, as the lab command reports it.
  console.error(`cold-start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
const created = performance.now();
const r = m.run({ maxInstructions: count });
const ran = performance.now();
console.log(
  JSON.stringify({
    image,
    cpu: tierArg,
    firmware: firmwareArg,
    reason: r.reason,
    instructions: m.instructions,
    createMs: Number((created - t0).toFixed(1)),
    runMs: Number((ran - created).toFixed(1)),
    mips: Number((m.instructions / 1e3 / Math.max(ran - created, 1e-3)).toFixed(2)),
    translator: m.translatorStats ?? null,
  }),
);
m.dispose();
