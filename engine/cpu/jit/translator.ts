/**
 * The translator tier: hot-region detection, the region cache and the
 * dispatcher that chains compiled regions.
 *
 * `Cpu.run` hands control here whenever an instruction boundary allows it
 * (no interrupt shadow, TF clear, no trace) with a budget of instructions
 * that may retire before the next timer deadline or the caller's limit. The
 * dispatcher looks up the region for CS:EIP, runs it, and continues with the
 * next region until the budget is used up or a region asks for the
 * interpreter (an untranslatable instruction, a bail-out, a fault); then it
 * returns the number of retired instructions and `Cpu.run` goes on
 * instruction by instruction. See compiler.ts for the exactness contract.
 *
 * Cache key: the physical address of the entry (after the A20/bus mask) plus
 * the EIP, the CS base and limit, and the mode bits the generated code bakes
 * in (code size, stack size, PE). Validity: the CodePages generation of the
 * page, which every store into a decoded line bumps (self-modifying code),
 * and a full flush on remapping or snapshot restore.
 *
 * Paging is not translated yet: with CR0.PG set every instruction runs in
 * the interpreter (a documented gap; the TLB in typed arrays is future work).
 */
import type { Cpu } from '../cpu.js';
import { CS } from '../decoder.js';
import { FAULT, ATTR_BIG, PARITY } from '../faults.js';
import { VM } from '../spec.js';
import { recomputeEa } from '../decoder.js';
import { RegionCompiler, flatSegments, type RegionFn, type RegionRuntime } from './compiler.js';
import { lazyFlags, lazyCf, condOf } from './lazy-flags.js';

const CACHE_SIZE = 1 << 14;
/** Entries into an address before it is compiled (keeps cold code in the interpreter). */
const HOT_THRESHOLD = 16;

interface Region {
  phys: number;
  eip: number;
  csBase: number;
  csLimit: number;
  mode: number;
  gen: number;
  /** Second physical page of the region (= phys page when it has one page) and its generation. */
  page2: number;
  gen2: number;
  fn: RegionFn | undefined;
  /** Extra block starts (indirect-jump / return targets inside the region's pages). */
  extra: number[];
  exitsSeen: number;
  recompiles: number;
}

/** In-page exits of a region before it is recompiled once with their targets as blocks. */
const EXTRA_THRESHOLD = 256;
const MAX_RECOMPILES = 3;
const MAX_EXTRA = 32;

export interface TranslatorStats {
  regionsCompiled: number;
  compileMs: number;
  guestInsnsCompiled: number;
  regionCalls: number;
  /** Instructions retired inside translated code. */
  translatedInsns: number;
}

export class Translator {
  private readonly rt: RegionRuntime;
  private readonly compiler: RegionCompiler;
  private readonly cache: (Region | undefined)[] = new Array<Region | undefined>(CACHE_SIZE);
  private readonly regions = new Map<number, Region>();
  private readonly heat = new Map<number, number>();
  /** Indirect-jump / return targets seen per physical page (see noteExit). */
  private readonly pageTargets = new Map<number, Set<number>>();
  readonly stats: TranslatorStats = { regionsCompiled: 0, compileMs: 0, guestInsnsCompiled: 0, regionCalls: 0, translatedInsns: 0 };

  constructor(private readonly cpu: Cpu) {
    const m = cpu.memory;
    this.rt = {
      ram: m.ram,
      dv: new DataView(m.ram.buffer, m.ram.byteOffset, m.ram.byteLength),
      pageKind: m.pageKind,
      codePages: m.codePages,
      pageGen: cpu.codePages.pageGen,
      ctl: 0,
      flags: lazyFlags,
      cf: lazyCf,
      cond: condOf,
      recomputeEa,
      R: new Int32Array(cpu.r.buffer, cpu.r.byteOffset, 8),
      P: PARITY,
      ramRange: (phys, len, write) => {
        const last = (phys + len - 1) >>> 12;
        if (last >= m.ram.length >>> 12) return false;
        for (let pg = phys >>> 12; pg <= last; pg++) if (m.pageKind[pg] !== 0 || (write && m.codePages[pg] !== 0)) return false;
        return true;
      },
      fill: (phys, len, v, size) => {
        const ram = m.ram;
        if (size === 1) ram.fill(v, phys, phys + len);
        else {
          // Write the first element, then double the filled prefix (little-endian pattern repeats every `size` bytes).
          for (let i = 0; i < size; i++) ram[phys + i] = (v >>> (8 * i)) & 0xff;
          let done = size;
          while (done < len) {
            const n = Math.min(done, len - done);
            ram.copyWithin(phys + done, phys, phys + n);
            done += n;
          }
        }
      },
      BAIL: BAIL_SENTINEL,
      FAULT,
    };
    this.compiler = new RegionCompiler(cpu, cpu.tables);
    cpu.codePages.addListener((page) => {
      if (page < 0) this.flush();
    });
  }

  flush(): void {
    this.cache.fill(undefined);
    this.regions.clear();
    this.heat.clear();
    this.pageTargets.clear();
  }

