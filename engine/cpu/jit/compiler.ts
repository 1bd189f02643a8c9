/**
 * Region compiler: turns the code of one 4 KiB page, starting at an entry
 * EIP, into one JavaScript function (`new Function`).
 *
 * A region is every basic block reachable from the entry through direct
 * jumps, conditional branches, near calls and fall-through that stays inside
 * the page. Blocks become `case`s of a `switch` inside a loop, so control flow
 * between them never leaves the function; a block is followed by the block
 * its last jump goes to (that jump falls into the next case), a block that
 * loops to itself is a loop of its own, and a short dispatch block (indirect
 * jump, return) is copied into the blocks that jump to it. Any block can be
 * the entry of a call (translator.ts). Guest registers live in locals r0..r7
 * for the whole call (machine registers for V8), written back to Cpu.r where
 * control leaves translated code and around semantic functions (see emit);
 * the runtime's typed arrays are closure constants. Arithmetic flags are
 * lazy (lazy-flags.ts) and a Jcc after a known producer in the same block is
 * fused into a direct comparison.
 *
 * Exactness contract (same state, same retired count, same interrupt points
 * as the interpreter):
 *   - A block only starts when all of its instructions fit in the budget the
 *     dispatcher computed from the next timer deadline, so timers fire at the
 *     same instruction boundary; nothing inside a region can raise an
 *     interrupt (I/O, HLT, IF/TF changes, segment and CR loads are never
 *     translated; MMIO accesses bail out).
 *   - Each inlined instruction does every check (segment limit, RAM page,
 *     page crossing) before its first side effect. If a check fails the
 *     function leaves with EXIT_BAIL and the instruction's number: it has had
 *     no effect, the translator moves EIP back to it and the count to the
 *     instructions before it, and the interpreter executes it (raising the
 *     fault, doing the MMIO access…).
 *   - Every exit path only assigns locals and leaves the loop; one epilogue,
 *     run by every call, writes the state back. V8 optimises a region while
 *     its first exits have not happened yet, and code that had not run then
 *     (an exit with its own stores or arithmetic) deoptimises the function
 *     when it first runs. A deoptimised region is then entered, call after
 *     call, through its slower on-stack-replacement code: such a region ran
 *     at about 60% speed for the rest of the run, depending on timing.
 *   - Instructions without an inline form but without mode effects run
 *     through the interpreter's own semantic function (SEMANTICS), with flags
 *     materialised before and reloaded after; a fault there is delivered
 *     exactly as Cpu.step would.
 *   - Stores into a page that holds cached code go through PhysicalMemory, so
 *     CodePages sees them; if the store hit one of this region's 64-byte code
 *     lines (the translator then kills the region), the region exits after
 *     that instruction (self-modifying code, including a store into the
 *     running block).
 */
import { decode, Decoded, DecodeFault, K, SS, CS, type ModelTables } from '../decoder.js';
import { INSN_SPECS, Priv, VM as VM_FLAG } from '../spec.js';
import { L_ADD, L_ADC, L_SUB, L_SBB, L_LOGIC, L_INC, L_DEC } from './lazy-flags.js';
import { REP_CHUNK } from '../faults.js';
import type { Cpu } from '../cpu.js';

/**
 * Limits that keep a region function small. Not only our compile time: V8 runs a new
 * function in its baseline tiers until TurboFan has optimised it, and both the wait and
 * TurboFan's compile time grow with the function's bytecode size. Regions of up to 400
 * instructions / 48 blocks made GRUB's cold boot (46 M instructions) take about twice as long
 * in the translator tier as with these limits, with no clear change on the peers kit
 * (docs/PERFORMANCE.md).
 */
const MAX_BLOCKS = 16;
const MAX_INSNS = 128;
const MAX_BLOCK_INSNS = 64;
/** Largest block copied into the loop of a block it jumps back to (Emitter.loopMember). */
const MAX_LOOP_COPY = 12;
/**
 * Largest displacement difference for which an access reuses an earlier access's page check
 * (Emitter.addr): within it, the two mostly share a page (struct fields, an unrolled copy).
 */
const MAX_SHARED_DELTA = 256;
/** Largest span of block starts given an IX table (Emitter.indexTable): two pages and then some. */
const MAX_INDEX_SPAN = 0x4000;
/** Lazy state unknown except that CF is in F (lo is 0 or an INC/DEC kind): Emitter.block. */
const LK_CF_IN_F = -2;

/** What a compiled region function returns through `ctl`. */
export const EXIT_CHAIN = 0;
/** The next instruction must run in the interpreter (bail, untranslatable form, budget). */
export const EXIT_INTERP = 1;
/** A fault was delivered (state is the interpreter's after delivery). */
export const EXIT_FAULT = 2;
/**
 * A check failed before instruction `bailIndex` (RegionRuntime.k) had a side effect: the
 * caller moves EIP back to it and takes it off the count (CompiledRegion.bails), then the
 * interpreter runs it (an EXIT_INTERP from then on).
 */
export const EXIT_BAIL = 3;

export interface RegionEnv {
  cpu: Cpu;
  /**
   * With paging on: the physical page the entry's linear page maps to (the region then
   * covers that one page only, see compile). -1 without paging (linear = physical).
   */
  physPage: number;
}

/*
 * Paging (SDM Vol. 3 §4.3, §4.6). Generated code looks each data access up in the MMU's TLB
 * (Mmu.tlb: physical page | VALID 1 | WRITE 2 | USER 4 | DIRTY 8 per linear page) and takes
 * the inline path only when the entry grants the access outright: present, user for CPL 3,
 * and for a write already dirty and writable (or a supervisor write with CR0.WP clear). Every
 * other case — a TLB miss, a page walk that would set an A/D flag, a fault — bails to the
 * interpreter before any side effect, which walks, updates the entries and fills the TLB as
 * it always does; the next pass then hits. CPL 3 and CR0.WP are part of the region key.
 */
const TLB_READ_MASK_SUP = 1;
const TLB_READ_MASK_USER = 1 | 4;
const TLB_WRITE_MASK_SUP_NOWP = 1 | 8;
const TLB_WRITE_MASK_SUP_WP = 1 | 2 | 8;
const TLB_WRITE_MASK_USER = 1 | 2 | 4 | 8;

/**
 * `blk0` is the id of the block to begin with. Blocks are the `case`s of the
 * region's switch, labelled with their dense ids so that V8 compiles the
 * switch to one jump table (Ignition builds a table only for dense Smi labels;
 * sparse labels such as start EIPs become a chain of compares, one per case,
 * run on every dispatch). An indirect jump or a return maps its target EIP to
 * a block id through the region's IX table (-1: not a block of the region,
 * the default case, an exit). A region can be entered at any of its
 * blocks (CompiledRegion.entries), so code reached again after an exit to the
 * interpreter (a timer deadline inside a block, a bail-out) resumes in the
 * same, already optimised function instead of a fresh region for that EIP.
 */
export type RegionFn = (cpu: Cpu, budget: number, env: RegionRuntime, slot: number, gen: number, blk0: number) => number;

/** Shared runtime objects passed to every region function. */
export interface RegionRuntime {
  ram: Uint8Array;
  dv: DataView;
  pageKind: Uint8Array;
  codePages: Uint8Array;
  /**
   * Generation per region slot (translator.ts): a region is alive while regionGen[slot] is the
   * generation it was given; a store into one of its 64-byte code lines changes it.
   */
  regionGen: Int32Array;
  /** The MMU's TLB (see the paging note above). */
  tlb: Int32Array;
  /** Exit kind of the last call (EXIT_*). */
  ctl: number;
  /** With EXIT_BAIL: the region's number of the instruction that bailed (CompiledRegion.bails). */
  k: number;
  flags: (lo: number, la: number, lb: number, lr: number, lc: number, F: number) => number;
  cf: (lo: number, la: number, lb: number, lr: number, lc: number, F: number) => number;
  cond: (cc: number, f: number) => boolean;
  recomputeEa: (d: Decoded, r: Uint32Array) => void;
  /** Int32Array view of Cpu.r (generated code works in int32). */
  R: Int32Array;
  /** Parity table (PF for a result byte). */
  P: Uint8Array;
  /** [phys, phys+len) is RAM (and, for writes, holds no cached code). */
  ramRange: (phys: number, len: number, write: boolean) => boolean;
  /** REP STOS fill of `len` bytes with the `size`-byte value v. */
  fill: (phys: number, len: number, v: number, size: number) => void;
  /**
   * One REP STOS / REP MOVS step (DF clear) of `len` bytes with paging on, at linear addresses
   * linD (and linS for MOVS) that may span pages: every page must be granted by the TLB (rights
   * `wantD` / `wantS`) and be RAM (without cached code, for the destination), and the source
   * and destination must not share physical bytes; then the step is done and true returned.
   * Otherwise nothing is written and false returned (the instruction bails out).
   */
  repPaged: (linD: number, linS: number, len: number, wantD: number, wantS: number, size: number, v: number, movs: boolean) => boolean;
  /** With EXIT_BAIL, or a fault thrown by a semantic function: as `k`, the count `n` and ESP before it. */
  n: number;
  se: number;
}

export interface CompiledRegion {
  fn: RegionFn | undefined;
  /** Decoded records and semantic functions of generic instructions (closure data of fn). */
  insns: number;
  blocks: number;
  compileMs: number;
  source?: string;
  /** [EIP, block id] of every block with instructions: where the region can be entered. */
  entries: [number, number][];
  /** EIP of every translated instruction that does not start a block. */
  inner: number[];
  /** Dispatch blocks copied into the blocks that jump to them. */
  tailCopies: number;
  /** Blocks copied into the loop of a block they jump back to. */
  loopCopies: number;
  /** Memory accesses that reused an earlier access's page check (Emitter.addr). */
  sharedChecks: number;
  /**
   * Per translated instruction (RegionRuntime.k after EXIT_BAIL): its EIP, its position in its
   * block and its block's length, as triples.
   */
  bails: Int32Array;
}

interface Insn {
  d: Decoded;
  start: number;
  next: number;
  /** Index in the region's generic table, or -1. */
  gi: number;
}

interface Block {
  start: number;
  insns: Insn[];
  /** How the block ends. */
  end: 'jcc' | 'jmp' | 'call' | 'ret' | 'jmpind' | 'callind' | 'loop' | 'fall' | 'interp' | 'rep';
  /** eip where control goes when the last instruction is not executed (interp) or after fall-through. */
  exitEip: number;
  id: number;
}

