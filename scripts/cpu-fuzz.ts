/**
 * CPU robustness fuzzer: random byte sequences and random spec-table
 * instructions, executed in real mode, in flat 32-bit protected mode and (80386
 * and later) in virtual-8086 mode under an instruction budget. Any host
 * exception escaping `run()`, or `run()` retiring more than it was asked, is a
 * failure (printed with its seed). A case that keeps running to the end of its
 * budget is fine: the budget is what bounds a guest loop (no host hang).
 *
 *   node dist/scripts/cpu-fuzz.js [count] [seed]
 */
import { pathToFileURL } from 'node:url';
import { IoBus } from '../engine/bus/io-bus.js';
import { PhysicalMemory } from '../engine/bus/physical-memory.js';
import { VirtualClock } from '../engine/clock/virtual-clock.js';
import { Cpu, ATTR_BIG, ATTR_GRAN, ATTR_PRESENT } from '../engine/cpu/cpu.js';
import { Rng, randomInstruction } from '../engine/cpu/generator.js';
import { MODELS, type CpuModel } from '../engine/cpu/spec.js';

export interface FuzzFailure {
  seed: number;
  model: CpuModel;
  mode: FuzzMode;
  error: string;
  bytes: number[];
}

export type FuzzMode = 'real' | 'protected' | 'v86';

export interface FuzzResult {
  cases: number;
  /** Cases per mode. */
  modes: Record<FuzzMode, number>;
  retired: number;
  failures: FuzzFailure[];
}

const CODE = 0x10000;
const BUDGET = 300;

/**
 * Flat 32-bit protected mode with a GDT (null, code, data, 32-bit TSS at 0x600
 * whose ring-0 stack is 0x10:0x9800) and an IDT whose gates all lead to ring-0
 * code at 0x8000.
 */
function enterFlat(cpu: Cpu, mem: PhysicalMemory): void {
  const gdt = 0x500;
  const w = (a: number, lo: number, hi: number): void => {
    mem.write32(a, lo);
    mem.write32(a + 4, hi);
  };
  w(gdt, 0, 0);
  w(gdt + 8, 0x0000ffff, 0x00cf9a00);
  w(gdt + 16, 0x0000ffff, 0x00cf9200);
  w(gdt + 24, 0x06000067, 0x00008b00); // busy 32-bit TSS, base 0x600, limit 0x67 (no I/O bitmap)
  mem.write32(0x600 + 4, 0x9800); // ESP0
  mem.write32(0x600 + 8, 0x10); // SS0
  mem.write16(0x600 + 0x66, 0x68); // I/O map base beyond the limit: V86 I/O faults
  const idt = 0x1000;
  for (let v = 0; v < 256; v++) w(idt + v * 8, 0x00088000, 0x00008e00);
  mem.write8(0x8000, 0xf4); // handlers halt
  cpu.gdtrBase = gdt;
  cpu.gdtrLimit = 31;
  cpu.tr = 0x18;
  cpu.trBase = 0x600;
  cpu.trLimit = 0x67;
  cpu.trAttr = 0x8b;
  cpu.idtrBase = idt;
  cpu.idtrLimit = 256 * 8 - 1;
  cpu.cr0 |= 1;
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = s === 1 ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAttr[s] = ATTR_PRESENT | ATTR_BIG | ATTR_GRAN | (s === 1 ? 0x1b : 0x13);
  }
  cpu.r[4] = 0x9000;
}

/**
 * Virtual-8086 mode (SDM Vol. 3 §20.2) on top of `enterFlat`: EFLAGS.VM set, CPL 3,
 * real-mode-style segments (base = selector << 4, 64 KiB, DPL 3) and a random
 * IOPL, so IOPL-sensitive instructions both work and trap to the ring-0 handler.
 */
