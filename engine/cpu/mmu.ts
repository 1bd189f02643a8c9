/**
 * The protected-mode half of the CPU: descriptor tables and segment loads,
 * privilege transitions (far CALL/JMP/RET, gates, IRET, interrupts through the
 * IDT, task switches), paging with a TLB, control registers, MSRs, CPUID and
 * the I/O permission checks. Intel calls segmentation + paging the memory
 * management unit (SDM Vol. 3 ch. 3–7); the privilege logic lives here too
 * because it is all descriptor handling.
 *
 * Real-mode execution never enters this module except for LGDT/LIDT/SMSW/
 * LMSW/MOV CRn and CPUID/MSRs.
 */
import type { Cpu } from './cpu.js';
import { ATTR_PRESENT, EX_GP, EX_NP, EX_PF, EX_SS, EX_TS, EX_UD } from './faults.js';
import { CS, DS, ES, FS, GS, SS, K, type Decoded } from './decoder.js';
import { IF, NT, RF, TF, VM, ZF, AC } from './spec.js';

const DATA_SEGS: readonly number[] = [ES, DS, FS, GS];
const TLB_VALID = 1;
const TLB_WRITE = 2; // writable at the page level
const TLB_USER = 4;
const TLB_DIRTY = 8;
/** Global translation (PTE/PDE bit 8 with CR4.PGE set): survives MOV to CR3 (SDM Vol. 3 §4.10.2.4). */
const TLB_GLOBAL = 16;
/** Scratch mark used while compacting the list of filled TLB slots. */
const TLB_KEPT = 32;

export class Mmu {
  /** Paging enabled (CR0.PG). */
  enabled = false;
  /**
   * Per linear page: physical page | TLB_* bits, 0 when not cached. Read by translated code
   * (compiler.ts, the paging note), which never writes it.
   */
  readonly tlb = new Int32Array(1 << 20);
  private readonly tlbUsed: number[] = [];
  /** Scratch descriptor words (read by readDescriptor). */
  private dLo = 0;
  private dHi = 0;

  constructor(private readonly c: Cpu) {}

  /**
   * Invalidate the TLB. `keepGlobal` is the MOV-to-CR3 case: with CR4.PGE set,
   * translations for global pages stay cached (SDM Vol. 3 §4.10.4.1); every
   * other flush (CR0.PG/CR4.PGE changes, reset, restore) drops them too.
   */
  flush(keepGlobal = false): void {
    const tlb = this.tlb;
    const used = this.tlbUsed;
    if (keepGlobal && (this.c.cr4 & 0x80) !== 0) {
      // Keep each global slot once (a slot can be listed twice after INVLPG + refill).
      let n = 0;
      for (const p of used) {
        const e = tlb[p];
        if ((e & TLB_GLOBAL) !== 0 && (e & TLB_KEPT) === 0) {
          tlb[p] = e | TLB_KEPT;
          used[n++] = p;
        } else if ((e & TLB_KEPT) === 0) tlb[p] = 0;
      }
      used.length = n;
      for (const p of used) tlb[p] &= ~TLB_KEPT;
    } else {
      for (const p of used) tlb[p] = 0;
      used.length = 0;
    }
    this.enabled = ((this.c.cr0 & 0x80000001) >>> 0) === 0x80000001;
    this.c.pagingOn = this.enabled;
  }

  // ---- paging (SDM Vol. 3 §4.3, 32-bit paging) ----------------------------

  /** Linear → physical. `sys` = implicit supervisor access (descriptor tables, TSS). */
  translate(lin: number, write: boolean, sys = false): number {
    const c = this.c;
    const page = lin >>> 12;
    const e = this.tlb[page];
    const user = !sys && c.cpl === 3;
    if (e & TLB_VALID) {
      const okUser = !user || (e & TLB_USER) !== 0;
      const okWrite = !write || ((e & TLB_DIRTY) !== 0 && ((e & TLB_WRITE) !== 0 || (!user && (c.cr0 & 0x10000) === 0)));
      if (okUser && okWrite) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    }
    return this.walk(lin, write, user, false);
  }

  /**
   * Raise the #PF that an access of `size` bytes at `lin` would raise, without doing it:
   * no accessed/dirty flag is set and the TLB is not filled. For a fault of lower priority
   * that must not be raised when paging would fault first (#AC ranks below #PF, SDM Vol. 3
   * §6.9 Table 6-2), so the access that never happens leaves the page tables unchanged.
   */
  checkAccessOnly(lin: number, size: number, write: boolean): void {
    this.probeOne(lin, write);
    if ((lin & 0xfff) + size - 1 > 0xfff) this.probeOne(((lin | 0xfff) + 1) >>> 0, write);
  }

  private probeOne(lin: number, write: boolean): void {
    const c = this.c;
    const e = this.tlb[lin >>> 12];
    const user = c.cpl === 3;
    if (e & TLB_VALID) {
      const okUser = !user || (e & TLB_USER) !== 0;
      const okWrite = !write || ((e & TLB_DIRTY) !== 0 && ((e & TLB_WRITE) !== 0 || (!user && (c.cr0 & 0x10000) === 0)));
      if (okUser && okWrite) return;
    }
    this.walk(lin, write, user, true);
  }