/** Mnemonics that are never translated: they change mode, talk to devices, or touch IF/TF/clock. */
const NEVER = new Set([
  'hlt', 'in', 'out', 'ins', 'outs', 'int', 'int3', 'into', 'int1', 'iret', 'popf', 'pushf', 'cli', 'sti',
  'les', 'lds', 'lss', 'lfs', 'lgs', 'callf', 'jmpf', 'retf', 'rdtsc', 'wait', 'esc', 'ud2', 'rdmsr', 'wrmsr',
  'cpuid', 'lmsw', 'clts', 'invlpg', 'invd', 'wbinvd', 'lgdt', 'lidt', 'lldt', 'ltr', 'sgdt', 'sidt', 'sldt', 'str',
  'smsw', 'verr', 'verw', 'lar', 'lsl', 'arpl', 'setmo', 'setmoc', 'sysenter', 'sysexit',
]);
const STRING = new Set(['movs', 'cmps', 'stos', 'lods', 'scas']);
const JCC = ['jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg'];
const ALU_KIND: Record<string, number> = { add: L_ADD, adc: L_ADC, sub: L_SUB, sbb: L_SBB, cmp: L_SUB, and: L_LOGIC, or: L_LOGIC, xor: L_LOGIC, test: L_LOGIC };

/**
 * Bit s set when segment register s is flat: base 0, limit 4 GiB, present,
 * not expand-down (so the SDM Vol. 3 §5.3 limit check can never fail for an
 * access that does not wrap the address space). The translator keys regions
 * on this mask, so generated code may omit base and limit for these segments.
 */
export function flatSegments(cpu: Cpu): number {
  if (cpu.rank < 3) return 0;
  // In protected mode only writable data segments qualify: the generated code
  // does no type check (SDM Vol. 3 §5.4.1), so anything else takes the limit path, which bails.
  const typeChecked = (cpu.cr0 & 1) !== 0 && (cpu.flags & VM_FLAG) === 0 ? 1 : 0;
  let m = 0;
  for (let s = 0; s < 6; s++) {
    const a = cpu.segAttr[s];
    if (cpu.segBase[s] === 0 && cpu.segLimit[s] === 0xffffffff && (a & 0x80) !== 0 && (a & 0x1c) !== 0x14 && (typeChecked === 0 || (a & 0x0a) === 0x02)) m |= 1 << s;
  }
  return m;
}

/** REP MOVS / REP STOS: translated as whole REP_CHUNK steps (see Emitter.repString). */
function repFast(d: Decoded): boolean {
  return d.rep !== 0 && (d.spec.mn === 'movs' || d.spec.mn === 'stos');
}

/** Can this decoded instruction run inside a region at all (inline or generic)? */
function translatable(d: Decoded): boolean {
  if (d.fault !== DecodeFault.None || d.lock) return false;
  const s = d.spec;
  if (s.priv !== Priv.None) return false;
  if (NEVER.has(s.mn)) return false;
  // x87, MMX and FXSAVE/FXRSTOR run against the FPU state with its #NM/#MF rules: always the interpreter's.
  if (s.fpu) return false;
  if (d.rep !== 0 && STRING.has(s.mn) && !repFast(d)) return false;
  for (let i = 0; i < d.nargs; i++) {
    const k = d.kind[i];
    if (k === K.Seg || k === K.Cr || k === K.Dr || k === K.Tr || k === K.Far) return false;
  }
  if (s.endsBlock) {
    const mn = s.mn;
    if (!(JCC.includes(mn) || mn === 'jmp' || mn === 'call' || mn === 'ret' || mn === 'loop' || mn === 'loope' || mn === 'loopne' || mn === 'jcxz')) return false;
  }
  return true;
}

export class RegionCompiler {
  /** Region functions by key (see compile): closures over this translator's runtime (`rt`). */
  private readonly fns = new Map<string, RegionFn>();

  constructor(
    private readonly cpu: Cpu,
    private readonly tables: ModelTables,
    private readonly rt: RegionRuntime,
  ) {}

  /**
   * Compile the region entered at CS:`entry` (linear page `linPage`, already
   * known to be RAM without paging). Returns fn undefined when the first
   * instruction cannot be translated.
   */
  compile(entry: number, env: RegionEnv, extra: readonly number[] = []): CompiledRegion & { generic: Decoded[]; semIdx: number[]; lines: [number, number][]; page2: number } {
    const t0 = performance.now();
    const cpu = this.cpu;
    const rank = cpu.rank;
    const big = cpu.codeBig;
    const ipMask = big ? 0xffffffff : 0xffff;
    const csBase = cpu.segBase[CS];
    const csLimit = rank <= 1 ? 0xffff : cpu.segLimit[CS];
    const linOf = (eip: number): number => (rank <= 1 ? csBase + (eip & 0xffff) : (csBase + eip) >>> 0);
    const page = linOf(entry) >>> 12;
    const blocks: Block[] = [];
    const byStart = new Map<number, Block>();
    // `extra`: targets of indirect jumps and returns seen leaving this region (translator.ts), as more block starts.
    const work: number[] = [entry, ...extra];
    const generic: Decoded[] = [];
    const semIdx: number[] = [];
    const lines: [number, number][] = [];
    let total = 0;
    // A region covers the entry page and at most one more RAM page (loops that straddle a page
    // boundary stay inside one function); both pages' generations validate it.
    let page2 = -1;
    const am = cpu.memory.addressMask;
    const paging = env.physPage >= 0;
    const physOfLin = (lin: number): number => (paging ? ((env.physPage << 12) | (lin & 0xfff)) >>> 0 : (lin & am) >>> 0);
    const admit = (p: number): boolean => {
      if (p === page || p === page2) return true;
      // With paging only the entry page is known to be mapped (and is checked at each entry).
      if (page2 !== -1 || paging) return false;
      const phys = ((p << 12) & am) >>> 0;
      if (cpu.memory.pageKind[phys >>> 12] !== 0 || phys >>> 12 >= cpu.codePages.pageGen.length) return false;
      page2 = p;
      return true;
    };
    const inPage = (eip: number): boolean => eip >= 0 && eip <= csLimit && eip <= ipMask && admit(linOf(eip) >>> 12);

    while (work.length > 0 && blocks.length < MAX_BLOCKS && total < MAX_INSNS) {
      const start = work.shift()!;
      if (byStart.has(start)) continue;
      const b: Block = { start, insns: [], end: 'interp', exitEip: start, id: blocks.length };
      byStart.set(start, b);
      blocks.push(b);
      let eip = start;
      for (;;) {
        if (b.insns.length >= MAX_BLOCK_INSNS || total >= MAX_INSNS) {
          b.end = 'fall';
          b.exitEip = eip;
          break;
        }
        const lin = linOf(eip);
        if (!admit(lin >>> 12) || eip > csLimit || ((lin & 0xfff) > 0xff0 && !admit(((lin >>> 12) + 1) & 0xfffff))) {
          b.end = 'interp';
          b.exitEip = eip;
          break;
        }
        const d = new Decoded();
        try {
          decode(this.tables, cpu, eip, d);
        } catch {
          b.end = 'interp';
          b.exitEip = eip;
          break;
        }
        const next = eip + d.len;
        if (d.fault !== DecodeFault.None || ((lin & 0xfff) + d.len > 0x1000 && !admit(((lin >>> 12) + 1) & 0xfffff)) || next - 1 > csLimit || next > ipMask || !translatable(d)) {
          b.end = 'interp';
          b.exitEip = eip;
          break;
        }
        d.start = eip;
        const first = Math.min(d.len, 0x1000 - (lin & 0xfff));
        lines.push([physOfLin(lin), first]);
        if (first < d.len) lines.push([physOfLin((lin + first) >>> 0), d.len - first]);
        const ins: Insn = { d, start: eip, next, gi: -1 };
        const mn = d.spec.mn;
        const rel = (): number => ((next + d.imm) & (d.o32 ? 0xffffffff : 0xffff)) >>> 0;
        // Jcc and LOOP keep the interpreter's target arithmetic (int32 result, see semantics.ts jcc).
        const relJcc = (): number => (next + d.imm) & (d.o32 ? 0xffffffff : 0xffff);
        if (repFast(d)) {
          // A REP string instruction is a block of its own: each REP_CHUNK step retires once and
          // loops back to itself while the count is not exhausted (as the interpreter's EIP rewind).
          if (b.insns.length > 0) {
            b.end = 'fall';
            b.exitEip = eip;
            work.unshift(eip);
            break;
          }
          b.insns.push(ins);
          total++;
          b.end = 'rep';
          b.exitEip = next;
          if (inPage(next)) work.push(next);
          break;
        }
        if (d.spec.endsBlock) {
          if (JCC.includes(mn) || mn === 'loop' || mn === 'loope' || mn === 'loopne' || mn === 'jcxz') {
            const target = relJcc();
            if (rank >= 2 && target > csLimit) {
              b.end = 'interp';
              b.exitEip = eip;
              break;
            }
            b.insns.push(ins);
            total++;
            b.end = JCC.includes(mn) ? 'jcc' : 'loop';
            b.exitEip = next;
            if (inPage(target)) work.push(target);
            if (inPage(next)) work.push(next);
            break;
          }
          if (mn === 'jmp' || mn === 'call') {
            if (d.kind[0] === K.Rel) {
              const target = rel();
              if (rank >= 2 && target > csLimit) {
                b.end = 'interp';
                b.exitEip = eip;
                break;
              }
              b.insns.push(ins);
              total++;
              b.end = mn;
              b.exitEip = target;
              if (inPage(target)) work.push(target);
              break;
            }
            b.insns.push(ins);
            total++;
            b.end = mn === 'jmp' ? 'jmpind' : 'callind';
            break;
          }
          // ret / ret imm
          b.insns.push(ins);
          total++;
          b.end = 'ret';
          break;
        }
        b.insns.push(ins);
        total++;
        eip = next;
      }
      if (b.insns.length === 0 && b.id === 0 && start === entry) {
        return { fn: undefined, insns: 0, blocks: 0, compileMs: performance.now() - t0, generic, semIdx, lines, page2, entries: [], inner: [], tailCopies: 0, loopCopies: 0, sharedChecks: 0, bails: new Int32Array(0) };
      }
    }
    // Blocks whose start was queued but never compiled are exits.
    const emitter = new Emitter(cpu, blocks, byStart, generic, semIdx, rank, env);
    const src = emitter.emit();
    // Identical source (same code bytes, same mode) → the same function object of this translator,
    // so V8 keeps its optimised code across region invalidation and CPU reset. Generic
    // instructions are named by their bytes so the key covers their decoded records too.
    const gkey = generic.map((d) => Array.from(cpu.memory.readBytes(physOfLin(linOf(d.start)), d.len), (x) => x.toString(16)).join('.')).join('|');
    const key = `${this.cpu.model}|${big ? 32 : 16}|${gkey}|${src}`;
    let factory = FACTORY_CACHE.get(key);
    if (factory === undefined) {
      try {
        factory = new Function('generic', 'sem', 'X', src) as RegionFactory;
      } catch (e) {
        throw new Error(`translator: generated code does not compile: ${(e as Error).message}\n${src}`);
      }
      if (FACTORY_CACHE.size > 20000) FACTORY_CACHE.clear();
      FACTORY_CACHE.set(key, factory);
    }
    let fn = this.fns.get(key);
    if (fn === undefined) {
      fn = factory(generic, semIdx.map((i) => cpuSem(cpu, i)), this.rt);
      if (this.fns.size > 20000) this.fns.clear();
      this.fns.set(key, fn);
    }
    const entries: [number, number][] = [];
    const inner: number[] = [];
    for (const b of blocks) {
      if (b.insns.length === 0) continue;
      entries.push([b.start, b.id]);
      for (let i = 1; i < b.insns.length; i++) inner.push(b.insns[i].start);
    }
    const bails = new Int32Array(emitter.bailStart.length * 3);
    for (let i = 0; i < emitter.bailStart.length; i++) {
      bails[3 * i] = emitter.bailStart[i];
      bails[3 * i + 1] = emitter.bailOrd[i];
      bails[3 * i + 2] = emitter.bailLen[i];
    }
    return { fn, insns: total, blocks: blocks.length, compileMs: performance.now() - t0, generic, semIdx, lines, source: src, page2, entries, inner, tailCopies: emitter.tailCopies, loopCopies: emitter.loopCopies, sharedChecks: emitter.sharedChecks, bails };
  }
}

