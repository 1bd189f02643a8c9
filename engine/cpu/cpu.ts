/**
 * The reference x86 CPU: an interpreter over the decoded forms of `spec.ts`.
 *
 * State lives in typed arrays (GPRs, segment selectors and descriptor caches);
 * flags are kept eagerly in one number. Faults are raised by throwing a single
 * preallocated sentinel (`FAULT`) that `step` catches, so no host exception ever
 * leaves `run()`: the fault is delivered to the guest as an interrupt through
 * the real-mode IVT or the protected-mode IDT.
 *
 * Retirement and virtual time: every retired instruction adds 1 to
 * `clock.ticks`. A REP string instruction executes at most `REP_CHUNK`
 * iterations per retired step; if iterations remain, (E)IP stays on the
 * instruction so it re-executes after any pending interrupt is taken. The
 * count is therefore deterministic: ceil(iterations / REP_CHUNK) ticks.
 * A faulting instruction also counts as one retired step (the exception
 * delivery is part of it). The CPU fires due `clock` timers between
 * instructions.
 *
 * Decoding goes through a small direct-mapped cache of decoded instructions
 * keyed by physical address and code size; a hit is validated against the
 * current bytes, so there is no invalidation protocol to get wrong. The
 * decoded record keeps the effective-address components, which is also what
 * a translator will consume.
 */
import type { IoBus } from '../bus/io-bus.js';
import type { PhysicalMemory } from '../bus/physical-memory.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import type { DeviceState } from '../devices/device.js';
import { decode, Decoded, DecodeFault, K, modelTables, recomputeEa, type DecodeHost, type ModelTables, CS, SS, DS, ES } from './decoder.js';
import { disassemble } from './disasm.js';
import { SEMANTICS, type SemFn } from './semantics.js';
import { INSN_SPECS, Priv, modelRank, type CpuModel, TF, IF, IOPL, NT, RF, VM, AC, ID } from './spec.js';
import { Mmu } from './mmu.js';
import { CodePages } from './code-pages.js';
import { X87State } from './x87/x87-state.js';
import { FAULT, REP_CHUNK, EX_DE, EX_DB, EX_NMI, EX_BP, EX_OF, EX_BR, EX_UD, EX_NM, EX_DF, EX_TS, EX_NP, EX_SS, EX_GP, EX_PF, EX_AC, ATTR_BIG, ATTR_GRAN, ATTR_PRESENT, PARITY } from './faults.js';

export type { CpuModel } from './spec.js';

export interface InterruptSource {
  hasInterrupt(): boolean;
  acknowledge(): number;
}

export interface TraceEntry {
  cs: number;
  eip: number;
  bytes: number[];
  text: string;
  regs: { eax: number; ebx: number; ecx: number; edx: number; esi: number; edi: number; ebp: number; esp: number; eflags: number };
}

const DCACHE_SIZE = 4096;

/** Benign exceptions for double-fault classification (SDM Vol. 3 Table 6-4): not #DE, #TS, #NP, #SS, #GP, #PF. */
function benign(v: number): boolean {
  return !(v === 0 || (v >= 10 && v <= 14));
}

export { FAULT, REP_CHUNK, EX_DE, EX_DB, EX_NMI, EX_BP, EX_OF, EX_BR, EX_UD, EX_NM, EX_DF, EX_TS, EX_NP, EX_SS, EX_GP, EX_PF, EX_AC, ATTR_BIG, ATTR_GRAN, ATTR_PRESENT, PARITY };

/** CR0.AM: alignment mask (SDM Vol. 3 §2.5). */
const CR0_AM = 0x40000;

export class Cpu implements DecodeHost {
  readonly model: CpuModel;
  readonly rank: number;
  readonly memory: PhysicalMemory;
  readonly io: IoBus;
  readonly clock: VirtualClock;
  interrupts: InterruptSource | undefined;
  /**
   * The last step() transferred control (a form that ends a basic block, or a fault): the next
   * EIP may start a translated region. run() asks the translator only then, so code that stays
   * interpreted (cold, volatile, untranslatable) does not pay a region lookup per instruction.
   */
  private branched = true;
  /** The translator tier when the machine runs with `cpu: 'jit'` (engine/cpu/jit/translator.ts). */
  translator: { execute(budget: number): number } | undefined;

  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI. */
  readonly r = new Uint32Array(8);
  eip = 0;
  /** EFLAGS without the model's fixed bits (see getFlags). */
  flags = 0;
  readonly seg = new Uint16Array(6);
  readonly segBase = new Uint32Array(6);
  readonly segLimit = new Uint32Array(6);
  readonly segAttr = new Uint32Array(6);
  cr0 = 0;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Uint32Array(8);
  gdtrBase = 0;
  gdtrLimit = 0;
  idtrBase = 0;
  idtrLimit = 0xffff;
  ldtr = 0;
  ldtrBase = 0;
  ldtrLimit = 0;
  tr = 0;
  trBase = 0;
  trLimit = 0;
  trAttr = 0;
  cpl = 0;
  /** MSRs the guest may touch (SDM Vol. 4); unknown indices raise #GP. */
  readonly msr = new Map<number, bigint>();
  /** The model has an on-chip x87 FPU (and MMX, FXSR): the pentium2 model. */
  readonly hasFpu: boolean;
  /** x87/MMX register state (used only when hasFpu). */
  readonly fpu = new X87State();
  /** FERR# output (SDM Vol. 1 Appendix D): the machine routes it to IRQ13 (see engine/devices/fpu-error-f0.ts). */
  ferr = false;
  onFerr: (asserted: boolean) => void = () => {};

