import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoBus } from '../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../engine/clock/virtual-clock.js';
import { Cpu, ATTR_PRESENT, type CpuModel } from '../../../engine/cpu/cpu.js';

let dir: string | undefined;

/** Assemble NASM source (flat binary) in a temp dir. */
export function nasm(source: string): Uint8Array {
  dir ??= mkdtempSync(join(tmpdir(), 'cpu-nasm-'));
  const src = join(dir, `t${Math.abs(hash(source))}.asm`);
  const out = src.replace(/\.asm$/, '.bin');
  writeFileSync(src, source);
  execFileSync('nasm', ['-f', 'bin', '-o', out, src], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(out));
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export interface TestMachine {
  cpu: Cpu;
  memory: PhysicalMemory;
  io: IoBus;
  clock: VirtualClock;
  /** Bytes written to port 0xE9 (debug output). */
  out: number[];
}

/** A CPU with RAM, real mode, code loaded at 0000:`org`, SS:SP = 0000:0x8000. */
export function realMachine(model: CpuModel, code: Uint8Array, org = 0x1000, ramBytes = 16 * 1024 * 1024): TestMachine {
  const memory = new PhysicalMemory(ramBytes);
  const io = new IoBus();
  const clock = new VirtualClock(1_000_000);
  const out: number[] = [];
  io.register('debug', 0xe9, 1, { write8: (_p, v) => out.push(v) });
  const cpu = new Cpu({ model, memory, io, clock });
  const m = { cpu, memory, io, clock, out };
  loadReal(m, code, org);
  return m;
}

/** Reset `m`'s CPU to real mode with `code` at 0000:`org` and SS:SP = 0000:0x8000 (reuses the machine). */
export function loadReal(m: TestMachine, code: Uint8Array, org = 0x1000): void {
  const { cpu, memory } = m;
  cpu.reset();
  memory.writeBytes(org, code);
  for (let s = 0; s < 4; s++) {
    cpu.seg[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13);
  }
  cpu.eip = org;
  cpu.r[4] = 0x8000;
}

/** Run until HLT (or the budget); returns retired instructions. */
export function runToHalt(m: TestMachine, budget = 1_000_000): number {
  let n = 0;
  while (!m.cpu.halted && n < budget && !m.cpu.tripleFaulted) n += m.cpu.run(Math.min(10000, budget - n));
  return n;
}