type RegionFactory = (generic: Decoded[], sem: ((c: Cpu, d: Decoded) => void)[], rt: RegionRuntime) => RegionFn;
/** Compiled factories by source (see compile); each translator instantiates its own closures. */
const FACTORY_CACHE = new Map<string, RegionFactory>();

function cpuSem(cpu: Cpu, specIndex: number): (c: Cpu, d: Decoded) => void {
  return cpu.semanticOf(specIndex);
}

/** Placeholders in block code for the register write-back / reload around a semantic function (see emit). */
const SYNC = '/*SYNC*/';
const RELOAD = '/*RELOAD*/';

const SIZE_MASK = ['', '0xff', '0xffff', '', '-1'];
const SIGN_BIT = ['', '0x80', '0x8000', '', '-0x80000000'];
/** OF SF ZF AF PF CF. */
const ARITH_FLAGS = 0x8d5;

/*
 * Representation: every value in generated code is an int32 (registers are
 * read through an Int32Array view of Cpu.r, 32-bit loads use getInt32), so
 * V8 keeps it in machine registers and never deoptimises on a value above
 * 2^31 ("lost precision"). 8/16-bit values are masked non-negative ints.
 * Unsigned comparisons use `>>> 0`.
 */

/** Generates the region function's source. */
class Emitter {
  private out: string[] = [];
  private tmp = 0;
  /** Lazy-flag producer known at compile time: kind * 8 + size, 0 (F holds the flags), -1 unknown, or LK_CF_IN_F. */
  private lazyKnown = -1;
  private readonly segsUsed = new Set<number>();
  private readonly stackBig: boolean;
  /** Segments that are flat at compile time (bit per segment register; part of the region key). */
  private readonly flat: number;
  /** Global instruction numbering for bail bookkeeping. */
  private insnNo = 0;
  /** Arithmetic flags live after each instruction of the current block, and after the current one. */
  private liveAfter: number[] = [];
  private live = ARITH_FLAGS;
  private curLen = 0;
  private curOrd = 0;
  /** Global number of the instruction being emitted (index into BS/BO/BL). */
  private curNo = 0;
  /** Block being emitted, whether it is wrapped in its own loop, and the block emitted after it. */
  private curBlock = -1;
  /** Blocks copied into a predecessor (dispatchTail). */
  tailCopies = 0;
  /** Blocks copied into the loop of a block they jump back to (loopMember). */
  loopCopies = 0;
  /** Accesses that reused a page check (addr). */
  sharedChecks = 0;
  private selfLoop = false;
  private nextId = -1;
  /** Emitting a copied block: no further copies inside it. */
  private copying = false;
  /**
   * Memory operands already checked in the current block, by addressing form (segment and
   * base/index registers): the physical-address temp of the first access, its displacement,
   * and (once a store needed it) a temp holding the page's codePages mark. See addr.
   */
  private checked = new Map<string, { p: string; disp: number; regs: number[]; cp: string | undefined }>();
  readonly bailStart: number[] = [];
  readonly bailOrd: number[] = [];
  readonly bailLen: number[] = [];

  constructor(
    private readonly cpu: Cpu,
    private readonly blocks: Block[],
    private readonly byStart: Map<number, Block>,
    private readonly generic: Decoded[],
    private readonly semIdx: number[],
    private readonly rank: number,
    private readonly env: RegionEnv,
  ) {
    this.stackBig = cpu.stackBig;
    this.flat = flatSegments(cpu);
    if (env.physPage >= 0) {
      const user = cpu.cpl === 3;
      this.tlbRead = user ? TLB_READ_MASK_USER : TLB_READ_MASK_SUP;
      this.tlbWrite = user ? TLB_WRITE_MASK_USER : (cpu.cr0 & 0x10000) !== 0 ? TLB_WRITE_MASK_SUP_WP : TLB_WRITE_MASK_SUP_NOWP;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const b of blocks) {
      if (b.insns.length === 0) continue;
      lo = Math.min(lo, b.start | 0);
      hi = Math.max(hi, b.start | 0);
    }
    if (hi >= lo) {
      this.ixBase = lo;
      this.ixSpan = hi - lo + 1;
    }
  }

  /** TLB bits a read / a write needs with paging on (0: paging off; see the paging note). */
  private readonly tlbRead: number = 0;
  private readonly tlbWrite: number = 0;

  /** Temps needed by the largest block (temps never live across blocks, so each block reuses t0, t1…). */
  private maxTmp = 0;

  private t(): string {
    if (this.tmp >= this.maxTmp) this.maxTmp = this.tmp + 1;
    return `t${this.tmp++}`;
  }

  emit(): string {
    const body: string[] = [];
    const order = this.layout();
    for (let i = 0; i < order.length; i++) {
      this.nextId = i + 1 < order.length ? order[i + 1].id : -1;
      body.push(this.block(order[i]));
    }
    // Guest registers live in locals r0..r7 inside the function (V8 keeps them in machine
    // registers); Cpu.r is written back wherever control leaves translated code (exits, bail-outs,
    // semantic functions) and reloaded after a semantic function. A fault raised by a semantic
    // function leaves Cpu.r as that function left it (the interpreter's state at the fault).
    let code = body.join('\n');
    const used: number[] = [];
    const written: number[] = [];
    for (let i = 0; i < 8; i++) {
      if (new RegExp(`\\br${i}\\b`).test(code)) used.push(i);
      if (new RegExp(`\\br${i} = `).test(code)) written.push(i);
    }
    const writeBack = written.map((i) => `R[${i}] = r${i};`).join(' ');
    code = code.split(SYNC).join(writeBack).split(RELOAD).join(used.map((i) => `r${i} = R[${i}];`).join(' '));
    const regDecl = used.length > 0 ? `let ${used.map((i) => `r${i} = R[${i}]`).join(', ')};` : '';
    const segDecl: string[] = [];
    for (const s of this.segsUsed) {
      segDecl.push(`const S${s} = cpu.segBase[${s}] | 0;`);
      if (this.rank <= 1) segDecl.push(`const L${s} = 0xffff;`);
      // -1 (every access bails to the interpreter) for a segment whose checks the
      // generated code does not do: not present, expand-down, or (protected mode)
      // not a writable data segment, since one limit serves reads and writes.
      else segDecl.push(`const a${s} = cpu.segAttr[${s}]; const L${s} = ((a${s} & 0x80) === 0 || (a${s} & 0x1c) === 0x14 || ((a${s} & 0x0a) !== 0x02 && (cpu.cr0 & 1) !== 0 && (cpu.flags & ${VM_FLAG}) === 0)) ? -1 : cpu.segLimit[${s}];`);
    }
    const temps: string[] = [];
    for (let i = 0; i < this.maxTmp; i++) temps.push(`t${i} = 0`);
    // The runtime's typed arrays and helpers are constants of the closure (one closure per
    // translator, see RegionCompiler.fns): V8 then drops the per-access type checks on them.
    return `const R = X.R, ram = X.ram, dv = X.dv, pk = X.pageKind, cp = X.codePages, G = X.regionGen, P = X.P, FL = X.flags, CF1 = X.cf, CND = X.cond, TLB = X.tlb;
${this.indexTable()}
return function region(cpu, budget, X, SLOT, GEN, blk0) {
  const mem = cpu.memory;
  const am = mem.addressMask | 0;
  ${segDecl.join('\n  ')}
  ${regDecl}
  let F = cpu.flags, lo = 0, la = 0, lb = 0, lr = 0, lc = 0;
  let n = 0, k = 0, blk = blk0, ex = 0, ct = 0;
  let ${temps.length > 0 ? temps.join(', ') + ', ' : ''}tz = 0;
  L: for (;;) {
    switch (blk) {
${code}
      default: ct = ${EXIT_CHAIN}; break L;
    }
  }
  ${writeBack}
  cpu.eip = ex >>> 0;
  cpu.flags = FL(lo, la, lb, lr, lc, F);
  X.k = k;
  X.ctl = ct;
  return n;
};`;
  }

  /**
   * Order in which blocks are emitted as `case`s: each block is followed, when
   * possible, by the block its last transfer goes to (fall-through, the
   * not-taken side of a Jcc, a direct JMP/CALL target), so that transfer is a
   * plain fall into the next case instead of a dispatch through the switch.
   * Blocks without instructions are never entered and are not emitted.
   */
  private layout(): Block[] {
    const order: Block[] = [];
    const placed = new Set<number>();
    for (const first of this.blocks) {
      let b: Block | undefined = first;
      while (b !== undefined && b.insns.length > 0 && !placed.has(b.id)) {
        placed.add(b.id);
        order.push(b);
        b = this.finalTarget(b);
      }
    }
    return order;
  }

  /** The internal block a block's last (unconditional) transfer goes to, if any. */
  private finalTarget(b: Block): Block | undefined {
    if (b.end === 'interp' || b.end === 'ret' || b.end === 'jmpind' || b.end === 'callind') return undefined;
    const t = this.byStart.get(b.exitEip);
    return t !== undefined && t.insns.length > 0 ? t : undefined;
  }

