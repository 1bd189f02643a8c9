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
 * in (code size, stack size, PE). Validity: each region owns a slot in
 * `regionGen` and is alive while the slot holds its generation. A store into
 * a 64-byte line the region was decoded from (CodePages reports the lines
 * written) kills exactly the regions built from that line; the other regions
 * of the page live on and their lines are marked again. Remapping and
 * snapshot restore flush everything.
 *
 * Every block of a compiled region is an entry point. Control comes back to
 * the dispatcher in the middle of hot code whenever a timer deadline falls
 * inside a block (the block is not started; the interpreter retires the
 * instructions up to the deadline). Resuming in the region that already
 * holds that code keeps V8's optimised code in use; compiling a new region
 * for each such EIP would run the hot loop in a fresh, unoptimised function
 * every time. An EIP inside a block of a live region is therefore left to
 * the interpreter, which reaches the block's final jump within a few
 * instructions; Cpu.run asks the dispatcher again at its target (it asks
 * only after control transfers, so interpreted code pays no lookup per
 * instruction).
 *
 * Paging: the entry's linear page is looked up in the MMU's TLB (a miss, or
 * a page the current privilege level may not fetch from, leaves the
 * instruction to the interpreter, whose fetch walks the tables and fills the
 * TLB), and the physical address found is the cache key as above. The region
 * then covers that one page, and CPL 3 and CR0.WP join the mode bits, since
 * generated code checks page rights against the TLB (compiler.ts). A guest
 * that remaps the page must flush the TLB (MOV CR3, INVLPG: never
 * translated), after which the next entry looks the new mapping up.
 */
import type { Cpu } from '../cpu.js';
import { CS } from '../decoder.js';
import { FAULT, ATTR_BIG, PARITY } from '../faults.js';
import { VM } from '../spec.js';
import { LINE_SHIFT } from '../code-pages.js';
import { recomputeEa } from '../decoder.js';
import { RegionCompiler, flatSegments, EXIT_BAIL, EXIT_FAULT, EXIT_INTERP, type RegionFn, type RegionRuntime } from './compiler.js';
import { lazyFlags, lazyCf, condOf } from './lazy-flags.js';

const CACHE_SIZE = 1 << 14;
/** Entries into an address before it is compiled (keeps cold code in the interpreter). */
const HOT_THRESHOLD = 16;
/**
 * Regions built at an entry address and then killed by stores into their own code lines,
 * after which that entry is left to the interpreter until the next full flush. Real
 * software keeps data next to code (GRUB's mode-switch routines store their variables
 * beside them): without this, every such store throws the region away and the next visits
 * compile it again, thousands of times. Other regions of the same page are not affected.
 */
const VOLATILE_AFTER = 32;

interface Region {
  /** Physical address of the EIP the region was compiled from. */
  phys: number;
  eip: number;
  csBase: number;
  csLimit: number;
  mode: number;
  /** Physical page of `phys`. */
  page1: number;
  /** Second physical page of the region (= page1 when it has one page). */
  page2: number;
  /** Slot in RegionRuntime.regionGen and the generation that means "alive". */
  slot: number;
  gen: number;
  /** 64-byte code lines (absolute line numbers) the region was decoded from. */
  lines: Set<number>;
  fn: RegionFn | undefined;
  /** Per translated instruction: EIP, position in its block, block length (CompiledRegion.bails). */
  bails: Int32Array;
  /** Extra block starts (indirect-jump / return targets inside the region's pages). */
  extra: number[];
  exitsSeen: number;
  recompiles: number;
}

/** Where a region can be entered: a block start (or an instruction inside a block, blk = -1). */
interface Entry {
  r: Region;
  eip: number;
  phys: number;
  blk: number;
}

/**
 * In-page exits of a region before it is recompiled with their targets as blocks: after
 * EXTRA_THRESHOLD of them once translated code of its page has retired HOT_REGION instructions
 * (a hot loop, such as a bytecode interpreter's dispatch, gets its handlers early; counted per
 * page, in PAGE_HEAT slots, since its exits may come from a small region that retires little
 * per call), else after EXTRA_THRESHOLD_COLD
 * (lukewarm code, as in a boot loader, is not recompiled for a few exits: each recompile is a
 * new function that V8 has to warm up again).
 */