  halted = false;
  stopRequested = false;
  tripleFaulted = false;
  onTripleFault: () => void = () => {};
  private nmiPending = false;
  private inNmi = false;
  /** Interrupts are inhibited for one instruction after MOV SS / POP SS / STI. */
  shadow = false;

  /** Mirror of mmu.enabled (CR0.PG && CR0.PE), read on every memory access. */
  pagingOn = false;
  readonly tables: ModelTables;
  readonly d = new Decoded();
  /** Decoded-instruction cache, direct-mapped by physical address (see fetchDecoded). */
  private readonly dcache: (Decoded | undefined)[] = new Array<Decoded | undefined>(DCACHE_SIZE);
  private readonly dcacheKey = new Float64Array(DCACHE_SIZE).fill(-1);
  /** CodePages generation of the entry's page when it was decoded (-1 for ROM). */
  private readonly dcacheGen = new Int32Array(DCACHE_SIZE);
  /** Write tracking of RAM pages holding decoded (or translated) code. */
  readonly codePages: CodePages;
  readonly mmu: Mmu;
  /** Faulting state, set by fault(). */
  faultVector = 0;
  faultCode = -1;
  /** 8086/8088 divide error pushes the address of the next instruction. */
  faultAfter = false;
  private startEsp = 0;
  private deliveringDepth = 0;
  /** Set when the current instruction changed CS:EIP or mode so the trace can see it (unused by the loop). */
  private readonly sem: SemFn[];

  private traceBuf: TraceEntry[] | undefined;
  private traceCap = 0;

  constructor(opts: { model: CpuModel; memory: PhysicalMemory; io: IoBus; clock: VirtualClock; interrupts?: InterruptSource }) {
    this.model = opts.model;
    this.rank = modelRank(opts.model);
    this.hasFpu = this.rank >= modelRank('pentium2');
    this.memory = opts.memory;
    this.io = opts.io;
    this.clock = opts.clock;
    this.interrupts = opts.interrupts;
    this.tables = modelTables(opts.model);
    this.mmu = new Mmu(this);
    this.codePages = new CodePages(opts.memory);
    this.codePages.addListener((page) => {
      if (page < 0) this.flushDecodeCache();
    });
    this.sem = INSN_SPECS.map((s) => SEMANTICS[s.mn] ?? SEMANTICS['nop']);
    opts.memory.setAddressBusBits(this.rank <= 1 ? 20 : this.rank === 2 ? 24 : 32);
    this.reset();
  }

  // ---- reset / state -----------------------------------------------------

  reset(): void {
    this.r.fill(0);
    this.flags = 0;
    for (let s = 0; s < 6; s++) {
      this.seg[s] = 0;
      this.segBase[s] = 0;
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = ATTR_PRESENT | 0x13; // data, read/write, accessed
    }
    this.seg[CS] = 0xf000;
    this.segAttr[CS] = ATTR_PRESENT | 0x1b;
    // SDM Vol. 3 §9.1.4: the 386+ start with CS base FFFF0000; the 286 with FF0000; 8086 at FFFF0.
    this.segBase[CS] = this.rank >= 3 ? 0xffff0000 : this.rank === 2 ? 0xff0000 : 0xf0000;
    this.eip = 0xfff0;
    if (this.rank <= 1) {
      // 8086 reset: CS=FFFF, IP=0 (same physical address FFFF0).
      this.seg[CS] = 0xffff;
      this.segBase[CS] = 0xffff0;
      this.eip = 0;
    }
    // SDM Vol. 3 §9.1.4: EDX holds the processor signature after reset.
    if (this.rank >= 3) this.r[2] = this.signature();
    this.cr0 = this.rank >= 3 ? 0x60000010 : 0;
    if (this.rank === 2) this.cr0 = 0xfff0; // 286 MSW reserved bits read as 1
    if (this.rank === 3) this.cr0 = 0;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0;
    this.dr[7] = 0x400;
    // SDM Vol. 3 §9.1.1 (Table 9-1): GDTR, IDTR, LDTR and TR start with base 0
    // and limit FFFFh; LDTR and TR with selector 0.
    this.gdtrBase = this.idtrBase = 0;
    this.gdtrLimit = 0xffff;
    this.idtrLimit = 0xffff;
    this.ldtr = this.ldtrBase = 0;
    this.ldtrLimit = 0xffff;
    this.tr = this.trBase = this.trAttr = 0;
    this.trLimit = 0xffff;
    this.cpl = 0;
    this.halted = false;
    this.stopRequested = false;
    this.tripleFaulted = false;
    this.nmiPending = false;
    this.inNmi = false;
    this.shadow = false;
    this.msr.clear();
    if (this.hasFpu) this.fpu.powerOn();
    this.ferr = false;
    this.mmu.flush();
    // Harnesses (the conformance runner) reset and then poke RAM directly: start from an empty code cache.
    this.codePages.flushAll();
  }