  private block(b: Block): string {
    this.out = [];
    this.tmp = 0;
    const o = this.out;
    this.curBlock = b.id;
    // A block that jumps back to itself (a tight loop, a REP step), or whose short successors
    // jump back to it (loopMember), runs as a loop of its own.
    const copies = this.successors(b).some((s) => this.loopMember(b, s) !== undefined);
    this.selfLoop = copies || this.hasSelfEdge(b);
    o.push(`        case ${b.id}: {`);
    // A loop whose flags at the back edge come from INC/DEC (`dec ecx; jnz`) keeps CF in F on
    // every iteration; once CF is in F at entry too, its INC/DEC/ADC need no CF fix-up per
    // iteration (the producer at the loop head is otherwise unknown at compile time).
    const cfInF = this.selfLoop && !copies && this.backEdgeKeepsCf(b);
    if (cfInF) o.push(`          if (lo !== 0 && lo < ${L_INC * 8}) { F = FL(lo, la, lb, lr, lc, F); lo = 0; }`);
    if (this.selfLoop) o.push(`          B${b.id}: for (;;) {`);
    this.body(b, cfInF);
    if (this.selfLoop) o.push('          }');
    o.push('        }');
    return o.join('\n');
  }

  /** The code of block `b` from its budget check on (in its case, or copied into a predecessor). */
  private body(b: Block, cfInF = false): void {
    this.lazyKnown = cfInF ? LK_CF_IN_F : -1;
    // Checked addressing forms hold temps of this straight-line code only.
    this.resetChecked();
    const len = b.insns.length;
    const o = this.out;
    o.push(`          if (n + ${len} > budget) { ex = ${b.start | 0}; ct = ${EXIT_INTERP}; break L; }`);
    o.push(`          n += ${len};`);
    this.liveAfter = this.liveness(b);
    for (let i = 0; i < len; i++) {
      const ins = b.insns[i];
      this.live = this.liveAfter[i];
      const no = this.insnNo++;
      this.bailStart.push(ins.start);
      this.bailOrd.push(i);
      this.bailLen.push(len);
      this.curNo = no;
      this.curLen = len;
      this.curOrd = i;
      const last = i === len - 1;
      const from = o.length;
      if (last && b.end !== 'fall' && b.end !== 'interp') this.terminator(b, ins);
      else this.insn(ins);
      this.forgetChecked(from);
    }
    if (b.end === 'interp') o.push(`          ${this.goto(b.exitEip, true, true)}`);
    else if (b.end === 'fall') this.jumpTo(b, b.exitEip, true);
  }

  /**
   * Whether the lazy state at the end of the block (its back edge, for a self loop) has CF in F:
   * the last instruction that writes the arithmetic flags is INC or DEC (their lazy kinds keep
   * CF in F), or none does (the state is the one at entry).
   */
  private backEdgeKeepsCf(b: Block): boolean {
    for (let i = b.insns.length - 1; i >= 0; i--) {
      const d = b.insns[i].d;
      if ((d.spec.flagsWritten & ARITH_FLAGS) === 0) continue;
      return (d.spec.mn === 'inc' || d.spec.mn === 'dec') && this.simpleOperands(d, 1);
    }
    return true;
  }

  /** Start addresses a block's final transfer may go to inside the region (direct transfers only). */
  private successors(b: Block): number[] {
    const last = b.insns[b.insns.length - 1];
    if (last === undefined) return [];
    if (b.end === 'jcc' || b.end === 'loop') {
      const d = last.d;
      return [(last.next + d.imm) & (d.o32 ? 0xffffffff : 0xffff), last.next];
    }
    if (b.end === 'fall' || b.end === 'jmp') return [b.exitEip];
    return [];
  }

  /**
   * A short block that `h` transfers to and that transfers back to `h` (a loop of two or three
   * blocks: `cmp; je skip` … `skip: inc; cmp; jb top`) is copied into h's loop, so the loop's
   * back edges are `continue` of that loop instead of a dispatch through the block switch
   * (measured: about twice as fast for a sieve's scan loop). The copy counts, checks the budget
   * and bails out exactly as the block itself, with its own bookkeeping entries.
   */
  private loopMember(h: Block, eip: number): Block | undefined {
    if (this.copying) return undefined;
    const t = this.byStart.get(eip);
    if (t === undefined || t === h || t.insns.length === 0 || t.insns.length > MAX_LOOP_COPY) return undefined;
    if (t.end !== 'jcc' && t.end !== 'loop' && t.end !== 'fall' && t.end !== 'jmp') return undefined;
    return this.successors(t).includes(h.start) ? t : undefined;
  }

  /**
   * The transfer to `eip` at the end of the current block (or of one side of its final Jcc):
   * a copy of a loop member, or a goto.
   */
  private jumpTo(b: Block, eip: number, last: boolean): void {
    const t = this.selfLoop && this.curBlock === b.id ? this.loopMember(b, eip) : undefined;
    if (t === undefined) {
      const g = this.goto(eip, false, last);
      if (g !== '') this.out.push(`          ${g}`);
      return;
    }
    const saved = [this.nextId, this.curLen, this.curOrd, this.curNo] as const;
    // Inside the copy the header's loop is the target of `continue`; nothing may fall through.
    this.nextId = -1;
    this.copying = true;
    this.body(t);
    this.copying = false;
    // The copy's checked forms belong to its own path.
    this.resetChecked();
    this.loopCopies++;
    [this.nextId, this.curLen, this.curOrd, this.curNo] = saved;
  }

  /**
   * A JMP to a short block that ends in an indirect jump or a return (the
   * dispatch of a bytecode interpreter: `jmp next` → `movzx; jmp [table+reg*4]`)
   * gets its own copy of that block: each copy's indirect branch is a separate
   * site for the host's branch predictor, and one dispatch through the block
   * switch is saved. The copy counts, checks the budget and bails out exactly
   * as the block itself (it is the same code with its own bookkeeping entries).
   */
  private dispatchTail(b: Block, t: Block | undefined): t is Block {
    return t !== undefined && t !== b && t.insns.length > 0 && t.insns.length <= 3 && (t.end === 'jmpind' || t.end === 'ret');
  }

  private hasSelfEdge(b: Block): boolean {
    if (b.end === 'rep') return true;
    const last = b.insns[b.insns.length - 1];
    if (b.end === 'jcc' || b.end === 'loop') {
      const d = last.d;
      return ((last.next + d.imm) & (d.o32 ? 0xffffffff : 0xffff)) === b.start || last.next === b.start;
    }
    return (b.end === 'jmp' || b.end === 'call' || b.end === 'fall') && b.exitEip === b.start;
  }

  /**
   * Backward flag liveness inside one block. Conservative so that EFLAGS is
   * exact wherever control can leave translated code: every flag is live at
   * the block end (budget exits happen at block entries), before any
   * instruction that may bail out or fault (a memory operand, a stack access,
   * a generic instruction), and at a Jcc for the flags it tests.
   */
  private liveness(b: Block): number[] {
    const out = new Array<number>(b.insns.length);
    let live = ARITH_FLAGS;
    for (let i = b.insns.length - 1; i >= 0; i--) {
      out[i] = live;
      const d = b.insns[i].d;
      const mn = d.spec.mn;
      let mem = false;
      for (let j = 0; j < d.nargs; j++) if (d.kind[j] === K.Mem) mem = true;
      const inlineRegOnly = !mem && (ALU_KIND[mn] !== undefined || mn === 'inc' || mn === 'dec' || mn === 'neg' || mn === 'not' || mn === 'mov' || mn === 'movzx' || mn === 'movsx' || mn === 'lea' || mn === 'xchg' || mn === 'nop' || ((mn === 'shl' || mn === 'sal' || mn === 'shr' || mn === 'sar' || mn === 'rol' || mn === 'ror') && d.kind[1] === K.Imm) || (mn === 'imul' && d.nargs >= 2));
      if (!inlineRegOnly) {
        live = ARITH_FLAGS;
        continue;
      }
      live = (live & ~d.spec.flagsWritten) | (d.spec.flagsRead & ARITH_FLAGS);
      // Shifts/rotates by a count the inline code does not take keep every flag (count 0) or go generic.
      if (mn === 'shl' || mn === 'sal' || mn === 'shr' || mn === 'sar' || mn === 'rol' || mn === 'ror') {
        const c = this.rank !== 0 ? d.imm & 31 : d.imm & 0xff;
        if (c < 1 || c >= d.size[0] * 8) live = ARITH_FLAGS;
      }
    }
    return out;
  }

  /** CF of the current lazy state as a JS expression (0/1), static when the producer is known. */
  private cfExpr(): string {
    const lk = this.lazyKnown;
    if (lk === 0 || lk === LK_CF_IN_F) return '(F & 1)';
    if (lk > 0) {
      const kind = lk >> 3;
      const size = lk & 7;
      const ux = (v: string): string => (size === 4 ? `(${v} >>> 0)` : v);
      if (kind === L_LOGIC) return '0';
      if (kind === L_SUB) return `(${ux('la')} < ${ux('lb')} ? 1 : 0)`;
      if (kind === L_ADD) return `(${ux('la')} + ${ux('lb')} > ${size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff} ? 1 : 0)`;
      if (kind === L_INC || kind === L_DEC) return '(F & 1)';
    }
    return 'CF1(lo, la, lb, lr, lc, F)';
  }

  /** Indirect jump / return to the int32 target in `v`: a block of this region if it is one, else an exit. */
  private dynamicGoto(v: string): string {
    // IX maps the target's offset from the region's lowest block start to a block id (see RegionFn).
    if (!this.hasIndex()) return `ex = ${v}; ct = ${EXIT_CHAIN}; break L;`;
    return `ex = ${v}; blk = (ex - ${this.ixBase}) | 0; blk = blk >= 0 && blk < ${this.ixSpan} ? IX[blk] : -1; continue L;`;
  }

  /** Lowest block start (int32) and the span of block starts the IX table covers. */
  private ixBase = 0;
  private ixSpan = 0;

  /** Whether the block starts fit an IX table (a region wrapping around EIP 2^31 or 2^32 does not). */
  private hasIndex(): boolean {
    return this.ixSpan > 0 && this.ixSpan <= MAX_INDEX_SPAN;
  }

  /** Declaration of IX (see RegionFn): -1 everywhere but at block starts. */
  private indexTable(): string {
    if (!this.hasIndex()) return '';
    const sets: string[] = [];
    for (const b of this.blocks) if (b.insns.length > 0) sets.push(`IX[${(b.start | 0) - this.ixBase}] = ${b.id};`);
    return `const IX = new Int16Array(${this.ixSpan}).fill(-1); ${sets.join(' ')}`;
  }