function enterV86(cpu: Cpu, mem: PhysicalMemory, iopl: number): void {
  enterFlat(cpu, mem);
  cpu.flags = (cpu.flags & ~0x3000) | 0x20000 | (iopl << 12);
  cpu.cpl = 3;
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = 0x1000;
    cpu.segBase[s] = 0x10000;
    cpu.segLimit[s] = 0xffff;
    cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13) | 0x60;
  }
  cpu.eip = 0;
  cpu.r[4] = 0xfff0;
}

export function fuzz(count: number, seed: number, models: readonly CpuModel[] = MODELS): FuzzResult {
  const rng = new Rng(seed);
  const mem = new PhysicalMemory(2 * 1024 * 1024);
  const io = new IoBus();
  const clock = new VirtualClock(1e6);
  const cpus = new Map<CpuModel, Cpu>();
  const result: FuzzResult = { cases: 0, modes: { real: 0, protected: 0, v86: 0 }, retired: 0, failures: [] };
  for (let i = 0; i < count; i++) {
    const caseSeed = rng.next();
    const r = new Rng(caseSeed);
    const model = models[r.below(models.length)];
    const pick = r.below(3);
    const rank = MODELS.indexOf(model);
    // Protected mode from the 80286 on, virtual-8086 mode from the 80386 on.
    const mode: FuzzMode = rank < 2 || pick === 0 ? 'real' : pick === 2 && rank >= 3 ? 'v86' : 'protected';
    const iopl = r.below(4);
    let cpu = cpus.get(model);
    if (!cpu) {
      cpu = new Cpu({ model, memory: mem, io, clock });
      cpus.set(model, cpu);
    }
    mem.setAddressBusBits(model === '8086' || model === '80186' ? 20 : model === '80286' ? 24 : 32);
    mem.ram.fill(0, 0, 0x20000);
    cpu.reset();
    // Code: half the cases are raw random bytes, half random table instructions.
    const bytes: number[] = [];
    if (r.below(2) === 0) for (let k = 0; k < 64; k++) bytes.push(r.byte());
    else while (bytes.length < 64) bytes.push(...randomInstruction(r, model));
    mem.writeBytes(CODE, Uint8Array.from(bytes));
    for (let k = 0; k < 8; k++) cpu.r[k] = r.next();
    cpu.flags = r.next() & 0x0cd5;
    if (mode === 'protected') {
      enterFlat(cpu, mem);
      cpu.eip = CODE;
    } else if (mode === 'v86') {
      enterV86(cpu, mem, iopl);
    } else {
      for (let s = 0; s < 4; s++) {
        cpu.seg[s] = 0x1000;
        cpu.segBase[s] = 0x10000;
      }
      cpu.eip = 0;
      cpu.r[4] = 0xfff0;
    }
    result.cases++;
    result.modes[mode]++;
    try {
      let left = BUDGET;
      while (left > 0 && !cpu.halted && !cpu.tripleFaulted) {
        const n = cpu.run(left);
        if (n > left) throw new Error(`run(${left}) retired ${n}`);
        if (n === 0) break;
        left -= n;
        result.retired += n;
      }
    } catch (e) {
      result.failures.push({ seed: caseSeed, model, mode, error: (e as Error).stack ?? String(e), bytes });
    }
  }
  return result;
}

function main(): void {
  const count = Number(process.argv[2] ?? 20000);
  const seed = Number(process.argv[3] ?? 1);
  const t0 = performance.now();
  const r = fuzz(count, seed);
  const ms = performance.now() - t0;
  for (const f of r.failures.slice(0, 20)) {
    process.stdout.write(`FAIL seed=${f.seed} ${f.model} ${f.mode}: ${f.error.split('\n')[0]}\n  bytes ${f.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}\n`);
  }
  process.stdout.write(
    `${r.cases} cases (real ${r.modes.real}, protected ${r.modes.protected}, v86 ${r.modes.v86}), ${r.retired} instructions retired, ${r.failures.length} failures (${(ms / 1000).toFixed(1)} s)\n`,
  );
  if (r.failures.length > 0) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