const EXTRA_THRESHOLD = 32;
const EXTRA_THRESHOLD_COLD = 256;
const HOT_REGION = 2_000_000;
const PAGE_HEAT = 1 << 12;
/** Instructions one region call may retire at most (fits a V8 small integer; the dispatcher loops on). */
const MAX_CALL_BUDGET = 0x3fffffff;
const MAX_RECOMPILES = 3;
const MAX_EXTRA = 32;
/** Region slots (generations in RegionRuntime.regionGen); a reused slot retires its old region. */
const SLOTS = 1 << 16;

export interface TranslatorStats {
  regionsCompiled: number;
  compileMs: number;
  guestInsnsCompiled: number;
  regionCalls: number;
  /** Instructions retired inside translated code. */
  translatedInsns: number;
  /** Compiled instructions that run the interpreter's semantic function (no inline form). */
  genericCompiled: number;
  /** Region calls that started at a block other than the region's own entry. */
  blockEntries: number;
  /** Short dispatch blocks (indirect jump / return) compiled as copies at the end of the blocks jumping to them. */
  tailCopies: number;
  /** Short blocks compiled as copies inside the loop of a block they jump back to. */
  loopCopies: number;
  /** REP MOVS/STOS steps under paging that spanned more than one page (RegionRuntime.repPaged). */
  pagedRepSplits: number;
  /** Compiled memory accesses that reuse an earlier access's page check (same base registers, same page). */
  sharedChecks: number;
}

export class Translator {
  private readonly rt: RegionRuntime;
  private readonly compiler: RegionCompiler;
  private readonly cache: (Entry | undefined)[] = new Array<Entry | undefined>(CACHE_SIZE);
  /** Block starts and inner instructions of compiled regions, by physical address. */
  private readonly entries = new Map<number, Entry>();
  private readonly heat = new Map<number, number>();
  /** Instructions retired by translated code per physical page (modulo PAGE_HEAT; see EXTRA_THRESHOLD). */
  private readonly pageRetired = new Float64Array(PAGE_HEAT);
  /** Invalidations per physical page (saturating; see VOLATILE_AFTER). */
  /** Regions killed by stores into their code, per entry address (see VOLATILE_AFTER). */
  private readonly kills = new Map<number, number>();
  private readonly pages: number;
  /** Indirect-jump / return targets seen per physical page (see noteExit). */
  private readonly pageTargets = new Map<number, Set<number>>();
  /** Live regions by the 64-byte code lines they were decoded from. */
  private readonly regionsByLine = new Map<number, Set<Region>>();
  private readonly slotOwner: (Region | undefined)[] = new Array<Region | undefined>(SLOTS);
  private nextSlot = 0;
  /** Generations are never reused, so zeroing regionGen retires every region. */
  private lastGen = 0;
  readonly stats: TranslatorStats = { regionsCompiled: 0, compileMs: 0, guestInsnsCompiled: 0, regionCalls: 0, translatedInsns: 0, genericCompiled: 0, blockEntries: 0, tailCopies: 0, loopCopies: 0, pagedRepSplits: 0, sharedChecks: 0 };