  /**
   * Transfer to `eip`: an internal block or a region exit. `last`: the
   * transfer ends the block's code, so a jump to the block emitted next can
   * fall into its case.
   */
  private goto(eip: number, interp = false, last = false): string {
    const tb = this.byStart.get(eip);
    if (tb !== undefined && !interp && tb.insns.length > 0) {
      if (tb.id === this.curBlock && this.selfLoop) return `continue B${tb.id};`;
      if (last && tb.id === this.nextId) return this.selfLoop ? `break B${this.curBlock};` : '';
      return `blk = ${tb.id}; continue L;`;
    }
    // A known block without instructions starts with an untranslatable one: go straight to the interpreter.
    return `ex = ${eip | 0}; ct = ${interp || tb !== undefined ? EXIT_INTERP : EXIT_CHAIN}; break L;`;
  }

  // ---- operands ------------------------------------------------------------

  private regRead(n: number, size: number): string {
    if (size === 4) return `r${n}`;
    if (size === 2) return `(r${n} & 0xffff)`;
    return n < 4 ? `(r${n} & 0xff)` : `((r${n - 4} >> 8) & 0xff)`;
  }

  private regWrite(n: number, size: number, v: string): string {
    // `| 0` keeps every register an int32 for V8: one uint32 or wider value written to a
    // register makes V8 keep that register as a double across the whole region (a loop phi).
    if (size === 4) return /^r\d$/.test(v) ? `r${n} = ${v};` : `r${n} = (${v}) | 0;`;
    if (size === 2) return `r${n} = (r${n} & -65536) | ((${v}) & 0xffff);`;
    if (n < 4) return `r${n} = (r${n} & -256) | ((${v}) & 0xff);`;
    return `r${n - 4} = (r${n - 4} & -65281) | (((${v}) & 0xff) << 8);`;
  }

  /** Effective-address expression of d (as recomputeEa), int32 for 32-bit addressing. */
  private ea(d: Decoded): string {
    const parts: string[] = [];
    if (d.eaBase >= 0) parts.push(`r${d.eaBase}`);
    if (d.eaIndex >= 0) parts.push(d.eaScale > 0 ? `(r${d.eaIndex} << ${d.eaScale})` : `r${d.eaIndex}`);
    parts.push(String(d.eaDisp | 0));
    const sum = parts.join(' + ');
    return d.a32 ? `((${sum}) | 0)` : `((${sum}) & 0xffff)`;
  }

  /**
   * Emit the checks for a memory access of `size` at seg:offExpr; returns the
   * name of the physical-address temp. Throws BAIL (no side effect yet) when
   * the access is not a plain in-page RAM access inside the segment limit.
   */
  private addr(seg: number, offExpr: string, size: number, write: boolean, d?: Decoded): string {
    const o = this.out;
    let form = d !== undefined ? this.sameBase(seg, d) : undefined;
    let prev = form !== undefined ? this.checked.get(form) : undefined;
    // Far apart (two arrays indexed alike): mostly on different pages, so the shared test would
    // bail out every time. Such an access gets its own full check.
    if (prev !== undefined && d !== undefined && Math.abs((d.eaDisp | 0) - prev.disp) > MAX_SHARED_DELTA) form = prev = undefined;
    if (prev !== undefined && d !== undefined) {
      // Same base and index registers as an access this block has already checked (they have
      // not changed since): the page is RAM, so an access within the same page needs only the
      // in-page test on the known offset, no page-table load (struct fields, unrolled copies).
      const delta = (d.eaDisp | 0) - prev.disp;
      const q = this.t();
      o.push(`          ${q} = (${prev.p} + ${delta}) | 0;`);
      o.push(`          if (((${prev.p} & 0xfff) + ${delta}) >>> 0 > ${4096 - size}) ${this.bail()}`);
      this.alias.set(q, form!);
      this.codeMark(prev, write);
      this.sharedChecks++;
      return q;
    }
    const off = this.t();
    const p = this.t();
    o.push(`          ${off} = ${offExpr};`);
    const flat = (this.flat & (1 << seg)) !== 0;
    if (!flat) {
      this.segsUsed.add(seg);
      o.push(`          if ((${off} >>> 0) > L${seg} - ${size - 1}) ${this.bail()}`);
    }
    // Flat segment (base 0, limit 4 GiB, part of the region key): no limit check, no base.
    const lin = flat ? off : `((S${seg} + ${off}) | 0)`;
    const cross = size > 1 ? ` || (${p} & 0xfff) > ${4096 - size}` : '';
    if (this.tlbRead !== 0) {
      // Paging: the TLB entry must grant the access (see the paging note); same page check.
      const e = this.t();
      const want = write ? this.tlbWrite : this.tlbRead;
      o.push(`          ${p} = ${lin}; ${e} = TLB[${p} >>> 12];`);
      o.push(`          if ((${e} & ${want}) !== ${want}${cross}) ${this.bail()}`);
      o.push(`          ${p} = ((${e} & -4096) | (${p} & 0xfff)) & am;`);
      o.push(`          if (pk[${p} >>> 12] !== 0) ${this.bail()}`);
      return p;
    }
    o.push(`          ${p} = ${lin} & am;`);
    o.push(`          if (pk[${p} >>> 12] !== 0${cross}) ${this.bail()}`);
    if (form !== undefined && d !== undefined) {
      const c = { p, disp: d.eaDisp | 0, regs: [d.eaBase, d.eaIndex].filter((r) => r >= 0), cp: undefined };
      this.checked.set(form, c);
      this.alias.set(p, form);
      this.codeMark(c, write);
    }
    return p;
  }

  /**
   * For a store: load the page's codePages mark once for all stores of this form in the block
   * (here, at the instruction's top level: the store itself may sit inside a conditional). The
   * mark cannot appear during a region call: code is only marked when it is decoded.
   */
  private codeMark(c: { p: string; cp: string | undefined }, write: boolean): void {
    if (!write || c.cp !== undefined) return;
    c.cp = this.t();
    this.out.push(`          ${c.cp} = cp[${c.p} >>> 12];`);
  }

  /**
   * Physical-address temps of the current straight-line code that belong to a checked
   * addressing form (their stores use the form's code-mark temp). Temps are numbered per block,
   * so this is reset with `checked` (resetChecked).
   */
  private readonly alias = new Map<string, string>();

  private resetChecked(): void {
    this.checked.clear();
    this.alias.clear();
  }

  /**
   * Key of d's addressing form when its accesses may share one page check: flat segment (no
   * limit, base 0), 32-bit addressing (no 16-bit wrap), paging off (no TLB entry to consult).
   */
  private sameBase(seg: number, d: Decoded): string | undefined {
    if (this.tlbRead !== 0 || !d.a32 || (this.flat & (1 << seg)) === 0) return undefined;
    return `${seg}:${d.eaBase}:${d.eaIndex}:${d.eaScale}`;
  }

  /** Forget checked forms whose registers the code emitted since `from` assigns (or all, after a semantic function). */
  private forgetChecked(from: number): void {
    if (this.checked.size === 0) return;
    const code = this.out.slice(from).join('\n');
    if (code.includes(RELOAD)) {
      this.resetChecked();
      return;
    }
    const written = new Set<number>();
    for (const m of code.matchAll(/\br([0-7])\s*(?:[-+*|&^]|<<|>>>?)?=(?!=)/g)) written.add(Number(m[1]));
    for (const [k, c] of this.checked) if (c.regs.some((r) => written.has(r))) this.checked.delete(k);
    for (const [t, k] of this.alias) if (!this.checked.has(k)) this.alias.delete(t);
  }

  private load(p: string, size: number): string {
    return size === 1 ? `ram[${p}]` : size === 2 ? `dv.getUint16(${p}, true)` : `dv.getInt32(${p}, true)`;
  }

  /** Store; a page with cached code goes through PhysicalMemory (CodePages), then checks this region. */
  private store(p: string, size: number, v: string): void {
    const fast = size === 1 ? `ram[${p}] = ${v};` : size === 2 ? `dv.setUint16(${p}, ${v}, true);` : `dv.setInt32(${p}, ${v}, true);`;
    const slow = `mem.write${size * 8}(${p}, ${v});`;
    const form = this.alias.get(p);
    const c = form !== undefined ? this.checked.get(form) : undefined;
    if (c?.cp !== undefined) {
      this.out.push(`          if (${c.cp} === 0) ${fast} else { ${slow} tz = 1; }`);
      return;
    }
    this.out.push(`          if (cp[${p} >>> 12] === 0) ${fast} else { ${slow} tz = 1; }`);
  }

  /**
   * Bail out of the current instruction (before any side effect): the bookkeeping index is set
   * on the bail path only, so the fast path carries no per-instruction state.
   */
  private bail(): string {
    return `{ k = ${this.curNo}; ct = ${EXIT_BAIL}; break L; }`;
  }

  /** Leave after the current instruction (block counted in full at entry: give back the rest). */
  private midExit(next: number): string {
    const rest = this.curLen - this.curOrd - 1;
    return `${rest > 0 ? `n -= ${rest}; ` : ''}ex = ${next | 0}; ct = ${EXIT_CHAIN}; break L;`;
  }

  /** After an instruction that may have written code: leave if this region's page was invalidated. */
  private smcCheck(next: number): void {
    this.out.push(`          if (tz !== 0) { tz = 0; if (G[SLOT] !== GEN) { ${this.midExit(next)} } }`);
  }

  /** Operand i as an rvalue; memory operands are loaded into a temp (checks emitted). Returns [expr, physTemp|undefined]. */
  private read(d: Decoded, i: number, pre?: string, forWrite = false): [string, string | undefined] {
    const kind = d.kind[i];
    const size = d.size[i];
    if (kind === K.Reg) return [this.regRead(d.regNo[i], size), undefined];
    if (kind === K.Imm) {
      const v = i === 0 || d.kind[0] !== K.Imm ? d.imm : d.imm2;
      return [String(size === 4 ? v | 0 : v), undefined];
    }
    if (kind === K.Mem) {
      const p = pre ?? this.addr(d.eaSeg, this.ea(d), size, forWrite, d);
      const v = this.t();
      this.out.push(`          ${v} = ${this.load(p, size)};`);
      return [v, p];
    }
    throw new Error('operand kind not inlined');
  }

  /** Write operand i (reg or mem with precomputed phys temp). */
  private write(d: Decoded, i: number, v: string, p: string | undefined): void {
    const kind = d.kind[i];
    const size = d.size[i];
    if (kind === K.Reg) {
      this.out.push(`          ${this.regWrite(d.regNo[i], size, v)}`);
      return;
    }
    this.store(p!, size, v);
  }

  private matFlags(): void {
    this.out.push(`          F = FL(lo, la, lb, lr, lc, F); lo = 0;`);
    this.lazyKnown = 0;
  }

  /** `e` truncated to the operand size (int32 for 32-bit). */
  private fix(size: number, e: string): string {
    return size === 4 ? `(${e}) | 0` : `(${e}) & ${SIZE_MASK[size]}`;
  }

  // ---- instructions ----------------------------------------------------------