  /**
   * CPUID family/model/stepping signature (also EDX at reset; SDM Vol. 2 CPUID,
   * "Version Information"). The models are chosen to match the features we
   * implement: 'i486' is an Intel486 SX (family 4, model 2: no FPU, like us) —
   * model 8 would be the DX4, which has one; 'pentium' is a P54C (family 5,
   * model 2) — model 4 would be the Pentium MMX, and we have no MMX; 'p6' is a
   * Pentium Pro (family 6, model 1) — model 3 would be the Pentium II, which
   * also has MMX. 'pentium2' is a Pentium II "Deschutes" (family 6, model 5,
   * stepping 2). The first Pentium II ("Klamath", 233–300 MHz) is model 3 and
   * has no FXSAVE/FXRSTOR (Intel Architecture SDM for the Pentium II, order
   * 243190, §11.3.1: Pentium II = family 6, model 3; later P6 parts have
   * models above 3; its Table 11-2 lists FXSR, EDX bit 24, as a new P6-family
   * flag); the Deschutes core, model 5, introduced FXSAVE/FXRSTOR.
   */
  signature(): number {
    switch (this.model) {
      case '80386':
        return 0x0308;
      case 'i486':
        return 0x0423;
      case 'pentium':
        return 0x0525;
      case 'p6':
        return 0x0619;
      case 'pentium2':
        return 0x0652;
      default:
        return 0;
    }
  }

  /** Drive FERR#; dropping it also drops IGNNE# (the PC latch of port F0h follows FERR#). */
  setFerr(on: boolean): void {
    if (!on) this.fpu.ignne = false;
    if (on === this.ferr) return;
    this.ferr = on;
    this.onFerr(on);
  }

  raiseNmi(): void {
    this.nmiPending = true;
  }

  get protectedMode(): boolean {
    return (this.cr0 & 1) !== 0;
  }

  get v86(): boolean {
    return (this.flags & VM) !== 0;
  }

  /** Code segment default size (DecodeHost). */
  get codeBig(): boolean {
    return (this.segAttr[CS] & ATTR_BIG) !== 0 && (this.flags & VM) === 0 && (this.cr0 & 1) !== 0;
  }

  get stackBig(): boolean {
    return (this.segAttr[SS] & ATTR_BIG) !== 0 && (this.flags & VM) === 0 && (this.cr0 & 1) !== 0;
  }

  // ---- registers ---------------------------------------------------------

  reg32(n: number): number {
    return this.r[n];
  }
  getReg8(n: number): number {
    return n < 4 ? this.r[n] & 0xff : (this.r[n - 4] >>> 8) & 0xff;
  }
  setReg8(n: number, v: number): void {
    if (n < 4) this.r[n] = (this.r[n] & 0xffffff00) | (v & 0xff);
    else this.r[n - 4] = (this.r[n - 4] & 0xffff00ff) | ((v & 0xff) << 8);
  }
  getReg16(n: number): number {
    return this.r[n] & 0xffff;
  }
  setReg16(n: number, v: number): void {
    this.r[n] = (this.r[n] & 0xffff0000) | (v & 0xffff);
  }
  getReg(n: number, size: number): number {
    return size === 1 ? this.getReg8(n) : size === 2 ? this.r[n] & 0xffff : this.r[n];
  }
  setReg(n: number, size: number, v: number): void {
    if (size === 1) this.setReg8(n, v);
    else if (size === 2) this.r[n] = (this.r[n] & 0xffff0000) | (v & 0xffff);
    else this.r[n] = v;
  }

  /** FLAGS as the guest reads them (PUSHF), with the model's fixed bits. */
  getFlags(): number {
    const f = this.flags;
    if (this.rank <= 1) return (f & 0x0fd5) | 0xf002; // 8086/186: bits 12–15 read as 1
    if (this.rank === 2) return this.protectedMode ? (f & 0x7fd5) | 2 : (f & 0x0fd5) | 2;
    const mask = this.rank >= 4 ? 0x3f7fd5 : 0x37fd5;
    return (f & mask) | 2;
  }

  /**
   * Load FLAGS/EFLAGS from the guest (POPF/IRET), honouring which bits this
   * model and privilege level may change (SDM Vol. 2 POPF; 286 real mode
   * cannot set IOPL/NT).
   */
  setFlags(v: number, size: number, ignorePriv = false): void {
    let writable = 0x0fd5; // OF DF IF TF SF ZF AF PF CF
    if (this.rank === 2) {
      if (this.protectedMode) writable |= IOPL | NT;
    } else if (this.rank >= 3) {
      writable |= IOPL | NT;
      if (size === 4) {
        writable |= RF;
        if (this.rank >= 4) writable |= AC | ID;
      }
    }
    if (!ignorePriv && this.protectedMode) {
      if (this.cpl > 0) writable &= ~IOPL;
      if (this.cpl > ((this.flags >> 12) & 3)) writable &= ~IF;
    }
    if (size === 2) writable &= 0xffff;
    this.flags = (this.flags & ~writable) | (v & writable);
  }

  get iopl(): number {
    return (this.flags >> 12) & 3;
  }

  // ---- faults -------------------------------------------------------------

  /** Raise exception `vector` (with `code` ≥ 0 pushed in protected mode). Never returns. */
  fault(vector: number, code = -1): never {
    this.faultVector = vector;
    this.faultCode = code;
    this.faultAfter = false;
    throw FAULT;
  }

  /** Segment-limit violation: #SS for stack references, #GP otherwise (SDM Vol. 3 §6.15). */
  segFault(s: number): never {
    // 80286 real mode reports every segment overrun, stack included, as
    // interrupt 13 (SingleStepTests 80286 vectors; no vector shows #SS).
    if (this.rank === 2 && !this.protectedMode) return this.fault(EX_GP, -1);
    return this.fault(s === SS ? EX_SS : EX_GP, this.protectedMode ? 0 : -1);
  }

  // ---- memory -------------------------------------------------------------

