/**
 * Runs SingleStepTests CPU vectors against the reference CPU.
 *
 * Per test: load registers and RAM, execute, compare every register (the
 * 8086 set lists only changed registers; missing ones must keep their initial
 * value) and every listed RAM byte. FLAGS are compared under the per-opcode
 * `flags-mask` from metadata.json; when an exception pushed FLAGS, the two
 * stack bytes holding them are compared under the same mask.
 *
 * Execution: 8086 vectors are one instruction. 80286 vectors end with an
 * injected HLT (also at the exception handler), so the CPU runs until it
 * halts (final IP is one past the HLT).
 */
import { basename } from 'node:path';
import { IoBus } from '../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../engine/clock/virtual-clock.js';
import { Cpu, ATTR_PRESENT } from '../../engine/cpu/cpu.js';
import { disassembleBytes } from '../../engine/cpu/disasm.js';
import type { CpuModel } from '../../engine/cpu/spec.js';
import { REG_NAMES, flagsMaskFor, listVectorFiles, loadVectors, metadataFor, revocationsFor, type RegName, type Vector } from './vectors.js';

export interface AllowEntry {
  file: string;
  hash: string;
  reason: string;
}

export interface TestFailure {
  index: number;
  hash: string;
  name: string;
  bytes: number[];
  disassembly: string;
  regs: { reg: RegName; expected: number; actual: number }[];
  ram: { addr: number; expected: number; actual: number }[];
  allowListed: boolean;
  allowReason?: string;
}

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  allowListed: number;
  revoked: number;
  failures: TestFailure[];
}

export interface ConformanceResult {
  model: CpuModel;
  files: FileResult[];
  passed: number;
  failed: number;
  allowListed: number;
  revoked: number;
}

export interface RunOptions {
  model: CpuModel;
  limit?: number;
  allow?: AllowEntry[];
  /** Called after each file (progress). */
  onFile?: (r: FileResult) => void;
}

const SEG_REG: Partial<Record<RegName, number>> = { es: 0, cs: 1, ss: 2, ds: 3 };
const GPR: Partial<Record<RegName, number>> = { ax: 0, cx: 1, dx: 2, bx: 3, sp: 4, bp: 5, si: 6, di: 7 };

/** A CPU plus memory reused across tests of one model. */
export class VectorMachine {
  readonly memory = new PhysicalMemory(16 * 1024 * 1024);
  readonly io = new IoBus();
  readonly clock = new VirtualClock(1_000_000);
  readonly cpu: Cpu;

  constructor(readonly model: CpuModel) {
    this.cpu = new Cpu({ model, memory: this.memory, io: this.io, clock: this.clock });
  }

  /** Execute one vector; returns the differences (empty when it passes). */
  run(v: Vector, flagsMask: number): { regs: TestFailure['regs']; ram: TestFailure['ram'] } {
    const cpu = this.cpu;
    const mem = this.memory;
    const is286 = this.model === '80286';
    cpu.reset();
    for (const name of REG_NAMES) {
      const val = v.initial.regs[name] ?? 0;
      const g = GPR[name];
      const s = SEG_REG[name];
      if (g !== undefined) cpu.setReg16(g, val);
      else if (s !== undefined) {
        cpu.seg[s] = val;
        cpu.segBase[s] = val << 4;
        cpu.segLimit[s] = 0xffff;
        cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13);
      } else if (name === 'ip') cpu.eip = val;
      else if (name === 'flags') {
        // 286 real mode cannot hold IOPL/NT (UPSTREAM-README: mask the top four bits).
        cpu.flags = is286 ? val & 0x0fff : val;
      }
    }
    const mask = mem.addressMask;
    for (const [a, b] of v.initial.ram) mem.ram[(a & mask) >>> 0] = b;
    if (is286) {
      for (let i = 0; i < 16 && !cpu.halted; i++) cpu.run(1);
    } else cpu.run(1);