  private simpleOperands(d: Decoded, n: number): boolean {
    for (let i = 0; i < n; i++) {
      const k = d.kind[i];
      if (k !== K.Reg && k !== K.Mem && k !== K.Imm) return false;
      if (d.size[i] !== 1 && d.size[i] !== 2 && d.size[i] !== 4) return false;
    }
    return true;
  }

  private insn(ins: Insn): void {
    const d = ins.d;
    const mn = d.spec.mn;
    const o = this.out;
    const alu = ALU_KIND[mn];
    if (alu !== undefined && d.nargs === 2 && this.simpleOperands(d, 2) && d.kind[0] !== K.Imm) {
      const size = d.size[0];
      const [a, p] = this.read(d, 0, undefined, mn !== 'cmp' && mn !== 'test');
      const [b] = this.read(d, 1);
      const r = this.t();
      const av = this.t();
      const bv = this.t();
      o.push(`          ${av} = ${a}; ${bv} = ${b};`);
      let c = '0';
      if (alu === L_ADC || alu === L_SBB) {
        c = this.t();
        o.push(`          ${c} = ${this.cfExpr()};`);
      }
      let expr: string;
      if (mn === 'and' || mn === 'test') expr = `${av} & ${bv}`;
      else if (mn === 'or') expr = `${av} | ${bv}`;
      else if (mn === 'xor') expr = `${av} ^ ${bv}`;
      else if (alu === L_ADD || alu === L_ADC) expr = `${av} + ${bv} + ${c}`;
      else expr = `${av} - ${bv} - ${c}`;
      o.push(`          ${r} = ${this.fix(size, expr)};`);
      if (mn !== 'cmp' && mn !== 'test') this.write(d, 0, r, p);
      if ((this.live & ARITH_FLAGS) !== 0) {
        // Only the operands the kind's flag formulas read (lazy-flags.ts): fewer live values.
        if (alu === L_LOGIC) o.push(`          lo = ${alu * 8 + size}; lr = ${r};`);
        else o.push(`          lo = ${alu * 8 + size}; la = ${av}; lb = ${bv}; lr = ${r};${alu === L_ADC || alu === L_SBB ? ` lc = ${c};` : ''}`);
        this.lazyKnown = alu * 8 + size;
      }
      if (p !== undefined && mn !== 'cmp' && mn !== 'test') this.smcCheck(ins.next);
      return;
    }
    if ((mn === 'inc' || mn === 'dec') && this.simpleOperands(d, 1)) {
      const size = d.size[0];
      // INC/DEC keep CF (SDM Vol. 2 INC): F must hold the current CF first.
      const incLive = (this.live & 0x8d4) !== 0;
      if (incLive && this.lazyKnown === -1) {
        // Producer unknown here (block entry): only ADD…LOGIC kinds hold a CF that is not in F yet.
        o.push(`          if (lo !== 0 && lo < ${L_INC * 8}) F = (F & ~1) | CF1(lo, la, lb, lr, lc, F);`);
      } else if (incLive && this.lazyKnown > 0 && this.lazyKnown >> 3 !== L_INC && this.lazyKnown >> 3 !== L_DEC) {
        o.push(`          F = (F & ~1) | ${this.cfExpr()};`);
      }
      const [a, p] = this.read(d, 0, undefined, true);
      const av = this.t();
      const r = this.t();
      o.push(`          ${av} = ${a};`);
      o.push(`          ${r} = ${this.fix(size, mn === 'inc' ? `${av} + 1` : `${av} - 1`)};`);
      this.write(d, 0, r, p);
      if (incLive) {
        const kind = mn === 'inc' ? L_INC : L_DEC;
        o.push(`          lo = ${kind * 8 + size}; la = ${av}; lr = ${r};`);
        this.lazyKnown = kind * 8 + size;
      }
      if (p !== undefined) this.smcCheck(ins.next);
      return;
    }
    if ((mn === 'neg' || mn === 'not') && this.simpleOperands(d, 1)) {
      const size = d.size[0];
      const [a, p] = this.read(d, 0, undefined, true);
      const av = this.t();
      const r = this.t();
      o.push(`          ${av} = ${a};`);
      o.push(`          ${r} = ${this.fix(size, mn === 'not' ? `~${av}` : `0 - ${av}`)};`);
      this.write(d, 0, r, p);
      if (mn === 'neg' && (this.live & ARITH_FLAGS) !== 0) {
        o.push(`          lo = ${L_SUB * 8 + size}; la = 0; lb = ${av}; lr = ${r};`);
        this.lazyKnown = L_SUB * 8 + size;
      }
      if (p !== undefined) this.smcCheck(ins.next);
      return;
    }
    if ((mn === 'mov' || mn === 'movzx') && d.nargs === 2 && this.simpleOperands(d, 2)) {
      const [v] = this.read(d, 1);
      if (d.kind[0] === K.Mem) {
        const vv = this.t();
        o.push(`          ${vv} = ${v};`);
        const p = this.addr(d.eaSeg, this.ea(d), d.size[0], true, d);
        this.store(p, d.size[0], vv);
        this.smcCheck(ins.next);
      } else this.write(d, 0, v, undefined);
      return;
    }
    if (mn === 'movsx' && this.simpleOperands(d, 2) && d.kind[0] === K.Reg) {
      const [v] = this.read(d, 1);
      const sh = d.size[1] === 1 ? 24 : 16;
      this.write(d, 0, `((${v}) << ${sh}) >> ${sh}`, undefined);
      return;
    }
    if (mn === 'lea' && d.kind[1] === K.Mem && d.kind[0] === K.Reg) {
      this.write(d, 0, this.ea(d), undefined);
      return;
    }
    if (mn === 'xchg' && this.simpleOperands(d, 2) && d.kind[0] !== K.Imm && d.kind[1] !== K.Imm) {
      // Interpreter order: write operand 0 with b, then operand 1 with a.
      const [a, p0] = this.read(d, 0, undefined, true);
      const [b, p1] = this.read(d, 1, undefined, true);
      const av = this.t();
      const bv = this.t();
      o.push(`          ${av} = ${a}; ${bv} = ${b};`);
      this.write(d, 0, bv, p0);
      this.write(d, 1, av, p1);
      if (p0 !== undefined || p1 !== undefined) this.smcCheck(ins.next);
      return;
    }
    if (mn === 'push' && this.simpleOperands(d, 1) && !(d.kind[0] === K.Reg && d.regNo[0] === 4 && this.rank <= 1)) {
      const size = d.o32 ? 4 : 2;
      const [v] = this.read(d, 0);
      const vv = this.t();
      o.push(`          ${vv} = ${v};`);
      this.push(vv, size);
      this.smcCheck(ins.next);
      return;
    }
    if (mn === 'pop' && d.kind[0] === K.Reg) {
      const size = d.o32 ? 4 : 2;
      const v = this.pop(size);
      o.push(`          ${this.regWrite(d.regNo[0], size, v)}`);
      return;
    }
    if (mn.startsWith('set') && JCC.includes('j' + mn.slice(3)) && this.simpleOperands(d, 1)) {
      const cc = JCC.indexOf('j' + mn.slice(3));
      const c = this.cond(cc);
      if (d.kind[0] === K.Mem) {
        const p = this.addr(d.eaSeg, this.ea(d), 1, true, d);
        this.store(p, 1, `(${c} ? 1 : 0)`);
        this.smcCheck(ins.next);
      } else o.push(`          ${this.regWrite(d.regNo[0], 1, `(${c} ? 1 : 0)`)}`);
      return;
    }
    if (mn === 'nop') return;
    if ((mn === 'shl' || mn === 'sal' || mn === 'shr' || mn === 'sar' || mn === 'rol' || mn === 'ror') && this.shiftInline(ins)) return;
    if ((mn === 'shl' || mn === 'sal' || mn === 'shr' || mn === 'sar') && this.shiftClInline(ins)) return;
    if (mn === 'div' && d.nargs === 1 && d.size[0] === 4 && (d.kind[0] === K.Reg || d.kind[0] === K.Mem)) {
      this.divInline(ins);
      return;
    }
    if (mn === 'imul' && d.nargs >= 2 && d.kind[0] === K.Reg && (d.size[0] === 2 || d.size[0] === 4) && this.simpleOperands(d, d.nargs)) {
      this.imulInline(ins);
      return;
    }
    this.genericInsn(ins);
  }