  /**
   * Linear address of seg:off for a read of `size` bytes, after the limit and
   * type checks (SDM Vol. 3 §5.3 limit, §5.4.1 type: an execute-only code
   * segment cannot be read through a segment register).
   */
  lin(s: number, off: number, size: number): number {
    // Type bits 3 (code) and 1 (readable): 10b is execute-only code. Real mode
    // and V86 mode do no type checks, whatever a descriptor cache holds.
    if ((this.segAttr[s] & 0x0a) === 0x08 && (this.cr0 & 1) !== 0 && (this.flags & VM) === 0) this.fault(EX_GP, 0);
    return this.linChecked(s, off, size, false);
  }

  /**
   * Linear address of seg:off for a write: as lin(), but the segment must be a
   * writable data segment (SDM Vol. 3 §5.4.1: writes into code segments or
   * read-only data segments raise #GP(0), or #SS(0) through SS).
   */
  linW(s: number, off: number, size: number): number {
    if ((this.segAttr[s] & 0x0a) !== 0x02 && (this.cr0 & 1) !== 0 && (this.flags & VM) === 0 && this.rank >= 2) {
      if ((this.segAttr[s] & ATTR_PRESENT) === 0) this.segFault(s);
      this.fault(s === SS ? EX_SS : EX_GP, 0);
    }
    return this.linChecked(s, off, size, true);
  }

  /** The limit check of an access of `size` bytes at seg:off (SDM Vol. 3 §5.3); returns the linear address. */
  private linChecked(s: number, off: number, size: number, write: boolean): number {
    if (this.rank >= 2) {
      const lim = this.segLimit[s];
      const attr = this.segAttr[s];
      if ((attr & ATTR_PRESENT) === 0) this.segFault(s);
      if ((attr & 0x1c) === 0x14) {
        // Expand-down data segment: valid offsets are (limit, top].
        const top = attr & ATTR_BIG ? 0xffffffff : 0xffff;
        if (off <= lim || off + size - 1 > top) this.segFault(s);
      } else if (off + size - 1 > lim) this.segFault(s);
    }
    const a = (this.segBase[s] + off) >>> 0;
    // Alignment check (SDM Vol. 3 §6.15, Interrupt 17): EFLAGS.AC, CR0.AM and CPL 3
    // (V86 included) make a misaligned data access #AC(0): words on 2, doublewords and
    // far pointers on 4, quadwords on 8 bytes (Table 6-7). It ranks below segment faults
    // (Table 6-2), hence after the limit check, and so does a page fault on the same
    // access, so the pages are checked (without setting A/D flags) before #AC is raised.
    // AC can only be set on the i486 and later, so the first test is all the common case pays.
    if ((this.flags & AC) !== 0 && size > 1 && this.cpl === 3 && (this.cr0 & CR0_AM) !== 0 && (a & (size === 2 ? 1 : size === 8 ? 7 : 3)) !== 0) {
      if (this.pagingOn) this.mmu.checkAccessOnly(a, size, write);
      this.fault(EX_AC, 0);
    }
    return a;
  }

  read8(s: number, off: number): number {
    const a = this.lin(s, off, 1);
    return this.pagingOn ? this.memory.read8(this.mmu.translate(a, false)) : this.memory.read8(a);
  }

  read16(s: number, off: number): number {
    if (this.rank <= 1) {
      // 8086: the second byte wraps inside the segment.
      const b = this.segBase[s];
      return this.memory.read8(b + (off & 0xffff)) | (this.memory.read8(b + ((off + 1) & 0xffff)) << 8);
    }
    const a = this.lin(s, off, 2);
    if (!this.pagingOn) return this.memory.read16(a);
    if ((a & 0xfff) === 0xfff) return this.readSplit(a, 2);
    return this.memory.read16(this.mmu.translate(a, false));
  }

  read32(s: number, off: number): number {
    const a = this.lin(s, off, 4);
    if (!this.pagingOn) return this.memory.read32(a);
    if ((a & 0xfff) > 0xffc) return this.readSplit(a, 4);
    return this.memory.read32(this.mmu.translate(a, false));
  }

  /**
   * A data access that crosses a page boundary, byte by byte through the TLB with the
   * rights of the current privilege level (SDM Vol. 3 §4.6: at CPL 3 both pages must
   * be user pages, and a fault reports U/S = 1). The lower page is translated first.
   */
  private readSplit(a: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.memory.read8(this.mmu.translate((a + i) >>> 0, false)) << (8 * i);
    return v >>> 0;
  }

  /** The write counterpart: both pages are checked before either is written, so a #PF leaves memory unchanged. */
  private writeSplit(a: number, size: number, v: number): void {
    this.mmu.translate(a, true);
    this.mmu.translate(((a | 0xfff) + 1) >>> 0, true);
    for (let i = 0; i < size; i++) this.memory.write8(this.mmu.translate((a + i) >>> 0, true), (v >>> (8 * i)) & 0xff);
  }

  /**
   * Check that `size` bytes at seg:off may be written (segment and page rights, first
   * page first) without writing them: for stores done in parts (CMPXCHG8B), so a fault
   * on a later part cannot leave an earlier one written.
   */
  checkWrite(s: number, off: number, size: number): void {
    const a = this.linW(s, off, size);
    if (!this.pagingOn) return;
    this.mmu.translate(a, true);
    if (((a & 0xfff) + size - 1) > 0xfff) this.mmu.translate(((a | 0xfff) + 1) >>> 0, true);
  }

  readSized(s: number, off: number, size: number): number {
    return size === 1 ? this.read8(s, off) : size === 2 ? this.read16(s, off) : this.read32(s, off);
  }