  constructor(private readonly cpu: Cpu) {
    const m = cpu.memory;
    // Aligned REP STOSW/STOSD fill through 16/32-bit views in one call: their element order is
    // the host's, so only on a little-endian host (the guest's order).
    const le = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
    const aligned = le && (m.ram.byteOffset & 3) === 0;
    const ram32 = aligned ? new Int32Array(m.ram.buffer, m.ram.byteOffset, m.ram.byteLength >>> 2) : undefined;
    const ram16 = aligned ? new Uint16Array(m.ram.buffer, m.ram.byteOffset, m.ram.byteLength >>> 1) : undefined;
    this.rt = {
      ram: m.ram,
      dv: new DataView(m.ram.buffer, m.ram.byteOffset, m.ram.byteLength),
      pageKind: m.pageKind,
      codePages: m.codePages,
      regionGen: new Int32Array(SLOTS),
      tlb: cpu.mmu.tlb,
      ctl: 0,
      k: 0,
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
        else if (size === 4 && ((phys | len) & 3) === 0 && ram32 !== undefined) ram32.fill(v, phys >>> 2, (phys + len) >>> 2);
        else if (size === 2 && ((phys | len) & 1) === 0 && ram16 !== undefined) ram16.fill(v, phys >>> 1, (phys + len) >>> 1);
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
      repPaged: (linD, linS, len, wantD, wantS, size, v, movs) => {
        const dst = this.repDst;
        const src = this.repSrc;
        dst.length = 0;
        src.length = 0;
        if (!this.pagedSpans(linD, len, wantD, true, dst)) return false;
        if (movs) {
          if (!this.pagedSpans(linS, len, wantS, false, src)) return false;
          // Element by element, a source byte written earlier in the step would be read back
          // (and two linear pages may map one physical page): such steps go to the interpreter.
          for (let i = 0; i < dst.length; i += 2)
            for (let j = 0; j < src.length; j += 2) if (dst[i] < src[j] + src[j + 1] && src[j] < dst[i] + dst[i + 1]) return false;
        }
        if (dst.length > 2) this.stats.pagedRepSplits++;
        const ram = m.ram;
        if (!movs) {
          // Byte k of the step is byte (k mod size) of the little-endian value.
          let k = 0;
          for (let i = 0; i < dst.length; i += 2) {
            const p = dst[i];
            const n = dst[i + 1];
            const head = Math.min(n, size);
            for (let b = 0; b < head; b++) ram[p + b] = (v >>> (8 * ((k + b) % size))) & 0xff;
            let done = head;
            while (done < n) {
              const c = Math.min(done - (done % size), n - done);
              ram.copyWithin(p + done, p, p + c);
              done += c;
            }
            k += n;
          }
          return true;
        }
        let i = 0;
        let j = 0;
        let di = 0;
        let sj = 0;
        while (i < dst.length) {
          const c = Math.min(dst[i + 1] - di, src[j + 1] - sj);
          ram.copyWithin(dst[i] + di, src[j] + sj, src[j] + sj + c);
          di += c;
          sj += c;
          if (di === dst[i + 1]) {
            i += 2;
            di = 0;
          }
          if (sj === src[j + 1]) {
            j += 2;
            sj = 0;
          }
        }
        return true;
      },
      n: 0,
      se: 0,
    };
    this.compiler = new RegionCompiler(cpu, cpu.tables, this.rt);
    this.pages = cpu.codePages.pageGen.length;
    cpu.codePages.addListener((page, written) => {
      if (page < 0) this.flush();
      else this.codeWritten(page, written);
    });
  }

  /** Physical spans (address, length pairs) of a paged REP step; see RegionRuntime.repPaged. */
  private readonly repDst: number[] = [];
  private readonly repSrc: number[] = [];

  /**
   * Split [lin, lin + len) into physical spans, one per linear page, each granted by the TLB
   * (bits `want`, see the paging note in compiler.ts) and RAM (without cached code when
   * written). False when a page is not: the interpreter's own walk then decides.
   */
  private pagedSpans(lin: number, len: number, want: number, write: boolean, out: number[]): boolean {
    const m = this.cpu.memory;
    const tlb = this.rt.tlb;
    let done = 0;
    while (done < len) {
      const l = (lin + done) >>> 0;
      const e = tlb[l >>> 12];
      if ((e & want) !== want) return false;
      const n = Math.min(4096 - (l & 0xfff), len - done);
      const phys = (((e & -4096) | (l & 0xfff)) & m.addressMask) >>> 0;
      if (!this.rt.ramRange(phys, n, write)) return false;
      out.push(phys, n);
      done += n;
    }
    return true;
  }

  flush(): void {
    this.cache.fill(undefined);
    this.entries.clear();
    this.heat.clear();
    this.kills.clear();
    this.pageTargets.clear();
    this.regionsByLine.clear();
    this.slotOwner.fill(undefined);
    this.rt.regionGen.fill(0);
  }

  /**
   * Stores hit the code lines `written` of `page`: the regions decoded from those lines die,
   * the page's other regions live on (their lines stay marked). An entry whose region keeps
   * being killed is left to the interpreter (VOLATILE_AFTER).
   */
  private codeWritten(_page: number, written: readonly number[]): void {
    for (const l of written) {
      const regions = this.regionsByLine.get(l);
      if (regions === undefined) continue;
      for (const r of [...regions]) {
        this.retire(r);
        this.kills.set(r.phys, (this.kills.get(r.phys) ?? 0) + 1);
      }
    }
  }