  /**
   * SHL/SAL/SHR/SAR/ROL/ROR by a constant count 1..bits-1 (the semantics.ts
   * results in closed form; SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR):
   * other counts, and CL counts, run the semantic function.
   */
  private shiftInline(ins: Insn): boolean {
    const d = ins.d;
    const mn = d.spec.mn;
    if (!this.simpleOperands(d, 2) || d.kind[1] !== K.Imm || d.kind[0] === K.Imm) return false;
    let count = d.imm & 0xff;
    if (this.rank !== 0) count &= 31;
    const size = d.size[0];
    const bits = size * 8;
    if (count < 1 || count >= bits) return false;
    const o = this.out;
    const sg = SIGN_BIT[size];
    const [a, p] = this.read(d, 0, undefined, true);
    const v = this.t();
    const r = this.t();
    const cf = this.t();
    o.push(`          ${v} = ${a};`);
    const szp = `((${r} & ${sg}) !== 0 ? 0x80 : 0) | (${r} === 0 ? 0x40 : 0) | P[${r} & 0xff]`;
    const live = this.live;
    const rot = mn === 'rol' || mn === 'ror';
    const written = rot ? 0x801 : ARITH_FLAGS;
    if ((live & written) === 0 || (!rot && (live & ARITH_FLAGS) === 1)) {
      // Flags dead (or only CF live): the result, and CF if needed.
      if (mn === 'shl' || mn === 'sal') o.push(`          ${r} = ${this.fix(size, `${v} << ${count}`)}; ${cf} = (${v} >>> ${bits - count}) & 1;`);
      else if (mn === 'shr') o.push(`          ${r} = ${v} >>> ${count}; ${cf} = (${v} >>> ${count - 1}) & 1;`);
      else if (mn === 'sar') {
        const sh = 32 - bits;
        const sx = sh === 0 ? v : `((${v} << ${sh}) >> ${sh})`;
        o.push(`          ${r} = ${this.fix(size, `${sx} >> ${count}`)}; ${cf} = (${sx} >> ${count - 1}) & 1;`);
      } else if (mn === 'rol') o.push(`          ${r} = ${this.fix(size, `(${v} << ${count}) | (${v} >>> ${bits - count})`)};`);
      else o.push(`          ${r} = ${this.fix(size, `(${v} >>> ${count}) | (${v} << ${bits - count})`)};`);
      this.write(d, 0, r, p);
      if ((live & written) !== 0) {
        o.push(`          F = (F & ~1) | ${cf}; lo = 0;`);
        this.lazyKnown = 0;
      }
      if (p !== undefined) this.smcCheck(ins.next);
      return true;
    }
    const base = (live & ~written & ARITH_FLAGS) !== 0 && this.lazyKnown !== 0 ? 'FL(lo, la, lb, lr, lc, F)' : 'F';
    switch (mn) {
      case 'shl':
      case 'sal': {
        o.push(`          ${r} = ${this.fix(size, `${v} << ${count}`)}; ${cf} = (${v} >>> ${bits - count}) & 1;`);
        const af = this.rank <= 2 ? ` | ((((${v} << ${count - 1}) & 8) !== 0) ? 0x10 : 0)` : '';
        this.write(d, 0, r, p);
        o.push(`          F = (F & ~0x8d5) | ${szp} | ${cf} | ((((${r} & ${sg}) !== 0 ? 1 : 0) ^ ${cf}) !== 0 ? 0x800 : 0)${af}; lo = 0;`);
        break;
      }
      case 'shr': {
        o.push(`          ${r} = ${v} >>> ${count}; ${cf} = (${v} >>> ${count - 1}) & 1;`);
        this.write(d, 0, r, p);
        const of = count === 1 ? ` | ((${v} & ${sg}) !== 0 ? 0x800 : 0)` : '';
        o.push(`          F = (F & ~0x8d5) | ${szp} | ${cf}${of}; lo = 0;`);
        break;
      }
      case 'sar': {
        const sh = 32 - bits;
        const sx = sh === 0 ? v : `((${v} << ${sh}) >> ${sh})`;
        o.push(`          ${r} = ${this.fix(size, `${sx} >> ${count}`)}; ${cf} = (${sx} >> ${count - 1}) & 1;`);
        this.write(d, 0, r, p);
        o.push(`          F = (F & ~0x8d5) | ${szp} | ${cf}; lo = 0;`);
        break;
      }
      case 'rol': {
        o.push(`          ${r} = ${this.fix(size, `(${v} << ${count}) | (${v} >>> ${bits - count})`)}; ${cf} = ${r} & 1;`);
        this.write(d, 0, r, p);
        o.push(`          F = (${base} & ~0x801) | ${cf} | ((((${r} & ${sg}) !== 0 ? 1 : 0) ^ ${cf}) !== 0 ? 0x800 : 0); lo = 0;`);
        break;
      }
      default: {
        // ror
        o.push(`          ${r} = ${this.fix(size, `(${v} >>> ${count}) | (${v} << ${bits - count})`)}; ${cf} = (${r} & ${sg}) !== 0 ? 1 : 0;`);
        this.write(d, 0, r, p);
        o.push(`          F = (${base} & ~0x801) | ${cf} | ((((${r} >>> ${bits - 1}) ^ (${r} >>> ${bits - 2})) & 1) !== 0 ? 0x800 : 0); lo = 0;`);
      }
    }
    this.lazyKnown = 0;
    if (p !== undefined) this.smcCheck(ins.next);
    return true;
  }

  /**
   * SHL/SAL/SHR/SAR of a 32-bit operand by CL (count masked to 5 bits, so
   * 0..31; SDM Vol. 2 SAL/SAR/SHL/SHR): the closed forms of shiftInline with
   * a run-time count. A zero count reads the operand (its checks included)
   * and changes nothing, as in semantics.ts `shift`; so the lazy state is
   * unknown afterwards.
   */
  private shiftClInline(ins: Insn): boolean {
    const d = ins.d;
    const mn = d.spec.mn;
    if (this.rank < 3 || d.nargs !== 2 || d.size[0] !== 4 || (d.kind[0] !== K.Reg && d.kind[0] !== K.Mem)) return false;
    if (d.kind[1] !== K.Reg || d.size[1] !== 1 || d.regNo[1] !== 1) return false;
    const o = this.out;
    const c = this.t();
    o.push(`          ${c} = r1 & 31;`);
    const [a, p] = this.read(d, 0, undefined, true);
    const v = this.t();
    const r = this.t();
    const cf = this.t();
    o.push(`          ${v} = ${a};`);
    o.push(`          if (${c} !== 0) {`);
    let of: string;
    if (mn === 'shl' || mn === 'sal') {
      o.push(`          ${r} = ${v} << ${c}; ${cf} = (${v} >>> (32 - ${c})) & 1;`);
      of = `(((${r} >>> 31) ^ ${cf}) !== 0 ? 0x800 : 0)`;
    } else if (mn === 'shr') {
      o.push(`          ${r} = (${v} >>> ${c}) | 0; ${cf} = (${v} >>> (${c} - 1)) & 1;`);
      of = `(${c} === 1 && ${v} < 0 ? 0x800 : 0)`;
    } else {
      o.push(`          ${r} = ${v} >> ${c}; ${cf} = (${v} >> (${c} - 1)) & 1;`);
      of = '0';
    }
    this.write(d, 0, r, p);
    o.push(`          F = (F & ~0x8d5) | (${r} < 0 ? 0x80 : 0) | (${r} === 0 ? 0x40 : 0) | P[${r} & 0xff] | ${cf} | ${of}; lo = 0;`);
    o.push(`          }`);
    this.lazyKnown = -1;
    if (p !== undefined) this.smcCheck(ins.next);
    return true;
  }

  /**
   * DIV r/m32: EDX:EAX / src, quotient to EAX, remainder to EDX, flags
   * unchanged (as semantics.ts `divide`; SDM Vol. 2 DIV leaves them
   * undefined). A zero divisor or a quotient above 32 bits (EDX >= src) bails
   * out before any effect, so the interpreter raises #DE. Exact in doubles:
   * with EDX = 0 the operands are below 2^32; otherwise the 64-bit dividend
   * is divided in two steps of 16 bits of EAX, each partial dividend t below
   * src * 2^16. Math.floor(t / src) is then the true quotient: a non-integer
   * t / src lies at least 1/src >= 2^-32 below the next integer, which is at
   * most 2^16, where doubles are 2^-36 apart, so rounding cannot reach it
   * (the same argument covers EDX = 0, quotient below 2^32 / src).
   */
  private divInline(ins: Insn): void {
    const d = ins.d;
    const o = this.out;
    const [src] = this.read(d, 0);
    const b = this.t();
    const h = this.t();
    const l = this.t();
    const q = this.t();
    const r = this.t();
    const q1 = this.t();
    o.push(`          ${b} = ${src} >>> 0; ${h} = r2 >>> 0;`);
    o.push(`          if (${b} === 0 || ${h} >= ${b}) ${this.bail()}`);
    o.push(`          ${l} = r0 >>> 0;`);
    o.push(`          if (${h} === 0) { ${q} = Math.floor(${l} / ${b}); ${r} = ${l} - ${q} * ${b}; }`);
    o.push(`          else {`);
    o.push(`          ${r} = ${h} * 65536 + (${l} >>> 16); ${q1} = Math.floor(${r} / ${b}); ${r} -= ${q1} * ${b};`);
    o.push(`          ${r} = ${r} * 65536 + (${l} & 0xffff); ${q} = Math.floor(${r} / ${b}); ${r} -= ${q} * ${b};`);
    o.push(`          ${q} += ${q1} * 65536;`);
    o.push(`          }`);
    o.push(`          r0 = ${q} | 0; r2 = ${r} | 0;`);
  }

  /** IMUL r, r/m(, imm): low half and CF=OF=overflow, SF/ZF/PF from the result (as semantics.ts). */
  private imulInline(ins: Insn): void {
    const d = ins.d;
    const o = this.out;
    const size = d.size[0];
    const [a] = this.read(d, 1);
    const [b] = d.nargs === 3 ? this.read(d, 2) : this.read(d, 0);
    const av = this.t();
    const bv = this.t();
    const r = this.t();
    const ov = this.t();
    o.push(`          ${av} = ${a}; ${bv} = ${b};`);
    if (size === 4) {
      o.push(`          ${r} = Math.imul(${av}, ${bv}); ${ov} = ${av} * ${bv} !== ${r};`);
    } else {
      const p = this.t();
      o.push(`          ${p} = ((${av} << 16) >> 16) * ((${bv} << 16) >> 16); ${r} = ${p} & 0xffff; ${ov} = ((${r} << 16) >> 16) !== ${p};`);
    }
    o.push(`          ${this.regWrite(d.regNo[0], size, r)}`);
    const sg = SIGN_BIT[size];
    if ((this.live & ARITH_FLAGS) === 0) return;
    o.push(`          F = (F & ~0x8d5) | (${ov} ? 0x801 : 0) | ((${r} & ${sg}) !== 0 ? 0x80 : 0) | (${r} === 0 ? 0x40 : 0) | P[${r} & 0xff]; lo = 0;`);
    this.lazyKnown = 0;
  }