  /** Run translated regions for at most `budget` instructions; returns how many retired (0: none here). */
  execute(budget: number): number {
    const cpu = this.cpu;
    const m = cpu.memory;
    const rt = this.rt;
    const pageGen = rt.pageGen;
    const rank = cpu.rank;
    let n = 0;
    while (n < budget) {
      if (cpu.pagingOn) return n;
      const eip = cpu.eip;
      const csBase = cpu.segBase[CS];
      const csLimit = rank <= 1 ? 0xffff : cpu.segLimit[CS];
      if (eip > csLimit) return n;
      const lin = rank <= 1 ? csBase + (eip & 0xffff) : (csBase + eip) >>> 0;
      const phys = (lin & m.addressMask) >>> 0;
      const page = phys >>> 12;
      if (m.pageKind[page] !== 0 || page >= pageGen.length) return n;
      const pe = cpu.cr0 & 1;
      const v86 = (cpu.flags & VM) !== 0;
      const mode0 = (pe !== 0 && !v86 && (cpu.segAttr[CS] & ATTR_BIG) !== 0 ? 1 : 0) | (pe !== 0 && !v86 && (cpu.segAttr[2] & ATTR_BIG) !== 0 ? 2 : 0) | (pe << 2) | (v86 ? 8 : 0);
      const mode = mode0 | (flatSegments(cpu) << 4);
      const gen = pageGen[page];
      const slot = (phys ^ (phys >>> 14)) & (CACHE_SIZE - 1);
      let r = this.cache[slot];
      if (r === undefined || r.phys !== phys || r.eip !== eip || r.csBase !== csBase || r.csLimit !== csLimit || r.mode !== mode || r.gen !== gen || pageGen[r.page2] !== r.gen2) {
        r = this.regions.get(phys);
        if (r === undefined || r.eip !== eip || r.csBase !== csBase || r.csLimit !== csLimit || r.mode !== mode || r.gen !== gen || pageGen[r.page2] !== r.gen2) {
          const h = (this.heat.get(phys) ?? 0) + 1;
          this.heat.set(phys, h);
          if (h < HOT_THRESHOLD) return n;
          this.heat.delete(phys);
          r = this.build(eip, phys, csBase, csLimit, mode, gen, []);
          this.regions.set(phys, r);
        }
        this.cache[slot] = r;
      }
      const fn = r.fn;
      if (fn === undefined) return n;
      this.stats.regionCalls++;
      const k = fn(cpu, budget - n, rt, page, gen, r.page2, r.gen2);
      n += k;
      this.stats.translatedInsns += k;
      if (rt.ctl !== 0) return n;
      // An exit to another place in the region's own pages (an indirect jump, a return): after a
      // few, recompile the region with that place as a block, so the dispatch stays inside it.
      if (r.exitsSeen >= 0 && cpu.eip !== eip) this.noteExit(r, rank <= 1 ? csBase + (cpu.eip & 0xffff) : (csBase + cpu.eip) >>> 0, cpu.eip, slot);
    }
    return n;
  }

  private noteExit(r: Region, lin: number, target: number, slot: number): void {
    const page = ((lin & this.cpu.memory.addressMask) >>> 0) >>> 12;
    if (page !== r.phys >>> 12 && page !== r.page2) return;
    // Targets are pooled per page: an interpreter's handlers all jump back to one dispatch.
    let set = this.pageTargets.get(page);
    if (set === undefined) this.pageTargets.set(page, (set = new Set<number>()));
    set.add(target);
    if (++r.exitsSeen < EXTRA_THRESHOLD) return;
    if (r.gen !== this.rt.pageGen[r.phys >>> 12] || this.rt.pageGen[r.page2] !== r.gen2 || r.recompiles >= MAX_RECOMPILES) {
      r.exitsSeen = -Infinity;
      return;
    }
    const targets = new Set<number>(r.extra);
    for (const p of [r.phys >>> 12, r.page2]) for (const t of this.pageTargets.get(p) ?? []) if (targets.size < MAX_EXTRA) targets.add(t);
    // Each recompile costs V8 a new warm-up: only when there is something new.
    if (targets.size === r.extra.length) {
      r.exitsSeen = -Infinity;
      return;
    }
    const nr = this.build(r.eip, r.phys, r.csBase, r.csLimit, r.mode, r.gen, [...targets]);
    nr.recompiles = r.recompiles + 1;
    this.regions.set(r.phys, nr);
    this.cache[slot] = nr;
  }

  private build(eip: number, phys: number, csBase: number, csLimit: number, mode: number, gen: number, extra: number[]): Region {
    const page = phys >>> 12;
    const res = this.compiler.compile(eip, { cpu: this.cpu, gen, page }, extra);
    const am = this.cpu.memory.addressMask;
    const page2 = res.page2 < 0 ? page : ((res.page2 << 12) & am) >>> 12;
    const r: Region = { phys, eip, csBase, csLimit, mode, gen, page2, gen2: this.rt.pageGen[page2], fn: res.fn, extra, exitsSeen: 0, recompiles: 0 };
    if (res.fn !== undefined) {
      // The page generation must still be the one the code was compiled at (decoding reads only).
      for (const [lin, len] of res.lines) this.cpu.codePages.mark((lin & am) >>> 0, len);
      this.stats.regionsCompiled++;
      this.stats.compileMs += res.compileMs;
      this.stats.guestInsnsCompiled += res.insns;
    }
    return r;
  }
}

/** Thrown by generated code before an instruction's first side effect; see compiler.ts. */
const BAIL_SENTINEL = { bail: true };