  /** The region is dead: its slot generation changes and it leaves the line index. */
  private retire(r: Region): void {
    if (this.slotOwner[r.slot] === r) {
      this.slotOwner[r.slot] = undefined;
      this.rt.regionGen[r.slot] = 0;
    }
    for (const l of r.lines) {
      const set = this.regionsByLine.get(l);
      if (set === undefined) continue;
      set.delete(r);
      if (set.size === 0) this.regionsByLine.delete(l);
    }
  }

  private alive(r: Region): boolean {
    return this.rt.regionGen[r.slot] === r.gen;
  }

  /** Run translated regions for at most `budget` instructions; returns how many retired (0: none here). */
  execute(budget: number): number {
    const cpu = this.cpu;
    const m = cpu.memory;
    const rt = this.rt;
    const pages = this.pages;
    const rank = cpu.rank;
    let n = 0;
    /** The previous region left to CS:EIP by a control transfer (EXIT_CHAIN). */
    let chained = false;
    const tlb = rt.tlb;
    while (n < budget) {
      const eip = cpu.eip;
      const csBase = cpu.segBase[CS];
      const csLimit = rank <= 1 ? 0xffff : cpu.segLimit[CS];
      if (eip > csLimit) return n;
      const lin = rank <= 1 ? csBase + (eip & 0xffff) : (csBase + eip) >>> 0;
      let phys: number;
      let pg = 0;
      if (cpu.pagingOn) {
        // Fetch rights from the TLB: present, and a user page at CPL 3 (SDM Vol. 3 §4.6).
        const t = tlb[lin >>> 12];
        const want = cpu.cpl === 3 ? 5 : 1;
        if ((t & want) !== want) return n;
        phys = (((t & -4096) | (lin & 0xfff)) & m.addressMask) >>> 0;
        pg = 1 | (cpu.cpl === 3 ? 2 : 0) | ((cpu.cr0 & 0x10000) !== 0 ? 4 : 0);
      } else phys = (lin & m.addressMask) >>> 0;
      const page = phys >>> 12;
      if (m.pageKind[page] !== 0 || page >= pages) return n;
      const pe = cpu.cr0 & 1;
      const v86 = (cpu.flags & VM) !== 0;
      const mode0 = (pe !== 0 && !v86 && (cpu.segAttr[CS] & ATTR_BIG) !== 0 ? 1 : 0) | (pe !== 0 && !v86 && (cpu.segAttr[2] & ATTR_BIG) !== 0 ? 2 : 0) | (pe << 2) | (v86 ? 8 : 0);
      const mode = mode0 | (flatSegments(cpu) << 4) | (pg << 10);
      const slot = (phys ^ (phys >>> 14)) & (CACHE_SIZE - 1);
      let e = this.cache[slot];
      if (e === undefined || e.phys !== phys || !this.valid(e, eip, csBase, csLimit, mode)) {
        e = this.entries.get(phys);
        if (e === undefined || !this.valid(e, eip, csBase, csLimit, mode)) {
          if (!this.hot(phys)) return n;
          e = this.build(eip, phys, csBase, csLimit, mode, [], false);
        }
        this.cache[slot] = e;
      }
      if (e.r.fn === undefined) return n;
      if (e.blk < 0) {
        // Inside a block of a live region. After a deadline, a budget or a bail-out the interpreter
        // runs on to the block's final jump; only code that translated code jumps to (a return from
        // another region, say) becomes an entry of its own.
        if (!chained || !this.hot(phys)) return n;
        e = this.build(eip, phys, csBase, csLimit, mode, [], false);
        this.cache[slot] = e;
        if (e.r.fn === undefined || e.blk < 0) return n;
      }
      const r = e.r;
      const fn = r.fn;
      if (fn === undefined) return n;
      this.stats.regionCalls++;
      if (e.eip !== r.eip) this.stats.blockEntries++;
      // A small integer budget: generated code compares against it at every block, and V8 keeps
      // such a value untagged (Infinity or a large count would make that a double compare).
      let k: number;
      try {
        k = fn(cpu, Math.min(budget - n, MAX_CALL_BUDGET), rt, r.slot, r.gen, e.blk);
      } catch (err) {
        // A semantic function raised a guest fault (cpu.fault); it has left Cpu.r as at the fault.
        if (err !== FAULT) throw err;
        k = this.faulted(r);
      }
      if (rt.ctl === EXIT_BAIL) k = this.bailed(r, k);
      n += k;
      this.stats.translatedInsns += k;
      this.pageRetired[r.page1 & (PAGE_HEAT - 1)] += k;
      if (rt.ctl !== 0) return n;
      chained = true;
      // An exit to another place in the region's own pages (an indirect jump, a return): after a
      // few, recompile the region with that place as a block, so the dispatch stays inside it.
      if (r.exitsSeen >= 0 && cpu.eip !== eip) {
        const to = rank <= 1 ? csBase + (cpu.eip & 0xffff) : (csBase + cpu.eip) >>> 0;
        // With paging a region has one page: an exit elsewhere in it is at the same offset from its base.
        if (pg === 0) this.noteExit(r, (to & m.addressMask) >>> 0, cpu.eip);
        else if (to >>> 12 === lin >>> 12) this.noteExit(r, ((phys & ~0xfff) | (to & 0xfff)) >>> 0, cpu.eip);
      }
    }
    return n;
  }