  write8(s: number, off: number, v: number): void {
    const a = this.linW(s, off, 1);
    if (this.pagingOn) this.memory.write8(this.mmu.translate(a, true), v & 0xff);
    else this.memory.write8(a, v & 0xff);
  }

  write16(s: number, off: number, v: number): void {
    if (this.rank <= 1) {
      const b = this.segBase[s];
      this.memory.write8(b + (off & 0xffff), v & 0xff);
      this.memory.write8(b + ((off + 1) & 0xffff), (v >>> 8) & 0xff);
      return;
    }
    const a = this.linW(s, off, 2);
    if (!this.pagingOn) this.memory.write16(a, v);
    else if ((a & 0xfff) === 0xfff) this.writeSplit(a, 2, v);
    else this.memory.write16(this.mmu.translate(a, true), v);
  }

  write32(s: number, off: number, v: number): void {
    const a = this.linW(s, off, 4);
    if (!this.pagingOn) this.memory.write32(a, v);
    else if ((a & 0xfff) > 0xffc) this.writeSplit(a, 4, v);
    else this.memory.write32(this.mmu.translate(a, true), v);
  }

  writeSized(s: number, off: number, size: number, v: number): void {
    if (size === 1) this.write8(s, off, v);
    else if (size === 2) this.write16(s, off, v);
    else this.write32(s, off, v);
  }

  /** Linear-address accesses (descriptor tables, TSS, IDT): paging applies, segmentation does not. */
  linRead8(a: number): number {
    a >>>= 0;
    return this.memory.read8(this.pagingOn ? this.mmu.translate(a, false, true) : a);
  }
  linRead16(a: number): number {
    return this.linRead8(a) | (this.linRead8(a + 1) << 8);
  }
  linRead32(a: number): number {
    return (this.linRead16(a) | (this.linRead16(a + 2) << 16)) >>> 0;
  }
  linWrite8(a: number, v: number): void {
    a >>>= 0;
    this.memory.write8(this.pagingOn ? this.mmu.translate(a, true, true) : a, v & 0xff);
  }
  linWrite16(a: number, v: number): void {
    this.linWrite8(a, v);
    this.linWrite8(a + 1, v >>> 8);
  }
  linWrite32(a: number, v: number): void {
    this.linWrite16(a, v);
    this.linWrite16(a + 2, v >>> 16);
  }

  /** DecodeHost: code byte at CS:off. */
  fetchCode(off: number): number {
    const m = this.memory;
    let a: number;
    if (this.rank <= 1) a = this.segBase[CS] + (off & 0xffff);
    else {
      if (off > this.segLimit[CS]) this.fault(EX_GP, this.protectedMode ? 0 : -1);
      a = (this.segBase[CS] + off) >>> 0;
      if (this.pagingOn) a = this.mmu.translate(a, false);
    }
    // Inline RAM fast path of PhysicalMemory.read8 (code fetch is the hottest access).
    a = (a & m.addressMask) >>> 0;
    return m.pageKind[a >>> 12] === 0 ? m.ram[a] : m.read8(a);
  }

  // ---- operands -----------------------------------------------------------

  /** Read operand `i` of the decoded instruction. */
  rd(d: Decoded, i: number): number {
    switch (d.kind[i]) {
      case K.Reg: {
        const n = d.regNo[i];
        const sz = d.size[i];
        return sz === 1 ? (n < 4 ? this.r[n] & 0xff : (this.r[n - 4] >>> 8) & 0xff) : sz === 2 ? this.r[n] & 0xffff : this.r[n];
      }
      case K.Mem: {
        const sz = d.size[i];
        return sz === 1 ? this.read8(d.eaSeg, d.ea) : sz === 2 ? this.read16(d.eaSeg, d.ea) : this.read32(d.eaSeg, d.ea);
      }
      case K.Imm:
        return i === 0 || d.kind[0] !== K.Imm ? d.imm : d.imm2;
      case K.Seg:
        return this.seg[d.regNo[i]];
      default:
        return 0;
    }
  }

  /** Write operand `i`. */
  wr(d: Decoded, i: number, v: number): void {
    switch (d.kind[i]) {
      case K.Reg: {
        const n = d.regNo[i];
        const sz = d.size[i];
        if (sz === 1) this.setReg8(n, v);
        else if (sz === 2) this.r[n] = (this.r[n] & 0xffff0000) | (v & 0xffff);
        else this.r[n] = v;
        return;
      }
      case K.Mem: {
        const sz = d.size[i];
        if (sz === 1) this.write8(d.eaSeg, d.ea, v);
        else if (sz === 2) this.write16(d.eaSeg, d.ea, v);
        else this.write32(d.eaSeg, d.ea, v);
        return;
      }
      case K.Seg:
        this.loadSeg(d.regNo[i], v & 0xffff);
        return;
    }
  }

  /** Mask for the current address size of `d` (string ops, LOOP, XLAT). */
  addrMask(d: Decoded): number {
    return d.a32 ? 0xffffffff : 0xffff;
  }

  // ---- stack --------------------------------------------------------------

  get sp(): number {
    return this.stackBig ? this.r[4] : this.r[4] & 0xffff;
  }

  push(v: number, size: number): void {
    const big = this.stackBig;
    const sp = ((big ? this.r[4] : this.r[4] & 0xffff) - size) >>> 0;
    const off = big ? sp : sp & 0xffff;
    if (size === 2) this.write16(SS, off, v);
    else this.write32(SS, off, v);
    if (big) this.r[4] = off;
    else this.r[4] = (this.r[4] & 0xffff0000) | off;
  }