  /**
   * One REP_CHUNK step of REP STOS / REP MOVS (semantics.ts stringOp: at most
   * REP_CHUNK iterations per retired step, EIP kept while the count is not
   * zero). Fast path only when the whole step is a forward (DF=0) copy/fill
   * inside the segment limits, without address wrap, over RAM pages that hold
   * no cached code, and (MOVS) without a forward-overlapping destination;
   * anything else bails to the interpreter before any effect.
   */
  private repString(b: Block, ins: Insn): void {
    const d = ins.d;
    const o = this.out;
    const movs = d.spec.mn === 'movs';
    const size = movs ? d.size[0] : d.size[0] === 0 ? d.size[1] : d.kind[0] === K.StrDst ? d.size[0] : d.size[1];
    const a32 = d.a32;
    const cx = this.t();
    const kk = this.t();
    const len = this.t();
    const di = this.t();
    const pd = this.t();
    o.push(`          ${cx} = ${a32 ? 'r1 >>> 0' : '(r1 & 0xffff)'};`);
    o.push(`          if (${cx} !== 0) {`);
    o.push(`          if ((F & 0x400) !== 0) ${this.bail()}`);
    o.push(`          ${kk} = ${cx} > ${REP_CHUNK} ? ${REP_CHUNK} : ${cx}; ${len} = ${kk} * ${size};`);
    const range = (seg: number, off: string, phys: string, write: boolean): void => {
      this.segsUsed.add(seg);
      o.push(`          ${off} = ${off === di ? (a32 ? 'r7 >>> 0' : '(r7 & 0xffff)') : a32 ? 'r6 >>> 0' : '(r6 & 0xffff)'};`);
      o.push(`          if (${off} + ${len} > ${a32 ? 4294967296 : 0x10000} || ${off} + ${len} - 1 > L${seg}) ${this.bail()}`);
      // Paging: linear address only; RegionRuntime.repPaged checks every page of the step.
      if (this.tlbRead !== 0) o.push(`          ${phys} = (S${seg} + ${off}) | 0;`);
      else o.push(`          ${phys} = ((S${seg} + ${off}) | 0) & am;`);
      if (this.tlbRead !== 0) return;
      o.push(`          if ((((S${seg} + ${off} + ${len} - 1) | 0) & am) !== ((${phys} + ${len} - 1) | 0) || !X.ramRange(${phys} >>> 0, ${len}, ${write})) ${this.bail()}`);
    };
    range(0, di, pd, true);
    const v = size === 1 ? '(r0 & 0xff)' : size === 2 ? '(r0 & 0xffff)' : 'r0';
    if (this.tlbRead !== 0) {
      // Paging (see the paging note): a step may span pages; each must be granted by the TLB.
      if (movs) {
        const si = this.t();
        const ps = this.t();
        range(d.seg >= 0 ? d.seg : 3, si, ps, false);
        o.push(`          if (!X.repPaged(${pd} >>> 0, ${ps} >>> 0, ${len}, ${this.tlbWrite}, ${this.tlbRead}, ${size}, ${v}, true)) ${this.bail()}`);
        o.push(a32 ? `          r6 = (r6 + ${len}) | 0;` : `          r6 = (r6 & -65536) | ((${si} + ${len}) & 0xffff);`);
      } else {
        o.push(`          if (!X.repPaged(${pd} >>> 0, 0, ${len}, ${this.tlbWrite}, 0, ${size}, ${v}, false)) ${this.bail()}`);
      }
    } else if (movs) {
      const si = this.t();
      const ps = this.t();
      range(d.seg >= 0 ? d.seg : 3, si, ps, false);
      o.push(`          if ((${pd} >>> 0) > (${ps} >>> 0) && (${pd} >>> 0) < (${ps} >>> 0) + ${len}) ${this.bail()}`);
      o.push(`          ram.copyWithin(${pd} >>> 0, ${ps} >>> 0, (${ps} >>> 0) + ${len});`);
      o.push(a32 ? `          r6 = (r6 + ${len}) | 0;` : `          r6 = (r6 & -65536) | ((${si} + ${len}) & 0xffff);`);
    } else {
      o.push(`          X.fill(${pd} >>> 0, ${len}, ${v}, ${size});`);
    }
    o.push(a32 ? `          r7 = (r7 + ${len}) | 0;` : `          r7 = (r7 & -65536) | ((${di} + ${len}) & 0xffff);`);
    o.push(a32 ? `          r1 = (${cx} - ${kk}) | 0;` : `          r1 = (r1 & -65536) | (${cx} - ${kk});`);
    o.push(`          if (${cx} !== ${kk}) { ${this.goto(b.start)} }`);
    o.push(`          }`);
    o.push(`          ${this.goto(ins.next, false, true)}`);
  }

  /** Run the interpreter's semantic function for this instruction (flags materialised around it). */
  private genericInsn(ins: Insn): void {
    const gi = this.generic.length;
    this.generic.push(ins.d);
    this.semIdx.push(ins.d.specIndex);
    const o = this.out;
    // The semantic function works on Cpu.r: registers go back to it before and are reloaded after.
    o.push(`          ${SYNC} cpu.flags = FL(lo, la, lb, lr, lc, F); lo = 0; X.se = r4; X.n = n; X.k = ${this.curNo}; cpu.eip = ${ins.next};`);
    if (ins.d.hasEa) o.push(`          X.recomputeEa(generic[${gi}], cpu.r);`);
    o.push(`          sem[${gi}](cpu, generic[${gi}]); F = cpu.flags; ${RELOAD}`);
    o.push(`          if (G[SLOT] !== GEN) { ${this.midExit(ins.next)} }`);
    this.lazyKnown = 0;
  }

  /** SP arithmetic per the stack size (B bit of SS, SDM Vol. 3 §3.4.5). */
  private push(v: string, size: number): void {
    const o = this.out;
    const sp = this.t();
    if (this.stackBig) o.push(`          ${sp} = (r4 - ${size}) | 0;`);
    else o.push(`          ${sp} = ((r4 & 0xffff) - ${size}) & 0xffff;`);
    const p = this.addr(SS, sp, size, true);
    this.store(p, size, v);
    o.push(this.stackBig ? `          r4 = ${sp};` : `          r4 = (r4 & -65536) | ${sp};`);
  }

  /** Returns a temp holding the popped value; SP updated. */
  private pop(size: number): string {
    const o = this.out;
    const sp = this.t();
    o.push(this.stackBig ? `          ${sp} = r4;` : `          ${sp} = r4 & 0xffff;`);
    const p = this.addr(SS, sp, size, false);
    const v = this.t();
    o.push(`          ${v} = ${this.load(p, size)};`);
    o.push(this.stackBig ? `          r4 = (${sp} + ${size}) | 0;` : `          r4 = (r4 & -65536) | ((${sp} + ${size}) & 0xffff);`);
    return v;
  }

  /** JS boolean expression for condition cc, fused with a statically known producer when possible. */
  private cond(cc: number): string {
    const lk = this.lazyKnown;
    if (lk > 0) {
      const kind = lk >> 3;
      const size = lk & 7;
      const sg = SIGN_BIT[size];
      const sx = (v: string): string => (size === 4 ? v : size === 2 ? `((${v} << 16) >> 16)` : `((${v} << 24) >> 24)`);
      const ux = (v: string): string => (size === 4 ? `(${v} >>> 0)` : v);
      const neg = (cc & 1) !== 0;
      let e: string | undefined;
      switch (cc >> 1) {
        case 2:
          e = `lr === 0`;
          break;
        case 4:
          e = `(lr & ${sg}) !== 0`;
          break;
        case 1:
          if (kind === L_SUB) e = `${ux('la')} < ${ux('lb')}`;
          else if (kind === L_LOGIC) e = `false`;
          break;
        case 3:
          if (kind === L_SUB) e = `${ux('la')} <= ${ux('lb')}`;
          else if (kind === L_LOGIC) e = `lr === 0`;
          break;
        case 6:
          if (kind === L_SUB) e = `${sx('la')} < ${sx('lb')}`;
          else if (kind === L_LOGIC) e = `(lr & ${sg}) !== 0`;
          break;
        case 7:
          if (kind === L_SUB) e = `${sx('la')} <= ${sx('lb')}`;
          else if (kind === L_LOGIC) e = `(lr === 0 || (lr & ${sg}) !== 0)`;
          break;
        case 0:
          if (kind === L_LOGIC) e = `false`;
          break;
      }
      if (e !== undefined) return neg ? `!(${e})` : `(${e})`;
    }
    return `CND(${cc}, FL(lo, la, lb, lr, lc, F))`;
  }

  private terminator(b: Block, ins: Insn): void {
    const d = ins.d;
    const mn = d.spec.mn;
    const o = this.out;
    const csLimit = this.rank <= 1 ? 0xffff : this.cpu.segLimit[CS];
    const limitCheck = (v: string): string => (this.rank >= 2 ? `          if ((${v} >>> 0) > ${csLimit}) ${this.bail()}` : '');
    const next = ins.next;
    switch (b.end) {
      case 'jcc': {
        const cc = JCC.indexOf(mn);
        const target = (next + d.imm) & (d.o32 ? 0xffffffff : 0xffff);
        o.push(`          if (${this.cond(cc)}) {`);
        this.jumpTo(b, target, false);
        o.push('          }');
        this.jumpTo(b, next, true);
        return;
      }
      case 'loop': {
        const target = (next + d.imm) & (d.o32 ? 0xffffffff : 0xffff);
        if (mn === 'jcxz') {
          o.push(`          if (${d.a32 ? 'r1' : '(r1 & 0xffff)'} === 0) { ${this.goto(target)} }`);
        } else {
          const cx = this.t();
          if (d.a32) o.push(`          ${cx} = (r1 - 1) | 0; r1 = ${cx};`);
          else o.push(`          ${cx} = ((r1 & 0xffff) - 1) & 0xffff; r1 = (r1 & -65536) | ${cx};`);
          let c = `${cx} !== 0`;
          if (mn === 'loopne') c += ` && !${this.cond(4)}`;
          else if (mn === 'loope') c += ` && ${this.cond(4)}`;
          o.push(`          if (${c}) { ${this.goto(target)} }`);
        }
        this.jumpTo(b, next, true);
        return;
      }
      case 'jmp': {
        const t = this.byStart.get(b.exitEip);
        if (this.dispatchTail(b, t)) {
          const [cur, self, next] = [this.curBlock, this.selfLoop, this.nextId];
          // Inside the copy, no transfer may rely on this case's fall-through or own loop.
          this.curBlock = -1;
          this.selfLoop = false;
          this.nextId = -1;
          this.body(t);
          this.tailCopies++;
          [this.curBlock, this.selfLoop, this.nextId] = [cur, self, next];
          return;
        }
        this.jumpTo(b, b.exitEip, true);
        return;
      }
      case 'call': {
        const size = d.o32 ? 4 : 2;
        this.push(String(next | 0), size);
        this.smcCheck(b.exitEip);
        o.push(`          ${this.goto(b.exitEip, false, true)}`);
        return;
      }
      case 'jmpind': {
        const [v] = this.read(d, 0);
        const tv = this.t();
        o.push(`          ${tv} = ${v};`);
        o.push(limitCheck(tv));
        o.push(`          ${this.dynamicGoto(tv)}`);
        return;
      }
      case 'callind': {
        const size = d.o32 ? 4 : 2;
        const [v] = this.read(d, 0);
        const tv = this.t();
        o.push(`          ${tv} = ${v};`);
        o.push(limitCheck(tv));
        this.push(String(next | 0), size);
        o.push(`          ${this.dynamicGoto(tv)}`);
        return;
      }
      case 'rep':
        this.repString(b, ins);
        return;
      case 'ret': {
        const size = d.o32 ? 4 : 2;
        const sp = this.t();
        o.push(this.stackBig ? `          ${sp} = r4;` : `          ${sp} = r4 & 0xffff;`);
        const p = this.addr(SS, sp, size, false);
        const v = this.t();
        o.push(`          ${v} = ${this.load(p, size)};`);
        o.push(limitCheck(v));
        o.push(this.stackBig ? `          r4 = (${sp} + ${size}) | 0;` : `          r4 = (r4 & -65536) | ((${sp} + ${size}) & 0xffff);`);
        if (d.nargs > 0) {
          const imm = d.imm & 0xffff;
          o.push(this.stackBig ? `          r4 = (r4 + ${imm}) | 0;` : `          r4 = (r4 & -65536) | ((r4 + ${imm}) & 0xffff);`);
        }
        o.push(`          ${this.dynamicGoto(v)}`);
        return;
      }
      default:
        throw new Error(`terminator ${b.end}`);
    }
  }
}