  /**
   * After EXIT_BAIL: instruction rt.k had no effect. EIP goes back to it and the count to the
   * instructions before it (the whole block was counted at entry); the interpreter runs it.
   * The region wrote registers and flags back as on any exit. Returns the corrected count.
   */
  private bailed(r: Region, k: number): number {
    const rt = this.rt;
    const i = 3 * rt.k;
    this.cpu.eip = r.bails[i] >>> 0;
    rt.ctl = EXIT_INTERP;
    return k - r.bails[i + 2] + r.bails[i + 1];
  }

  /**
   * A fault thrown by the semantic function of instruction rt.k (count rt.n when it ran, ESP
   * rt.se before it): delivered as Cpu.step would, counting the faulting instruction as retired
   * as the interpreter does. Returns the count.
   */
  private faulted(r: Region): number {
    const rt = this.rt;
    const i = 3 * rt.k;
    this.cpu.translatedFault(r.bails[i] >>> 0, rt.se >>> 0);
    rt.ctl = EXIT_FAULT;
    return rt.n - r.bails[i + 2] + r.bails[i + 1] + 1;
  }

  /** Counts a visit to `phys`; true (and the count restarts) on the HOT_THRESHOLD-th, never for a volatile entry. */
  private hot(phys: number): boolean {
    if ((this.kills.get(phys) ?? 0) >= VOLATILE_AFTER) return false;
    const h = (this.heat.get(phys) ?? 0) + 1;
    if (h < HOT_THRESHOLD) {
      this.heat.set(phys, h);
      return false;
    }
    this.heat.delete(phys);
    return true;
  }

  /** Whether entry `e` is current for CS:EIP in this mode (its region alive: no store into its code lines). */
  private valid(e: Entry, eip: number, csBase: number, csLimit: number, mode: number): boolean {
    const r = e.r;
    return e.eip === eip && r.csBase === csBase && r.csLimit === csLimit && r.mode === mode && this.rt.regionGen[r.slot] === r.gen;
  }

  private noteExit(r: Region, phys: number, target: number): void {
    const page = phys >>> 12;
    if (page !== r.page1 && page !== r.page2) return;
    const known = this.entries.get(phys);
    if (known !== undefined && known.r === r && known.blk >= 0 && known.eip === target) return;
    // Targets are pooled per page: an interpreter's handlers all jump back to one dispatch.
    let set = this.pageTargets.get(page);
    if (set === undefined) this.pageTargets.set(page, (set = new Set<number>()));
    set.add(target);
    if (++r.exitsSeen < (this.pageRetired[r.page1 & (PAGE_HEAT - 1)] >= HOT_REGION ? EXTRA_THRESHOLD : EXTRA_THRESHOLD_COLD)) return;
    if (!this.alive(r) || r.recompiles >= MAX_RECOMPILES) {
      r.exitsSeen = -Infinity;
      return;
    }
    const targets = new Set<number>(r.extra);
    for (const p of [r.page1, r.page2]) for (const t of this.pageTargets.get(p) ?? []) if (targets.size < MAX_EXTRA) targets.add(t);
    // Each recompile costs V8 a new warm-up: only when there is something new.
    if (targets.size === r.extra.length) {
      r.exitsSeen = -Infinity;
      return;
    }
    // The old region can still be entered through block entries that the rebuild did not
    // replace: it must never trigger another rebuild (each would recompile the region).
    r.exitsSeen = -Infinity;
    const nr = this.build(r.eip, r.phys, r.csBase, r.csLimit, r.mode, [...targets], true).r;
    nr.recompiles = r.recompiles + 1;
    // The cache may hold entries of the old region: they stay valid (same pages), but new lookups prefer nr.
    this.cache.fill(undefined);
  }