  pop(size: number): number {
    const big = this.stackBig;
    const off = big ? this.r[4] : this.r[4] & 0xffff;
    const v = size === 2 ? this.read16(SS, off) : this.read32(SS, off);
    const nsp = (off + size) >>> 0;
    if (big) this.r[4] = nsp;
    else this.r[4] = (this.r[4] & 0xffff0000) | (nsp & 0xffff);
    return v;
  }

  /** Value at SS:(E)SP + delta without popping. */
  peek(delta: number, size: number): number {
    const big = this.stackBig;
    const off = ((big ? this.r[4] : this.r[4] & 0xffff) + delta) >>> 0;
    return size === 2 ? this.read16(SS, big ? off : off & 0xffff) : this.read32(SS, big ? off : off & 0xffff);
  }

  // ---- segments -----------------------------------------------------------

  /** MOV/POP/LxS to a segment register. */
  loadSeg(s: number, sel: number): void {
    if (!this.protectedMode || this.v86) {
      this.seg[s] = sel;
      this.segBase[s] = sel << 4;
      // A real-mode load makes the segment usable again (limit and rights are kept: "unreal" mode).
      this.segAttr[s] |= ATTR_PRESENT;
      if (this.v86) {
        this.segLimit[s] = 0xffff;
        this.segAttr[s] = ATTR_PRESENT | (s === CS ? 0x1b : 0x13) | 0x60;
      }
      if (s === SS) this.shadow = true;
      return;
    }
    this.mmu.loadSegProtected(s, sel);
    if (s === SS) this.shadow = true;
  }

  /** Real-mode/V86 far transfer target. */
  setCsReal(sel: number): void {
    this.seg[CS] = sel;
    this.segBase[CS] = sel << 4;
    this.segAttr[CS] |= ATTR_PRESENT;
  }

  // ---- interrupts ---------------------------------------------------------

  /**
   * Deliver interrupt/exception `vector`. `returnEip` is the EIP pushed.
   * `soft` marks INT n / INT3 / INTO (privilege check against the gate DPL).
   */
  interrupt(vector: number, returnEip: number, code: number, soft: boolean): void {
    if (this.protectedMode) {
      this.mmu.interruptProtected(vector, returnEip, code, soft);
      return;
    }
    // Real mode: IVT at IDTR base (SDM Vol. 3 §20.1.4).
    if (this.rank >= 2 && vector * 4 + 3 > this.idtrLimit) this.fault(EX_GP, -1);
    const flags = this.getFlags();
    this.push(flags, 2);
    this.push(this.seg[CS], 2);
    this.push(returnEip, 2);
    this.flags &= ~(IF | TF | (this.rank >= 4 ? AC : 0) | RF);
    const base = this.idtrBase + vector * 4;
    const ip = this.linRead16(base);
    const cs = this.linRead16(base + 2);
    this.setCsReal(cs);
    this.eip = ip;
  }

  /** Exception delivery with double/triple fault escalation (SDM Vol. 3 §6.15, Interrupt 8). */
  private deliverFault(vector: number, code: number, pushEip: number): void {
    this.deliveringDepth++;
    try {
      this.interrupt(vector, pushEip, code, false);
    } catch (e) {
      if (e !== FAULT) throw e;
      const second = this.faultVector;
      this.r[4] = this.startEsp;
      if (this.deliveringDepth >= 2 || vector === EX_DF || this.rank <= 1) {
        this.tripleFault();
        return;
      }
      if (this.rank === 2 || (!benign(vector) && !benign(second)) || (vector === EX_PF && (second === EX_PF || !benign(second)))) {
        this.deliverFault(EX_DF, 0, pushEip);
      } else {
        this.deliverFault(second, this.faultCode, pushEip);
      }
    } finally {
      this.deliveringDepth--;
    }
  }

  private tripleFault(): void {
    this.tripleFaulted = true;
    this.halted = true;
    this.stopRequested = true;
    this.onTripleFault();
  }

  // ---- execution ----------------------------------------------------------

  /** Retire up to `maxInstructions`; see the file header for what counts. */
  run(maxInstructions: number): number {
    let n = 0;
    const clock = this.clock;
    const tr = this.translator;
    // Region entries are branch targets: a call starts at one, or where the caller left off.
    let probe = true;
    while (n < maxInstructions) {
      if (this.tripleFaulted) break;
      if (!this.shadow) {
        if (this.nmiPending && !this.inNmi) {
          this.nmiPending = false;
          this.inNmi = true;
          this.halted = false;
          this.externalInterrupt(EX_NMI);
          probe = true;
        } else if ((this.flags & IF) !== 0 && this.interrupts !== undefined && this.interrupts.hasInterrupt()) {
          this.halted = false;
          this.externalInterrupt(this.interrupts.acknowledge());
          probe = true;
        }
      }
      if (this.halted) break;
      // Translator tier: runs whole regions while no interrupt can become deliverable (no shadow,
      // no TF, no I/O inside regions) and never past the next timer deadline, so interrupt
      // delivery points and timer firing stay those of the interpreter.
      // Generated code does no alignment check, so with EFLAGS.AC set (only POPF/IRET/task
      // switches set it, and they end regions) the interpreter keeps the instruction stream.
      if (tr !== undefined && probe && !this.shadow && (this.flags & (TF | AC)) === 0 && this.traceBuf === undefined) {
        let budget = maxInstructions - n;
        const dl = clock.nextDeadline() - clock.ticks;
        if (dl < budget) budget = dl;
        if (budget > 1) {
          const k = tr.execute(budget);
          if (k > 0) {
            n += k;
            clock.ticks += k;
            if (clock.ticks >= clock.nextDeadline()) clock.fireDue();
            if (this.stopRequested) {
              this.stopRequested = false;
              break;
            }
            continue;
          }
        }
      }
      this.step();
      probe = this.branched;
      n++;
      clock.ticks++;
      if (clock.ticks >= clock.nextDeadline()) clock.fireDue();
      if (this.stopRequested) {
        this.stopRequested = false;
        break;
      }
    }
    return n;
  }