    const regs: TestFailure['regs'] = [];
    for (const name of REG_NAMES) {
      let expected = v.final.regs[name] ?? v.initial.regs[name] ?? 0;
      let actual: number;
      const g = GPR[name];
      const s = SEG_REG[name];
      if (g !== undefined) actual = cpu.getReg16(g);
      else if (s !== undefined) actual = cpu.seg[s];
      else if (name === 'ip') actual = cpu.eip & 0xffff;
      else {
        actual = cpu.getFlags() & 0xffff;
        if (is286 && v.final.regs.flags === undefined) expected &= 0x0fff;
        expected &= flagsMask;
        actual &= flagsMask;
      }
      if (actual !== expected) regs.push({ reg: name, expected, actual });
    }
    const flagAddr = this.flagsAddress(v);
    const ram: TestFailure['ram'] = [];
    for (const [a, b] of v.final.ram) {
      let actual = mem.ram[(a & mask) >>> 0];
      let expected = b;
      if (flagAddr !== undefined && (a === flagAddr || a === flagAddr + 1)) {
        const m = a === flagAddr ? flagsMask & 0xff : flagsMask >> 8;
        actual &= m;
        expected &= m;
      }
      if (actual !== expected) ram.push({ addr: a, expected: b, actual: mem.ram[(a & mask) >>> 0] });
    }
    for (const [a] of v.initial.ram) mem.ram[(a & mask) >>> 0] = 0;
    for (const [a] of v.final.ram) mem.ram[(a & mask) >>> 0] = 0;
    return { regs, ram };
  }

  /**
   * Where an exception pushed FLAGS. The 80286 set marks exceptions; for the 8086 set
   * the divide-error path is recognised by its effect: SP dropped by 6 and
   * CS:IP now equals the INT 0 vector read from the initial IVT bytes.
   */
  private flagsAddress(v: Vector): number | undefined {
    const f = v.final.regs;
    const i = v.initial.regs;
    const sp0 = i.sp ?? 0;
    const sp1 = f.sp ?? sp0;
    if (v.exception !== undefined) {
      // The interrupt frame is IP, CS, FLAGS at the final SS:SP. The vectors'
      // flag_address is one byte below the FLAGS word (it points at CS's high
      // byte in every 80286 vector we checked), so derive the address from SS:SP.
      const ss = f.ss ?? i.ss ?? 0;
      return ((ss << 4) + ((sp1 + 4) & 0xffff)) & 0xffffff;
    }
    if (((sp0 - 6) & 0xffff) !== sp1) return undefined;
    const ivt = new Map(v.initial.ram);
    const vip = (ivt.get(0) ?? -1) | ((ivt.get(1) ?? -1) << 8);
    const vcs = (ivt.get(2) ?? -1) | ((ivt.get(3) ?? -1) << 8);
    if (!ivt.has(0) || !ivt.has(2)) return undefined;
    if ((f.ip ?? i.ip) !== vip || (f.cs ?? i.cs) !== vcs) return undefined;
    const ss = f.ss ?? i.ss ?? 0;
    return ((ss << 4) + ((sp1 + 4) & 0xffff)) & 0xfffff;
  }
}

export function runConformance(paths: string[], opts: RunOptions): ConformanceResult {
  const files = listVectorFiles(paths);
  const machine = new VectorMachine(opts.model);
  const allow = new Map<string, AllowEntry>();
  for (const e of opts.allow ?? []) allow.set(`${basename(e.file)}#${e.hash.toLowerCase()}`, e);
  const result: ConformanceResult = { model: opts.model, files: [], passed: 0, failed: 0, allowListed: 0, revoked: 0 };
  for (const file of files) {
    const meta = metadataFor(file);
    const revoked = revocationsFor(file);
    const flagsMask = flagsMaskFor(meta, file);
    const fr: FileResult = { file, passed: 0, failed: 0, allowListed: 0, revoked: 0, failures: [] };
    for (const v of loadVectors(file, opts.limit)) {
      if (revoked.has(v.hash.toLowerCase())) {
        fr.revoked++;
        continue;
      }
      const diff = machine.run(v, flagsMask);
      if (diff.regs.length === 0 && diff.ram.length === 0) {
        fr.passed++;
        continue;
      }
      const a = allow.get(`${basename(file)}#${v.hash.toLowerCase()}`);
      if (a) fr.allowListed++;
      else fr.failed++;
      fr.failures.push({
        index: v.index,
        hash: v.hash,
        name: v.name,
        bytes: v.bytes,
        disassembly: safeDisasm(v.bytes, opts.model),
        regs: diff.regs,
        ram: diff.ram,
        allowListed: a !== undefined,
        allowReason: a?.reason,
      });
    }
    result.files.push(fr);
    result.passed += fr.passed;
    result.failed += fr.failed;
    result.allowListed += fr.allowListed;
    result.revoked += fr.revoked;
    opts.onFile?.(fr);
  }
  return result;
}

function safeDisasm(bytes: number[], model: CpuModel): string {
  try {
    return disassembleBytes(bytes, model).text;
  } catch {
    return '(undecodable)';
  }
}

const hex = (v: number, w: number): string => v.toString(16).toUpperCase().padStart(w, '0');

/** Human-readable failure report for one file (at most `max` tests shown). */
export function formatFileFailures(fr: FileResult, max = 10): string[] {
  const lines: string[] = [];
  const shown = fr.failures.filter((f) => !f.allowListed);
  if (shown.length === 0) return lines;
  lines.push(`${fr.file}: ${fr.failed} failed, ${fr.passed} passed`);
  for (const f of shown.slice(0, max)) {
    const bytes = f.bytes.map((b) => hex(b, 2)).join(' ');
    lines.push(`  #${f.index} ${f.hash.slice(0, 12)}  ${bytes}  ${f.disassembly}   (vector: ${f.name})`);
    for (const r of f.regs) lines.push(`    ${r.reg.padEnd(5)} expected ${hex(r.expected, 4)} got ${hex(r.actual, 4)}`);
    for (const m of f.ram) lines.push(`    [${hex(m.addr, 6)}] expected ${hex(m.expected, 2)} got ${hex(m.actual, 2)}`);
  }
  if (shown.length > max) lines.push(`  … ${shown.length - max} more`);
  return lines;
}