  /** The page walk; a `dry` walk only raises the fault, changing no entry and no TLB slot. */
  private walk(lin: number, write: boolean, user: boolean, dry: boolean): number {
    const c = this.c;
    const mem = c.memory;
    const pdeAddr = ((c.cr3 & 0xfffff000) + ((lin >>> 22) << 2)) >>> 0;
    const pde = mem.read32(pdeAddr);
    if ((pde & 1) === 0) this.pageFault(lin, 0, write, user);
    let phys: number;
    let flags: number;
    if ((pde & 0x80) !== 0 && (c.cr4 & 0x10) !== 0) {
      // 4 MiB page (PSE). Without PSE-36 (not advertised by any model here) bits 21:13
      // are reserved, and a set one is a #PF with RSVD (error code bit 3) and P = 1
      // (SDM Vol. 3 §4.3 Table 4-4, §4.7). These are the only reserved bits 32-bit paging
      // checks: PTEs and PDEs of page tables have none (SDM Vol. 3 Table 5-10, legacy
      // 32-bit modes), and the PAT bits (PTE bit 7, bit 12 here), reserved without a PAT,
      // are left unchecked as Table 5-10 lists them: no model here has a PAT to enable.
      if ((pde & 0x3fe000) !== 0) {
        c.cr2 = lin >>> 0;
        c.fault(EX_PF, 1 | 8 | (write ? 2 : 0) | (user ? 4 : 0));
      }
      flags = pde;
      this.checkAccess(lin, flags, write, user);
      const nv = pde | 0x20 | (write ? 0x40 : 0);
      if (dry) return 0;
      if (nv !== pde) mem.write32(pdeAddr, nv);
      phys = ((pde & 0xffc00000) | (lin & 0x3ff000)) >>> 0;
      flags = nv;
    } else {
      // The PDE is used to find the PTE, so its accessed flag is set before the PTE is even
      // read: a not-present PTE or a rights violation still leaves PDE.A set (SDM Vol. 3 §4.8,
      // "whenever the processor uses a paging-structure entry as part of linear-address
      // translation, it sets the accessed flag in that entry"); the PTE's A and D flags
      // change only when the access is allowed.
      if ((pde & 0x20) === 0 && !dry) mem.write32(pdeAddr, pde | 0x20);
      const pteAddr = ((pde & 0xfffff000) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
      const pte = mem.read32(pteAddr);
      if ((pte & 1) === 0) this.pageFault(lin, 0, write, user);
      // Effective rights are the AND of both levels (SDM Vol. 3 §4.6).
      flags = (pte & ~6) | (pde & pte & 6);
      this.checkAccess(lin, flags, write, user);
      const nv = pte | 0x20 | (write ? 0x40 : 0);
      if (dry) return 0;
      if (nv !== pte) mem.write32(pteAddr, nv);
      phys = (pte & 0xfffff000) >>> 0;
      flags = (flags & ~0x40) | (nv & 0x40);
    }
    const page = lin >>> 12;
    if (this.tlb[page] === 0) this.tlbUsed.push(page);
    // G (bit 8 of the PTE, or of a 4 MiB PDE) only counts with CR4.PGE (SDM Vol. 3 §4.10.2.4).
    const global = (flags & 0x100) !== 0 && (c.cr4 & 0x80) !== 0;
    this.tlb[page] =
      (phys | TLB_VALID | (flags & 2 ? TLB_WRITE : 0) | (flags & 4 ? TLB_USER : 0) | (flags & 0x40 ? TLB_DIRTY : 0) | (global ? TLB_GLOBAL : 0)) | 0;
    return (phys | (lin & 0xfff)) >>> 0;
  }

  private checkAccess(lin: number, flags: number, write: boolean, user: boolean): void {
    if (user && (flags & 4) === 0) this.pageFault(lin, 1, write, user);
    if (write && (flags & 2) === 0 && (user || (this.c.cr0 & 0x10000) !== 0)) this.pageFault(lin, 1, write, user);
  }

  private pageFault(lin: number, present: number, write: boolean, user: boolean): never {
    this.c.cr2 = lin >>> 0;
    return this.c.fault(EX_PF, present | (write ? 2 : 0) | (user ? 4 : 0));
  }

  invlpg(lin: number): void {
    this.tlb[lin >>> 12] = 0;
  }

  // ---- control registers ---------------------------------------------------

  readCr(n: number): number {
    const c = this.c;
    switch (n) {
      case 0:
        return c.cr0 >>> 0;
      case 2:
        return c.cr2;
      case 3:
        return c.cr3;
      case 4:
        if (c.rank < 5) c.fault(EX_UD, -1);
        return c.cr4;
      default:
        return c.fault(EX_UD, -1);
    }
  }

  writeCr(n: number, v: number): void {
    const c = this.c;
    switch (n) {
      case 0: {
        // SDM Vol. 3 §2.5: PG without PE is #GP(0).
        if ((v & 0x80000001) === 0x80000000) c.fault(EX_GP, 0);
        const keep = c.rank >= 4 ? 0xe005003f : 0x8000001f;
        c.cr0 = (v & keep) >>> 0;
        // ET is hard-wired to 1 from the i486 on; on the 386 it is a plain bit the BIOS sets for a 387.
        if (c.rank >= 4) c.cr0 |= 0x10;
        this.flush();
        if ((c.cr0 & 1) === 0) c.cpl = 0;
        return;
      }
      case 2:
        c.cr2 = v >>> 0;
        return;
      case 3:
        c.cr3 = v >>> 0;
        this.flush(true);
        return;
      case 4:
        if (c.rank < 5) c.fault(EX_UD, -1);
        // Supported: VME(0, not implemented → reserved), PVI, TSD(2), DE(3), PSE(4), PGE(7 on P6),
        // OSFXSR(9) with CPUID.FXSR (SDM Vol. 3 §2.5; without SSE it changes nothing we model).
        if ((v & ~(c.rank >= 6 ? (c.hasFpu ? 0x29c : 0x9c) : 0x1c)) !== 0) c.fault(EX_GP, 0);
        c.cr4 = v >>> 0;
        this.flush();
        return;
      default:
        c.fault(EX_UD, -1);
    }
  }

  // ---- CPUID and MSRs ----------------------------------------------------------

  cpuid(): void {
    const c = this.c;
    const leaf = c.r[0];
    const r = c.r;
    if (leaf === 0) {
      r[0] = 1;
      // "GenuineIntel"
      r[3] = 0x756e6547;
      r[2] = 0x49656e69;
      r[1] = 0x6c65746e;
      return;
    }
    if (leaf === 1) {
      // EDX features (SDM Vol. 2 CPUID Table 3-11): only what we implement. Bit 0 (FPU)
      // only for the pentium2 model, the first with our x87.
      let edx = 0;
      if (c.rank >= 5) edx |= (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8); // PSE TSC MSR CX8
      if (c.rank >= 6) edx |= (1 << 12) | (1 << 13) | (1 << 15); // MTRR PGE CMOV
      // FPU, SEP, MMX, FXSR. SEP is reliable from model 3 on (SDM Vol. 2 SYSENTER: ignore it for
      // family 6, model < 3, stepping < 3); PAT and PSE-36, which the real model 5 also reports,
      // are not implemented and stay clear.
      if (c.hasFpu) edx |= (1 << 0) | (1 << 11) | (1 << 23) | (1 << 24);
      r[0] = c.signature(); // EAX
      r[3] = 0; // EBX
      r[1] = 0; // ECX: no extended features
      r[2] = edx; // EDX
      return;
    }
    r[0] = r[1] = r[2] = r[3] = 0;
  }

  private msrKnown(n: number): boolean {
    const rank = this.c.rank;
    if (n === 0x10) return true; // TSC
    if (rank === 5) return n === 0 || n === 1 || (n >= 0x11 && n <= 0x13);
    // P6: APIC base, platform id, microcode, SYSENTER, MTRRs, machine check, PAT-less set.
    return (
      n === 0x17 ||
      n === 0x1b ||
      n === 0x79 ||
      n === 0x8b ||
      n === 0xfe ||
      (n >= 0x174 && n <= 0x176) ||
      (n >= 0x179 && n <= 0x17b) ||
      (n >= 0x200 && n <= 0x20f) ||
      n === 0x250 ||
      n === 0x258 ||
      n === 0x259 ||
      (n >= 0x268 && n <= 0x26f) ||
      n === 0x2ff ||
      (n >= 0x400 && n <= 0x413)
    );
  }

  readMsr(n: number): bigint {
    const c = this.c;
    if (!this.msrKnown(n)) c.fault(EX_GP, 0);
    // TSC = retired instructions + the offset set by WRMSR (kept in the MSR map under 0x10).
    if (n === 0x10) return (BigInt(c.clock.ticks) + (c.msr.get(0x10) ?? 0n)) & 0xffffffffffffffffn;
    const v = c.msr.get(n);
    if (v !== undefined) return v;
    switch (n) {
      case 0x1b:
        return 0xfee00900n; // APIC at default base, enabled, BSP
      case 0xfe:
        return 0x508n; // 8 variable MTRRs, fixed MTRRs, write-combining
      default:
        return 0n;
    }
  }

  writeMsr(n: number, v: bigint): void {
    const c = this.c;
    if (!this.msrKnown(n) || n === 0xfe) c.fault(EX_GP, 0);
    if (n === 0x10) {
      c.msr.set(0x10, v - BigInt(c.clock.ticks));
      return;
    }
    c.msr.set(n, v);
  }

  // ---- I/O permission (SDM Vol. 1 §19.5) -------------------------------------

  checkIo(port: number, size: number): void {
    const c = this.c;
    if (!c.protectedMode) return;
    if (!c.v86 && c.cpl <= c.iopl) return;
    // 32-bit TSS with an I/O map: every bit for the accessed ports must be clear.
    if ((c.trAttr & 0xf) !== 0xb && (c.trAttr & 0xf) !== 0x9) c.fault(EX_GP, 0);
    if (c.trLimit < 0x67) c.fault(EX_GP, 0);
    const mapBase = c.linRead16(c.trBase + 0x66);
    const byte = mapBase + (port >>> 3);
    if (byte + 1 > c.trLimit) c.fault(EX_GP, 0);
    const bits = c.linRead16(c.trBase + byte);
    const mask = ((1 << size) - 1) << (port & 7);
    if ((bits & mask) !== 0) c.fault(EX_GP, 0);
  }

  // ---- descriptors ------------------------------------------------------------

  /** Read the descriptor for `sel` into dLo/dHi; #GP(sel) (or `vec`) if outside its table. */
  private readDescriptor(sel: number, vec = EX_GP): void {
    const c = this.c;
    const idx = sel & 0xfff8;
    let base: number;
    let limit: number;
    if (sel & 4) {
      // A null LDTR is unusable because LLDT with a null selector leaves its limit 0;
      // the reset LDTR (selector 0, base 0, limit FFFFh) is usable (SDM Vol. 3 Table 9-1).
      base = c.ldtrBase;
      limit = c.ldtrLimit;
    } else {
      base = c.gdtrBase;
      limit = c.gdtrLimit;
    }
    if (idx + 7 > limit) c.fault(vec, sel & 0xfffc);
    this.dLo = c.linRead32(base + idx);
    this.dHi = c.linRead32(base + idx + 4);
  }

  private descAddr(sel: number): number {
    return ((sel & 4 ? this.c.ldtrBase : this.c.gdtrBase) + (sel & 0xfff8)) >>> 0;
  }

  private static base(lo: number, hi: number): number {
    return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  }

  private static limit(hi: number, lo: number): number {
    const l = (lo & 0xffff) | (hi & 0xf0000);
    return hi & 0x800000 ? ((l << 12) | 0xfff) >>> 0 : l;
  }

  private static attr(hi: number): number {
    return ((hi >>> 8) & 0xff) | ((hi >>> 8) & 0xf000);
  }

  private setAccessed(sel: number): void {
    if ((this.dHi & 0x100) === 0) {
      this.dHi |= 0x100;
      this.c.linWrite8(this.descAddr(sel) + 5, (this.dHi >>> 8) & 0xff);
    }
  }

  private loadCache(s: number, sel: number): void {
    const c = this.c;
    c.seg[s] = sel;
    c.segBase[s] = Mmu.base(this.dLo, this.dHi);
    c.segLimit[s] = Mmu.limit(this.dHi, this.dLo);
    c.segAttr[s] = Mmu.attr(this.dHi);
  }

  private loadNull(s: number, sel: number): void {
    const c = this.c;
    c.seg[s] = sel;
    c.segBase[s] = 0;
    c.segLimit[s] = 0;
    c.segAttr[s] = 0; // not present: any access → #GP(0)
  }

  /** MOV/POP/LxS to a data or stack segment register in protected mode (SDM Vol. 2 MOV, Operation). */
  loadSegProtected(s: number, sel: number): void {
    const c = this.c;
    if ((sel & 0xfffc) === 0) {
      if (s === SS) c.fault(EX_GP, 0);
      this.loadNull(s, sel);
      return;
    }
    this.readDescriptor(sel);
    const access = (this.dHi >>> 8) & 0xff;
    const dpl = (access >> 5) & 3;
    const rpl = sel & 3;
    if ((access & 0x10) === 0) c.fault(EX_GP, sel & 0xfffc);
    if (s === SS) {
      if (rpl !== c.cpl || dpl !== c.cpl || (access & 0x0a) !== 0x02) c.fault(EX_GP, sel & 0xfffc);
      if ((access & 0x80) === 0) c.fault(EX_SS, sel & 0xfffc);
    } else if (s === CS) {
      c.fault(EX_GP, sel & 0xfffc);
    } else {
      const code = (access & 0x08) !== 0;
      if (code && (access & 0x02) === 0) c.fault(EX_GP, sel & 0xfffc);
      const conforming = code && (access & 0x04) !== 0;
      if (!conforming && (rpl > dpl || c.cpl > dpl)) c.fault(EX_GP, sel & 0xfffc);
      if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
    }
    this.setAccessed(sel);
    this.loadCache(s, sel);
  }

  /** Load CS for a transfer to code segment `sel` at privilege `cpl` (descriptor already in dLo/dHi). */
  private loadCs(sel: number, cpl: number): void {
    this.setAccessed(sel);
    this.loadCache(CS, (sel & 0xfffc) | cpl);
    this.c.cpl = cpl;
  }

  private checkCodeTarget(sel: number, forCall: boolean): void {
    const c = this.c;
    const access = (this.dHi >>> 8) & 0xff;
    if ((access & 0x18) !== 0x18) c.fault(EX_GP, sel & 0xfffc);
    const dpl = (access >> 5) & 3;
    if (access & 0x04) {
      if (dpl > c.cpl) c.fault(EX_GP, sel & 0xfffc);
    } else if ((sel & 3) > c.cpl || dpl !== c.cpl) c.fault(EX_GP, sel & 0xfffc);
    if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
    void forCall;
  }

  private checkEip(eip: number): void {
    const lim = Mmu.limit(this.dHi, this.dLo);
    if (eip > lim) this.c.fault(EX_GP, 0);
  }

  farJump(sel: number, off: number, o32: boolean): void {
    const c = this.c;
    if ((sel & 0xfffc) === 0) c.fault(EX_GP, 0);
    this.readDescriptor(sel);
    const access = (this.dHi >>> 8) & 0xff;
    if (access & 0x10) {
      this.checkCodeTarget(sel, false);
      if (!o32) off &= 0xffff;
      this.checkEip(off);
      this.loadCs(sel, c.cpl);
      c.eip = off;
      return;
    }
    const type = access & 0x1f;
    const dpl = (access >> 5) & 3;
    if (type === 4 || type === 0xc) {
      // Call gate used by JMP: no privilege change (SDM Vol. 2 JMP).
      if (dpl < c.cpl || dpl < (sel & 3)) c.fault(EX_GP, sel & 0xfffc);
      if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
      const gLo = this.dLo;
      const gHi = this.dHi;
      const tsel = gLo >>> 16;
      let toff = gLo & 0xffff;
      if (type === 0xc) toff = (toff | (gHi & 0xffff0000)) >>> 0;
      if ((tsel & 0xfffc) === 0) c.fault(EX_GP, 0);
      this.readDescriptor(tsel);
      const ta = (this.dHi >>> 8) & 0xff;
      if ((ta & 0x18) !== 0x18) c.fault(EX_GP, tsel & 0xfffc);
      const tdpl = (ta >> 5) & 3;
      if (ta & 0x04 ? tdpl > c.cpl : tdpl !== c.cpl) c.fault(EX_GP, tsel & 0xfffc);
      if ((ta & 0x80) === 0) c.fault(EX_NP, tsel & 0xfffc);
      this.checkEip(toff);
      this.loadCs(tsel, c.cpl);
      c.eip = toff;
      return;
    }
    if (type === 5 || type === 1 || type === 9) {
      this.taskGateOrTss(sel, access, TaskReason.Jmp);
      return;
    }
    c.fault(EX_GP, sel & 0xfffc);
  }

  farCall(sel: number, off: number, o32: boolean, retEip: number): void {
    const c = this.c;
    if ((sel & 0xfffc) === 0) c.fault(EX_GP, 0);
    this.readDescriptor(sel);
    const access = (this.dHi >>> 8) & 0xff;
    const size = o32 ? 4 : 2;
    if (access & 0x10) {
      this.checkCodeTarget(sel, true);
      if (!o32) off &= 0xffff;
      this.checkEip(off);
      const oldCs = c.seg[CS];
      c.push(oldCs, size);
      c.push(retEip, size);
      this.loadCs(sel, c.cpl);
      c.eip = off;
      return;
    }
    const type = access & 0x1f;
    const dpl = (access >> 5) & 3;
    if (type === 4 || type === 0xc) {
      if (dpl < c.cpl || dpl < (sel & 3)) c.fault(EX_GP, sel & 0xfffc);
      if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
      const gLo = this.dLo;
      const gHi = this.dHi;
      const gate32 = type === 0xc;
      const tsel = gLo >>> 16;
      let toff = gLo & 0xffff;
      if (gate32) toff = (toff | (gHi & 0xffff0000)) >>> 0;
      const params = gHi & 0x1f;
      if ((tsel & 0xfffc) === 0) c.fault(EX_GP, 0);
      this.readDescriptor(tsel);
      const ta = (this.dHi >>> 8) & 0xff;
      if ((ta & 0x18) !== 0x18) c.fault(EX_GP, tsel & 0xfffc);
      const tdpl = (ta >> 5) & 3;
      if (tdpl > c.cpl) c.fault(EX_GP, tsel & 0xfffc);
      if ((ta & 0x80) === 0) c.fault(EX_NP, tsel & 0xfffc);
      const gsize = gate32 ? 4 : 2;
      const tLo = this.dLo;
      const tHi = this.dHi;
      if ((ta & 0x04) === 0 && tdpl < c.cpl) {
        // Inter-privilege call: switch to the TSS stack for tdpl, copy parameters (SDM Vol. 3 §5.8.5).
        const oldSs = c.seg[SS];
        const oldEsp = c.r[4];
        const oldBig = c.stackBig;
        const paramVals: number[] = [];
        for (let i = 0; i < params; i++) paramVals.push(c.peek(i * gsize, gsize));
        const [nss, nesp] = this.tssStack(tdpl);
        this.loadStackForCpl(nss, tdpl);
        c.r[4] = c.stackBig ? nesp : (c.r[4] & 0xffff0000) | (nesp & 0xffff);
        c.push(oldSs, gsize);
        c.push(oldBig ? oldEsp : oldEsp & 0xffff, gsize);
        for (let i = params - 1; i >= 0; i--) c.push(paramVals[i], gsize);
        this.dLo = tLo;
        this.dHi = tHi;
        this.checkEip(toff);
        const oldCs = c.seg[CS];
        c.cpl = tdpl;
        c.push(oldCs, gsize);
        c.push(retEip, gsize);
        this.dLo = tLo;
        this.dHi = tHi;
        this.loadCs(tsel, tdpl);
      } else {
        this.checkEip(toff);
        c.push(c.seg[CS], gsize);
        c.push(retEip, gsize);
        this.dLo = tLo;
        this.dHi = tHi;
        this.loadCs(tsel, c.cpl);
      }
      c.eip = toff;
      return;
    }
    if (type === 5 || type === 1 || type === 9) {
      this.taskGateOrTss(sel, access, TaskReason.Call);
      return;
    }
    c.fault(EX_GP, sel & 0xfffc);
  }

  /** SS:ESP for privilege `dpl` from the current TSS. */
  private tssStack(dpl: number): [number, number] {
    const c = this.c;
    const t = c.trAttr & 0xf;
    if (t === 0x9 || t === 0xb) {
      const off = 4 + dpl * 8;
      if (off + 5 > c.trLimit) c.fault(EX_TS, c.tr & 0xfffc);
      return [c.linRead16(c.trBase + off + 4), c.linRead32(c.trBase + off)];
    }
    const off = 2 + dpl * 4;
    if (off + 3 > c.trLimit) c.fault(EX_TS, c.tr & 0xfffc);
    return [c.linRead16(c.trBase + off + 2), c.linRead16(c.trBase + off)];
  }

  private loadStackForCpl(sel: number, cpl: number): void {
    const c = this.c;
    if ((sel & 0xfffc) === 0) c.fault(EX_TS, 0);
    this.readDescriptor(sel, EX_TS);
    const access = (this.dHi >>> 8) & 0xff;
    if ((sel & 3) !== cpl || ((access >> 5) & 3) !== cpl || (access & 0x1a) !== 0x12) c.fault(EX_TS, sel & 0xfffc);
    if ((access & 0x80) === 0) c.fault(EX_SS, sel & 0xfffc);
    this.setAccessed(sel);
    this.loadCache(SS, sel);
  }

  farReturn(o32: boolean, release: number): void {
    const c = this.c;
    const size = o32 ? 4 : 2;
    const off = c.peek(0, size);
    const sel = c.peek(size, size) & 0xffff;
    if ((sel & 0xfffc) === 0) c.fault(EX_GP, 0);
    const rpl = sel & 3;
    if (rpl < c.cpl) c.fault(EX_GP, sel & 0xfffc);
    this.readDescriptor(sel);
    const access = (this.dHi >>> 8) & 0xff;
    if ((access & 0x18) !== 0x18) c.fault(EX_GP, sel & 0xfffc);
    const dpl = (access >> 5) & 3;
    if (access & 0x04 ? dpl > rpl : dpl !== rpl) c.fault(EX_GP, sel & 0xfffc);
    if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
    const eip = o32 ? off : off & 0xffff;
    this.checkEip(eip);
    const cLo = this.dLo;
    const cHi = this.dHi;
    if (rpl === c.cpl) {
      c.pop(size);
      c.pop(size);
      this.loadCs(sel, rpl);
      c.eip = eip;
      this.releaseStack(release);
      return;
    }
    // Return to an outer level: the caller's SS:ESP follows the parameters.
    const nesp = c.peek(2 * size + release, size);
    const nss = c.peek(3 * size + release, size) & 0xffff;
    this.loadStackForCpl(nss, rpl);
    this.dLo = cLo;
    this.dHi = cHi;
    this.loadCs(sel, rpl);
    c.eip = eip;
    c.r[4] = c.stackBig ? nesp : (c.r[4] & 0xffff0000) | (nesp & 0xffff);
    this.releaseStack(release);
    this.invalidateOuterSegments();
  }

  private releaseStack(n: number): void {
    const c = this.c;
    if (c.stackBig) c.r[4] = (c.r[4] + n) >>> 0;
    else c.setReg16(4, c.r[4] + n);
  }

  /** After a return to an outer level, data segments more privileged than CPL become null (SDM RET). */
  private invalidateOuterSegments(): void {
    const c = this.c;
    for (const s of DATA_SEGS) {
      const a = c.segAttr[s];
      const dpl = (a >> 5) & 3;
      const conformingCode = (a & 0x1c) === 0x1c;
      if ((a & 0x10) !== 0 && !conformingCode && dpl < c.cpl) this.loadNull(s, 0);
    }
  }

  // ---- interrupts (SDM Vol. 3 §6.12) -------------------------------------------

  interruptProtected(vector: number, retEip: number, code: number, soft: boolean): void {
    const c = this.c;
    const ext = soft ? 0 : 1;
    if (vector * 8 + 7 > c.idtrLimit) c.fault(EX_GP, vector * 8 + 2 + ext);
    const gLo = c.linRead32(c.idtrBase + vector * 8);
    const gHi = c.linRead32(c.idtrBase + vector * 8 + 4);
    const access = (gHi >>> 8) & 0xff;
    const type = access & 0x1f;
    const gdpl = (access >> 5) & 3;
    if (type !== 5 && type !== 6 && type !== 7 && type !== 0xe && type !== 0xf) c.fault(EX_GP, vector * 8 + 2 + ext);
    if (soft && gdpl < c.cpl) c.fault(EX_GP, vector * 8 + 2);
    if ((access & 0x80) === 0) c.fault(EX_NP, vector * 8 + 2 + ext);
    if (type === 5) {
      this.dLo = gLo;
      this.dHi = gHi;
      this.taskSwitch(gLo >>> 16, TaskReason.Call, retEip);
      if (code >= 0) c.push(code, (c.trAttr & 0xf) === 0xb ? 4 : 2);
      return;
    }
    const gate32 = (type & 8) !== 0;
    const gsize = gate32 ? 4 : 2;
    const tsel = gLo >>> 16;
    let toff = gLo & 0xffff;
    if (gate32) toff = (toff | (gHi & 0xffff0000)) >>> 0;
    if ((tsel & 0xfffc) === 0) c.fault(EX_GP, ext);
    this.readDescriptor(tsel);
    const ta = (this.dHi >>> 8) & 0xff;
    if ((ta & 0x18) !== 0x18) c.fault(EX_GP, (tsel & 0xfffc) + ext);
    const tdpl = (ta >> 5) & 3;
    if (tdpl > c.cpl) c.fault(EX_GP, (tsel & 0xfffc) + ext);
    if ((ta & 0x80) === 0) c.fault(EX_NP, (tsel & 0xfffc) + ext);
    const tLo = this.dLo;
    const tHi = this.dHi;
    const flags = c.getFlags() | (c.flags & (VM | RF | AC | 0x200000));
    const fromV86 = (c.flags & VM) !== 0;
    if ((ta & 0x04) === 0 && tdpl < c.cpl) {
      if (fromV86 && tdpl !== 0) c.fault(EX_GP, (tsel & 0xfffc) + ext);
      const oldSs = c.seg[SS];
      const oldEsp = c.r[4];
      const [nss, nesp] = this.tssStack(tdpl);
      c.flags &= ~VM;
      this.loadStackForCpl(nss, tdpl);
      c.r[4] = c.stackBig ? nesp : (c.r[4] & 0xffff0000) | (nesp & 0xffff);
      c.cpl = tdpl;
      if (fromV86) {
        c.push(c.seg[GS], gsize);
        c.push(c.seg[FS], gsize);
        c.push(c.seg[DS], gsize);
        c.push(c.seg[ES], gsize);
      }
      c.push(oldSs, gsize);
      c.push(oldEsp, gsize);
      if (fromV86) for (const s of [GS, FS, DS, ES]) this.loadNull(s, 0);
    } else {
      if (fromV86) c.fault(EX_GP, (tsel & 0xfffc) + ext);
    }
    c.push(gate32 ? flags : flags & 0xffff, gsize);
    c.push(c.seg[CS], gsize);
    c.push(retEip, gsize);
    if (code >= 0) c.push(code, gsize);
    this.dLo = tLo;
    this.dHi = tHi;
    this.checkEip(toff);
    this.loadCs(tsel, (ta & 0x04) === 0 ? tdpl : c.cpl);
    c.eip = toff;
    c.flags &= ~(TF | NT | RF | VM);
    if ((type & 1) === 0) c.flags &= ~IF;
  }

  iretProtected(o32: boolean): void {
    const c = this.c;
    if (c.flags & VM) {
      // V86 IRET is IOPL-sensitive (SDM Vol. 3 §20.2.7).
      if (c.iopl < 3) c.fault(EX_GP, 0);
      const size = o32 ? 4 : 2;
      const ip = c.peek(0, size);
      const cs = c.peek(size, size) & 0xffff;
      const fl = c.peek(2 * size, size);
      c.pop(size);
      c.pop(size);
      c.pop(size);
      c.setCsReal(cs);
      c.eip = ip;
      const keep = c.flags & (0x3000 | VM);
      c.setFlags(fl, size, true);
      c.flags = (c.flags & ~(0x3000 | VM)) | keep;
      return;
    }
    if (c.flags & NT) {
      const back = c.linRead16(c.trBase);
      this.readDescriptor(back, EX_TS);
      this.taskSwitch(back, TaskReason.Iret, c.eip);
      return;
    }
    const size = o32 ? 4 : 2;
    const off = c.peek(0, size);
    const sel = c.peek(size, size) & 0xffff;
    const fl = c.peek(2 * size, size);
    if (o32 && (fl & VM) !== 0 && c.cpl === 0) {
      // Return to virtual-8086 mode.
      const esp = c.peek(12, 4);
      const ss = c.peek(16, 4) & 0xffff;
      const es = c.peek(20, 4) & 0xffff;
      const ds = c.peek(24, 4) & 0xffff;
      const fs = c.peek(28, 4) & 0xffff;
      const gs = c.peek(32, 4) & 0xffff;
      c.flags = (fl & 0x3f7fd5) | 2;
      c.cpl = 3;
      for (const [s, v] of [
        [ES, es],
        [DS, ds],
        [FS, fs],
        [GS, gs],
        [SS, ss],
        [CS, sel],
      ] as const) {
        c.seg[s] = v;
        c.segBase[s] = v << 4;
        c.segLimit[s] = 0xffff;
        c.segAttr[s] = ATTR_PRESENT | 0x60 | (s === CS ? 0x1b : 0x13);
      }
      c.r[4] = esp;
      c.eip = off & 0xffff;
      return;
    }
    if ((sel & 0xfffc) === 0) c.fault(EX_GP, 0);
    const rpl = sel & 3;
    if (rpl < c.cpl) c.fault(EX_GP, sel & 0xfffc);
    this.readDescriptor(sel);
    const access = (this.dHi >>> 8) & 0xff;
    if ((access & 0x18) !== 0x18) c.fault(EX_GP, sel & 0xfffc);
    const dpl = (access >> 5) & 3;
    if (access & 0x04 ? dpl > rpl : dpl !== rpl) c.fault(EX_GP, sel & 0xfffc);
    if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
    const eip = o32 ? off : off & 0xffff;
    this.checkEip(eip);
    const cLo = this.dLo;
    const cHi = this.dHi;
    const oldCpl = c.cpl;
    if (rpl === c.cpl) {
      c.pop(size);
      c.pop(size);
      c.pop(size);
    } else {
      const nesp = c.peek(3 * size, size);
      const nss = c.peek(4 * size, size) & 0xffff;
      this.loadStackForCpl(nss, rpl);
      c.r[4] = c.stackBig ? nesp : (c.r[4] & 0xffff0000) | (nesp & 0xffff);
    }
    this.dLo = cLo;
    this.dHi = cHi;
    // Flags are restored with the privilege of the old CPL (SDM IRET).
    c.cpl = oldCpl;
    c.setFlags(o32 ? fl & ~VM : fl, size);
    this.loadCs(sel, rpl);
    c.eip = eip;
    if (rpl > oldCpl) this.invalidateOuterSegments();
  }

  // ---- tasks (SDM Vol. 3 §7.3) -------------------------------------------------

  private taskGateOrTss(sel: number, access: number, reason: TaskReason): void {
    const c = this.c;
    const dpl = (access >> 5) & 3;
    if (dpl < c.cpl || dpl < (sel & 3)) c.fault(EX_GP, sel & 0xfffc);
    if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
    let tss = sel;
    if ((access & 0x1f) === 5) tss = this.dLo >>> 16;
    this.taskSwitch(tss, reason, c.eip);
  }

  /** Switch to the task whose TSS selector is `sel` (32-bit TSS, and 16-bit TSS for 286 tasks). */
  private taskSwitch(sel: number, reason: TaskReason, retEip: number): void {
    const c = this.c;
    if (sel & 4) c.fault(EX_GP, sel & 0xfffc);
    this.readDescriptor(sel);
    const access = (this.dHi >>> 8) & 0xff;
    const type = access & 0x1f;
    const busy = (type & 2) !== 0;
    if (type !== 1 && type !== 3 && type !== 9 && type !== 0xb) c.fault(EX_GP, sel & 0xfffc);
    if (reason === TaskReason.Iret ? !busy : busy) c.fault(EX_GP, sel & 0xfffc);
    if ((access & 0x80) === 0) c.fault(EX_NP, sel & 0xfffc);
    const newBase = Mmu.base(this.dLo, this.dHi);
    const newLimit = Mmu.limit(this.dHi, this.dLo);
    const new32 = (type & 8) !== 0;
    if (newLimit < (new32 ? 0x67 : 0x2b)) c.fault(EX_TS, sel & 0xfffc);
    const newLo = this.dLo;
    const newHi = this.dHi;
    // Save the outgoing state.
    const ob = c.trBase;
    const old32 = (c.trAttr & 8) !== 0;
    let flags = c.getFlags() | (c.flags & (VM | RF | AC | 0x200000));
    if (reason === TaskReason.Iret || reason === TaskReason.Jmp) flags &= ~NT;
    if (old32) {
      c.linWrite32(ob + 0x20, retEip);
      c.linWrite32(ob + 0x24, flags);
      for (let i = 0; i < 8; i++) c.linWrite32(ob + 0x28 + i * 4, c.r[i]);
      for (let s = 0; s < 6; s++) c.linWrite16(ob + 0x48 + s * 4, c.seg[s]);
    } else {
      c.linWrite16(ob + 0x0e, retEip);
      c.linWrite16(ob + 0x10, flags);
      for (let i = 0; i < 8; i++) c.linWrite16(ob + 0x12 + i * 2, c.r[i]);
      for (let s = 0; s < 4; s++) c.linWrite16(ob + 0x22 + s * 2, c.seg[s]);
    }
    // Busy bits: clear the old one for JMP/IRET, set the new one except for IRET.
    if (reason === TaskReason.Jmp || reason === TaskReason.Iret) {
      const a = this.descAddr(c.tr) + 5;
      c.linWrite8(a, c.linRead8(a) & ~2);
    }
    if (reason !== TaskReason.Iret) {
      const a = this.descAddr(sel) + 5;
      c.linWrite8(a, c.linRead8(a) | 2);
    }
    if (reason === TaskReason.Call) {
      if (new32) c.linWrite16(newBase, c.tr);
      else c.linWrite16(newBase, c.tr);
    }
    c.tr = sel;
    c.trBase = newBase;
    c.trLimit = newLimit;
    c.trAttr = Mmu.attr(newHi) | (reason !== TaskReason.Iret ? 2 : 0);
    void newLo;
    const nb = newBase;
    let eip: number;
    let nflags: number;
    const sels = [0, 0, 0, 0, 0, 0];
    let ldt: number;
    if (new32) {
      if (c.mmu.enabled || (c.cr0 & 0x80000000) !== 0) {
        const cr3 = c.linRead32(nb + 0x1c);
        if (cr3 !== c.cr3) {
          c.cr3 = cr3;
          this.flush();
        }
      }
      eip = c.linRead32(nb + 0x20);
      nflags = c.linRead32(nb + 0x24);
      for (let i = 0; i < 8; i++) c.r[i] = c.linRead32(nb + 0x28 + i * 4);
      for (let s = 0; s < 6; s++) sels[s] = c.linRead16(nb + 0x48 + s * 4);
      ldt = c.linRead16(nb + 0x60);
    } else {
      eip = c.linRead16(nb + 0x0e);
      nflags = c.linRead16(nb + 0x10);
      for (let i = 0; i < 8; i++) c.r[i] = (c.r[i] & 0xffff0000) | c.linRead16(nb + 0x12 + i * 2);
      for (let s = 0; s < 4; s++) sels[s] = c.linRead16(nb + 0x22 + s * 2);
      ldt = c.linRead16(nb + 0x2a);
    }
    if (reason === TaskReason.Call) nflags |= NT;
    c.flags = (nflags & 0x3f7fd5) | 2;
    c.eip = eip;
    c.cr0 |= 8; // TS
    this.loadLdt(ldt, EX_TS);
    if (c.flags & VM) {
      c.cpl = 3;
      for (let s = 0; s < 6; s++) {
        c.seg[s] = sels[s];
        c.segBase[s] = sels[s] << 4;
        c.segLimit[s] = 0xffff;
        c.segAttr[s] = ATTR_PRESENT | 0x60 | (s === CS ? 0x1b : 0x13);
      }
      return;
    }
    const cpl = sels[CS] & 3;
    c.cpl = cpl;
    // Segment loads in the new task; faults here are reported in its context.
    this.readDescriptor(sels[CS], EX_TS);
    const ca = (this.dHi >>> 8) & 0xff;
    if ((ca & 0x18) !== 0x18) c.fault(EX_TS, sels[CS] & 0xfffc);
    this.loadCs(sels[CS], cpl);
    this.loadStackForCpl(sels[SS], cpl);
    for (const s of [ES, DS, FS, GS]) {
      try {
        this.loadSegProtected(s, sels[s]);
      } catch (e) {
        if (c.faultVector === EX_GP || c.faultVector === EX_NP) c.faultVector = EX_TS;
        throw e;
      }
    }
  }

  private loadLdt(sel: number, vec: number): void {
    const c = this.c;
    if ((sel & 0xfffc) === 0) {
      // Limit 0 holds no descriptor, so every later LDT reference faults.
      c.ldtr = 0;
      c.ldtrBase = 0;
      c.ldtrLimit = 0;
      return;
    }
    if (sel & 4) c.fault(vec, sel & 0xfffc);
    const idx = sel & 0xfff8;
    if (idx + 7 > c.gdtrLimit) c.fault(vec, sel & 0xfffc);
    const lo = c.linRead32(c.gdtrBase + idx);
    const hi = c.linRead32(c.gdtrBase + idx + 4);
    if (((hi >>> 8) & 0x1f) !== 2) c.fault(vec, sel & 0xfffc);
    if ((hi & 0x8000) === 0) c.fault(EX_NP, sel & 0xfffc);
    c.ldtr = sel;
    c.ldtrBase = Mmu.base(lo, hi);
    c.ldtrLimit = Mmu.limit(hi, lo);
  }

  // ---- system instructions (0F 00 / 0F 01 / LAR / LSL / ARPL / CLTS) -------------

  system(name: string, d: Decoded): void {
    const c = this.c;
    const pm = c.protectedMode && !c.v86;
    switch (name) {
      case 'sgdt':
      case 'sidt': {
        if (d.kind[0] !== K.Mem) c.fault(EX_UD, -1);
        const base = name === 'sgdt' ? c.gdtrBase : c.idtrBase;
        const limit = name === 'sgdt' ? c.gdtrLimit : c.idtrLimit;
        c.write16(d.eaSeg, d.ea, limit);
        // The 286 stores FF in the sixth byte; 386+ with a 16-bit operand store 00 (SDM SGDT).
        const hi = c.rank === 2 ? 0xff000000 | base : d.o32 ? base : base & 0xffffff;
        c.write32(d.eaSeg, (d.ea + 2) & c.addrMask(d), hi >>> 0);
        return;
      }
      case 'lgdt':
      case 'lidt': {
        if (d.kind[0] !== K.Mem) c.fault(EX_UD, -1);
        c.checkCpl0();
        const limit = c.read16(d.eaSeg, d.ea);
        let base = c.read32(d.eaSeg, (d.ea + 2) & c.addrMask(d));
        if (!d.o32) base &= 0xffffff;
        if (name === 'lgdt') {
          c.gdtrBase = base;
          c.gdtrLimit = limit;
        } else {
          c.idtrBase = base;
          c.idtrLimit = limit;
        }
        return;
      }
      case 'smsw': {
        const v = c.cr0 & 0xffff;
        if (d.kind[0] === K.Reg && d.o32) c.r[d.regNo[0]] = c.cr0 >>> 0;
        else c.wr(d, 0, v);
        return;
      }
      case 'lmsw': {
        c.checkCpl0();
        const v = c.rd(d, 0) & 0xf;
        // LMSW cannot clear PE (SDM LMSW).
        c.cr0 = ((c.cr0 & ~0xe) | v | (c.cr0 & 1)) >>> 0;
        this.flush();
        return;
      }
      case 'invlpg':
        c.checkCpl0();
        this.invlpg((c.segBase[d.eaSeg] + d.ea) >>> 0);
        return;
      case 'clts':
        c.checkCpl0();
        c.cr0 &= ~8;
        return;
    }
    if (!pm) c.fault(EX_UD, -1);
    switch (name) {
      case 'sldt':
        this.storeSel(d, c.ldtr);
        return;
      case 'str':
        this.storeSel(d, c.tr);
        return;
      case 'lldt': {
        c.checkCpl0();
        this.loadLdt(c.rd(d, 0), EX_GP);
        return;
      }
      case 'ltr': {
        c.checkCpl0();
        const sel = c.rd(d, 0);
        if ((sel & 0xfffc) === 0 || sel & 4) c.fault(EX_GP, sel & 0xfffc);
        this.readDescriptor(sel);
        const t = (this.dHi >>> 8) & 0x1f;
        if (t !== 1 && t !== 9) c.fault(EX_GP, sel & 0xfffc);
        if ((this.dHi & 0x8000) === 0) c.fault(EX_NP, sel & 0xfffc);
        this.dHi |= 0x200;
        c.linWrite8(this.descAddr(sel) + 5, (this.dHi >>> 8) & 0xff);
        c.tr = sel;
        c.trBase = Mmu.base(this.dLo, this.dHi);
        c.trLimit = Mmu.limit(this.dHi, this.dLo);
        c.trAttr = Mmu.attr(this.dHi);
        return;
      }
      case 'verr':
      case 'verw': {
        const sel = c.rd(d, 0);
        let ok = false;
        if ((sel & 0xfffc) !== 0 && this.probe(sel)) {
          const a = (this.dHi >>> 8) & 0xff;
          const dpl = (a >> 5) & 3;
          const conforming = (a & 0x1c) === 0x1c;
          const privOk = conforming || (dpl >= c.cpl && dpl >= (sel & 3));
          if ((a & 0x10) !== 0 && privOk) ok = name === 'verr' ? (a & 8) === 0 || (a & 2) !== 0 : (a & 0xa) === 2;
        }
        c.flags = ok ? c.flags | ZF : c.flags & ~ZF;
        return;
      }
      case 'lar':
      case 'lsl': {
        const sel = c.rd(d, 1) & 0xffff;
        let ok = false;
        if ((sel & 0xfffc) !== 0 && this.probe(sel)) {
          const a = (this.dHi >>> 8) & 0xff;
          const dpl = (a >> 5) & 3;
          const conforming = (a & 0x1c) === 0x1c;
          const t = a & 0x1f;
          const sysOk = name === 'lar' ? [1, 2, 3, 4, 5, 9, 0xb, 0xc].includes(t) : [1, 2, 3, 9, 0xb].includes(t);
          const typeOk = (a & 0x10) !== 0 || sysOk;
          ok = typeOk && (conforming || (dpl >= c.cpl && dpl >= (sel & 3)));
        }
        if (ok) {
          const v = name === 'lar' ? (d.o32 ? this.dHi & 0x00f0ff00 : this.dHi & 0xff00) : Mmu.limit(this.dHi, this.dLo);
          c.wr(d, 0, v >>> 0);
          c.flags |= ZF;
        } else c.flags &= ~ZF;
        return;
      }
      case 'arpl': {
        const dst = c.rd(d, 0);
        const src = c.rd(d, 1);
        if ((dst & 3) < (src & 3)) {
          c.wr(d, 0, (dst & ~3) | (src & 3));
          c.flags |= ZF;
        } else c.flags &= ~ZF;
        return;
      }
    }
  }

  private storeSel(d: Decoded, v: number): void {
    if (d.kind[0] === K.Reg && d.o32) this.c.r[d.regNo[0]] = v;
    else this.c.wr(d, 0, v);
  }

  /** Load a descriptor without faulting; false if it is outside its table. */
  private probe(sel: number): boolean {
    const c = this.c;
    const idx = sel & 0xfff8;
    const base = sel & 4 ? c.ldtrBase : c.gdtrBase;
    const limit = sel & 4 ? c.ldtrLimit : c.gdtrLimit;
    if (idx + 7 > limit) return false;
    this.dLo = c.linRead32(base + idx);
    this.dHi = c.linRead32(base + idx + 4);
    return true;
  }
}

const enum TaskReason {
  Jmp = 0,
  Call = 1,
  Iret = 2,
}