  private externalInterrupt(vector: number): void {
    this.startEsp = this.r[4];
    this.deliverFaultSafe(vector, -1, this.eip);
  }

  private deliverFaultSafe(vector: number, code: number, pushEip: number): void {
    this.deliverFault(vector, code, pushEip);
  }

  /**
   * The decoded instruction at CS:EIP: from the decoded-instruction cache
   * when this physical address was decoded in the same code-size mode and
   * its page has not been written since (CodePages generation: stores into
   * the decoded 64-byte lines, DMA through PhysicalMemory and remapping all
   * bump it, so self-modifying code is always seen), else freshly decoded.
   * ROM pages only change by remapping, which flushes the whole cache.
   */
  private fetchDecoded(start: number): Decoded {
    const big = this.codeBig;
    const m = this.memory;
    let lin: number;
    if (this.rank <= 1) {
      if ((start & 0xffff) > 0xfff0) return this.decodeFresh(start);
      lin = this.segBase[CS] + (start & 0xffff);
    } else {
      if (start > this.segLimit[CS]) return this.decodeFresh(start);
      lin = (this.segBase[CS] + start) >>> 0;
    }
    const off = lin & 0xfff;
    if (off > 0xff0) return this.decodeFresh(start);
    let phys = this.pagingOn ? this.mmu.translate(lin, false) : lin;
    phys = (phys & m.addressMask) >>> 0;
    const kind = m.pageKind[phys >>> 12];
    if (kind > 1) return this.decodeFresh(start);
    const gen = kind === 0 ? this.codePages.pageGen[phys >>> 12] : -1;
    const key = big ? phys + 0x100000000 : phys;
    const slot = (phys ^ (phys >>> 11)) & (DCACHE_SIZE - 1);
    const e = this.dcache[slot];
    if (e !== undefined && this.dcacheKey[slot] === key && this.dcacheGen[slot] === gen && (this.rank <= 1 || start + e.len - 1 <= this.segLimit[CS])) {
      e.start = start;
      if (e.hasEa) recomputeEa(e, this.r);
      return e;
    }
    const d = e ?? (this.dcache[slot] = new Decoded());
    this.dcacheKey[slot] = -1;
    decode(this.tables, this, start, d);
    if (d.fault === DecodeFault.None && d.len <= 16 && off + d.len <= 0x1000) {
      if (kind === 0) this.codePages.mark(phys, d.len);
      this.dcacheKey[slot] = key;
      this.dcacheGen[slot] = gen;
    }
    return d;
  }

  /** Forget every cached decode (code-page flush: remapping, snapshot restore, reset). */
  flushDecodeCache(): void {
    this.dcacheKey.fill(-1);
  }

  /** The interpreter's semantic function for a spec row (used by translated code for generic instructions). */
  semanticOf(specIndex: number): SemFn {
    return this.sem[specIndex];
  }

  /**
   * A fault raised by a semantic function called from translated code: exactly
   * what step() does for a fault (ESP restored, EIP of the instruction, delivery).
   */
  translatedFault(start: number, startEsp: number): void {
    this.startEsp = startEsp;
    this.r[4] = startEsp;
    const pushEip = this.faultAfter ? this.eip : start;
    this.eip = start;
    this.deliverFault(this.faultVector, this.faultCode, pushEip);
  }

  private decodeFresh(start: number): Decoded {
    decode(this.tables, this, start, this.d);
    return this.d;
  }

  /** Execute one instruction (or one REP chunk). */
  step(): void {
    this.shadow = false;
    this.startEsp = this.r[4];
    const start = this.eip;
    let d = this.d;
    try {
      d = this.fetchDecoded(start);
      if (d.fault !== DecodeFault.None) {
        // Over-long instruction: #GP(0) (SDM Vol. 2 §2.3.11); the 80286 vectors also show interrupt 13.
        if (d.fault === DecodeFault.TooLong) this.fault(EX_GP, this.protectedMode ? 0 : -1);
        this.undefinedOpcode(d);
        return;
      }
      this.eip = (start + d.len) & (this.codeBig ? 0xffffffff : 0xffff);
      if (this.traceBuf !== undefined) this.recordTrace(d, start);
      // SDM Vol. 2 LOCK: on the 386 and later, LOCK with anything but a locked read-modify-write form is #UD.
      if (d.lock && this.rank >= 3 && (d.spec.lockable !== true || d.kind[0] !== K.Mem)) this.fault(EX_UD, -1);
      // Privilege rules from the spec row (the rules that depend on operands, such as the
      // I/O bitmap or V86 IOPL, are applied by the semantic functions).
      const priv = d.spec.priv;
      if (priv !== Priv.None) {
        if (priv === Priv.Cpl0) this.checkCpl0();
        else if (priv === Priv.Iopl) this.checkIopl();
        else if (priv === Priv.ProtOnly && (!this.protectedMode || this.v86)) this.fault(EX_UD, -1);
      }
      const trap = (this.flags & TF) !== 0;
      this.branched = d.spec.endsBlock;
      this.sem[d.specIndex](this, d);
      // Single-step: a debug trap after the instruction (SDM Vol. 3 §17.3.1.4); INT n clears TF itself.
      if (trap && !d.spec.softInt) this.deliverFault(EX_DB, -1, this.eip);
    } catch (e) {
      if (e !== FAULT) throw e;
      this.branched = true;
      this.r[4] = this.startEsp;
      const pushEip = this.faultAfter ? this.eip : start;
      this.eip = start;
      this.deliverFault(this.faultVector, this.faultCode, pushEip);
    }
  }