  /**
   * Compile the region entered at `eip` and register its entries; returns the entry for `eip`.
   * `replace`: the region supersedes its predecessor (a recompile with more blocks), so its block
   * starts take over from other live regions' ones; otherwise code that already has a live
   * (warm) function keeps it.
   */
  private build(eip: number, phys: number, csBase: number, csLimit: number, mode: number, extra: number[], replace: boolean): Entry {
    const page1 = phys >>> 12;
    const paging = (mode & (1 << 10)) !== 0;
    const res = this.compiler.compile(eip, { cpu: this.cpu, physPage: paging ? page1 : -1 }, extra);
    const am = this.cpu.memory.addressMask;
    const page2 = res.page2 < 0 ? page1 : ((res.page2 << 12) & am) >>> 12;
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) & (SLOTS - 1);
    const old = this.slotOwner[slot];
    if (old !== undefined) this.retire(old);
    const gen = ++this.lastGen;
    this.rt.regionGen[slot] = gen;
    // An empty region (nothing translatable at this EIP) still owns the line of its entry, so
    // new code stored there is compiled when it becomes hot.
    const spans: [number, number][] = res.fn === undefined ? [[phys, 1]] : res.lines;
    const lines = new Set<number>();
    for (const [p, len] of spans) {
      this.cpu.codePages.mark(p, len);
      for (let l = p >>> LINE_SHIFT; l <= (p + len - 1) >>> LINE_SHIFT; l++) lines.add(l);
    }
    const r: Region = { phys, eip, csBase, csLimit, mode, page1, page2, slot, gen, lines, fn: res.fn, bails: res.bails, extra, exitsSeen: 0, recompiles: 0 };
    this.slotOwner[slot] = r;
    for (const l of lines) {
      let set = this.regionsByLine.get(l);
      if (set === undefined) this.regionsByLine.set(l, (set = new Set<Region>()));
      set.add(r);
    }
    const own: Entry = { r, eip, phys, blk: -1 };
    if (res.fn === undefined) {
      // Nothing translatable at this EIP: remember the empty region so it is not rebuilt.
      this.entries.set(phys, own);
      return own;
    }
    this.stats.regionsCompiled++;
    this.stats.compileMs += res.compileMs;
    this.stats.guestInsnsCompiled += res.insns;
    this.stats.genericCompiled += res.generic.length;
    this.stats.tailCopies += res.tailCopies;
    this.stats.loopCopies += res.loopCopies;
    this.stats.sharedChecks += res.sharedChecks;
    const rank = this.cpu.rank;
    const linOf = (x: number): number => (rank <= 1 ? csBase + (x & 0xffff) : (csBase + x) >>> 0);
    // With paging the region is the entry's page only, mapped to the physical page of `phys`.
    const physOf = (x: number): number => (paging ? ((phys & ~0xfff) | (linOf(x) & 0xfff)) >>> 0 : (linOf(x) & am) >>> 0);
    const live = (p: number, x: number): boolean => {
      const o = this.entries.get(p);
      return o !== undefined && o.blk >= 0 && o.r.fn !== undefined && this.valid(o, x, csBase, csLimit, mode);
    };
    for (const x of res.inner) {
      const p = physOf(x);
      if (!live(p, x)) this.entries.set(p, { r, eip: x, phys: p, blk: -1 });
    }
    for (const [x, blk] of res.entries) {
      const p = physOf(x);
      if (x === eip) {
        own.blk = blk;
        this.entries.set(p, own);
      } else if (replace || !live(p, x)) this.entries.set(p, { r, eip: x, phys: p, blk });
    }
    if (own.blk < 0) this.entries.set(phys, own);
    return own;
  }
}

/** Thrown by generated code before an instruction's first side effect; see compiler.ts. */