  /**
   * No form for these bytes: #UD on the 80186 and later (SDM Vol. 3 §6.15,
   * Interrupt 6). The 8086 has no invalid opcodes; for the handful of forms
   * whose hardware behaviour we do not model it skips the bytes as a no-op.
   */
  private undefinedOpcode(d: Decoded): void {
    if (this.rank === 0) {
      this.eip = (d.start + d.len) & 0xffff;
      return;
    }
    this.fault(EX_UD, -1);
  }

  /** Privilege / mode checks from the spec row (called by semantics that need them). */
  checkIopl(): void {
    if (this.v86 ? this.iopl < 3 : this.protectedMode && this.cpl > this.iopl) this.fault(EX_GP, 0);
  }

  checkCpl0(): void {
    if (this.v86 || (this.protectedMode && this.cpl !== 0)) this.fault(EX_GP, 0);
  }

  // ---- trace ----------------------------------------------------------------

  enableTrace(n: number): void {
    this.traceCap = n;
    this.traceBuf = n > 0 ? [] : undefined;
  }

  trace(): TraceEntry[] {
    return this.traceBuf ? this.traceBuf.slice() : [];
  }

  private recordTrace(d: Decoded, start: number): void {
    const bytes: number[] = [];
    for (let i = 0; i < d.len; i++) bytes.push(this.fetchCode((start + i) & (this.codeBig ? 0xffffffff : 0xffff)));
    const r = this.r;
    const buf = this.traceBuf!;
    buf.push({
      cs: this.seg[CS],
      eip: start,
      bytes,
      text: disassemble(d, start),
      regs: { eax: r[0], ebx: r[3], ecx: r[1], edx: r[2], esi: r[6], edi: r[7], ebp: r[5], esp: r[4], eflags: this.getFlags() },
    });
    if (buf.length > this.traceCap) buf.shift();
  }

  // ---- snapshots ----------------------------------------------------------

  saveState(): DeviceState {
    const msr: { [k: string]: string } = {};
    for (const [k, v] of this.msr) msr[k.toString(16)] = v.toString(16);
    return {
      model: this.model,
      r: Array.from(this.r),
      eip: this.eip,
      flags: this.flags,
      seg: Array.from(this.seg),
      segBase: Array.from(this.segBase),
      segLimit: Array.from(this.segLimit),
      segAttr: Array.from(this.segAttr),
      cr: [this.cr0, this.cr2, this.cr3, this.cr4],
      dr: Array.from(this.dr),
      gdtr: [this.gdtrBase, this.gdtrLimit],
      idtr: [this.idtrBase, this.idtrLimit],
      ldtr: [this.ldtr, this.ldtrBase, this.ldtrLimit],
      tr: [this.tr, this.trBase, this.trLimit, this.trAttr],
      cpl: this.cpl,
      halted: this.halted,
      shadow: this.shadow,
      nmi: [this.nmiPending, this.inNmi],
      msr,
      ...(this.hasFpu ? { fpu: this.fpu.save(), ferr: this.ferr } : {}),
    };
  }

  loadState(s: DeviceState): void {
    if (s.model !== this.model) throw new Error(`CPU snapshot is for model ${String(s.model)}, this CPU is ${this.model}`);
    const nums = (k: string): number[] => s[k] as number[];
    this.r.set(nums('r'));
    this.eip = s.eip as number;
    this.flags = s.flags as number;
    this.seg.set(nums('seg'));
    this.segBase.set(nums('segBase'));
    this.segLimit.set(nums('segLimit'));
    this.segAttr.set(nums('segAttr'));
    [this.cr0, this.cr2, this.cr3, this.cr4] = nums('cr');
    this.dr.set(nums('dr'));
    [this.gdtrBase, this.gdtrLimit] = nums('gdtr');
    [this.idtrBase, this.idtrLimit] = nums('idtr');
    [this.ldtr, this.ldtrBase, this.ldtrLimit] = nums('ldtr');
    [this.tr, this.trBase, this.trLimit, this.trAttr] = nums('tr');
    this.cpl = s.cpl as number;
    this.halted = s.halted as boolean;
    this.shadow = s.shadow as boolean;
    const nmi = s.nmi as boolean[];
    this.nmiPending = nmi[0];
    this.inNmi = nmi[1];
    this.msr.clear();
    for (const [k, v] of Object.entries(s.msr as { [k: string]: string })) this.msr.set(parseInt(k, 16), BigInt('0x' + v));
    if (this.hasFpu && s.fpu !== undefined) {
      this.fpu.load(s.fpu as { [k: string]: unknown });
      this.ferr = s.ferr === true;
    }
    this.tripleFaulted = false;
    this.mmu.flush();
    this.codePages.flushAll();
  }

  /** Called by IRET to leave the NMI-blocked state. */
  endNmi(): void {
    this.inNmi = false;
  }
}

export { ES, CS, SS, DS };
