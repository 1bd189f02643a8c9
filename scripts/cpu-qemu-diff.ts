/**
 * Random differential testing of the CPU against QEMU (qemu-system-i386, TCG).
 *
 * fast-check generates random instruction sequences (ALU, shifts and rotates,
 * MUL/DIV with guarded divisors, BCD, bit operations, string instructions with
 * REP and segment/address-size prefixes on a scratch buffer, PUSH/POP, LEA,
 * MOVZX/MOVSX, SETcc/CMOVcc, BSWAP, XCHG/CMPXCHG/XADD, flag instructions,
 * segment and system-register instructions, software interrupts, #UD forms,
 * forward branches) with random initial registers, flags and memory. Hundreds
 * of sequences go into one boot image (a 1-sector loader reads the rest with
 * INT 13h extensions), so QEMU starts once per batch. The image runs in one of
 * seven modes (see `Mode`): real mode, flat 32-bit protected mode at CPL 0 or 3,
 * 16-bit protected mode, virtual-8086 mode, or flat 32-bit protected mode with
 * paging at CPL 0 or 3. After each sequence the runtime writes a record to port
 * 0xE9: all GPRs, EFLAGS, the segment registers, the vector, EIP and error code of
 * a fault (caught by an IVT/IDT stub), the 256-byte scratch buffer and an 80-byte
 * stack window.
 *
 * Paging (modes pg and pg3, 32-bit paging with CR4.PSE, SDM Vol. 3 §4.3): the
 * runtime, IDT, GDT, TSS, stack and record areas are identity-mapped through one
 * page table; the buffer page (linear 0x8000) and the pages next to it (0x9000,
 * 0xA000, 0xB000, 0xC000, 0x3FF000, the 4 MiB page at 0x400000 and a page at
 * 0x800000 behind its own PDE) map to frames elsewhere (PG_SLOTS). Before each
 * sequence the runtime rewrites those entries from the sequence's random setup
 * (usually read-only at 0x9000, supervisor-only at 0xA000, not present at 0xB000,
 * but any slot can get any of P/R/W/U/S, and A/D start set or clear), sets or clears
 * CR0.WP, reloads CR3 and clears CR2. The generator aims a share of the memory
 * operands, base/index addresses and string instructions at the page boundaries
 * (PG_BOUNDARIES), so accesses straddle pages of different rights (no partial
 * write allowed), and adds INVLPG, CR3 reloads, CR reads and CR0.WP toggles
 * (#GP(0) at CPL 3). The record gains CR2, every slot entry (accessed and dirty
 * flags), and 32 bytes on each side of each boundary; the buffer and the
 * boundary bytes are filled and read back through the frames' identity aliases,
 * so a wrong translation shows up as data in the wrong place.
 *
 * Our CPU runs the same image bytes (without the BIOS: the body is placed at
 * 1000:0000 directly) and single-steps each sequence to learn which flags the
 * SDM leaves undefined after the last instruction that wrote them (the spec
 * table's flag columns refined by `flagEffect`). Records are compared with those
 * flags masked; known QEMU deviations (`QEMU_DIFFERENCES`) are listed with a
 * citation and counted separately. The generator never lets an instruction read
 * a flag that may be undefined (it inserts a CMP first), so undefined flags
 * cannot leak into registers or memory.
 *
 *   node dist/scripts/cpu-qemu-diff.js [--seed N] [--count N] [--mode real|pm|pm16|pm3|v86|pg|pg3|all]
 *                                      [--batch N] [--jobs N] [--keep DIR] [--show N]
 *
 * --keep keeps the generated sources, images and QEMU output; --show prints the
 * first N unexplained differences in full (default 3).
 */
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IoBus } from '../engine/bus/io-bus.js';
import { PhysicalMemory } from '../engine/bus/physical-memory.js';
import { VirtualClock } from '../engine/clock/virtual-clock.js';
import { Cpu, ATTR_PRESENT } from '../engine/cpu/cpu.js';
import { decode, Decoded, DecodeFault, K, modelTables } from '../engine/cpu/decoder.js';
import { disassembleBytes } from '../engine/cpu/disasm.js';
import { flagEffect } from '../engine/cpu/generator.js';
import { OSZAPC } from '../engine/cpu/spec.js';

/**
 * real: real-address mode; pm: flat 32-bit protected mode (32-bit code and stack);
 * pm16: protected mode with a 16-bit code segment (base 0x10000) and a 16-bit stack
 * segment (B = 0), flat 32-bit data segments; pm3: flat 32-bit protected mode at
 * CPL 3 with a random IOPL (privilege and IOPL checks, ring transitions on faults);
 * v86: virtual-8086 mode with a random IOPL under a 32-bit ring-0 runtime (IOPL-
 * sensitive instructions, faults to the monitor with the V86 segment frame);
 * pg and pg3: pm and pm3 with paging on (see the paging section of the layout).
 */
export type Mode = 'real' | 'pm' | 'pm16' | 'pm3' | 'v86' | 'pg' | 'pg3';
export const MODES: readonly Mode[] = ['real', 'pm', 'pm16', 'pm3', 'v86', 'pg', 'pg3'];
/** 16-bit default operand and address size of the sequences. */
const bits16 = (m: Mode): boolean => m === 'real' || m === 'pm16' || m === 'v86';
/** Paging on (CR0.PG = 1): the page tables described at PG_SLOTS. */
const paged = (m: Mode): boolean => m === 'pg' || m === 'pg3';
/** Sequences run at CPL 3 in a flat 32-bit segment, entered by IRETD and ended by INT 0x30. */
const ring3 = (m: Mode): boolean => m === 'pm3' || m === 'pg3';
/** Flat 32-bit code at linear CODE (org CODE). */
const flat32 = (m: Mode): boolean => m === 'pm' || m === 'pm3' || paged(m);
/** Protected-mode segments (selectors, descriptor checks) in the sequences; V86 segments are real-mode style. */
const prot = (m: Mode): boolean => m !== 'real' && m !== 'v86';

// ---- memory layout (linear addresses, identical in every mode) --------------
const BUF = 0x8000; // scratch buffer, 256 bytes
const BUF_LEN = 256;
const STK_TOP = 0x7000; // ESP at the start of each sequence
const STK_WIN = 0x6fc0; // stack window: 48 bytes below STK_TOP, 32 above
const STK_WIN_LEN = 80;
const RT_STACK = 0x6000; // runtime stack
const SAVE = 0x5000; // record header
const IDT = 0x4000;
const TSS = 0x4800;
const CODE = 0x10000; // image body (CS = 0x1000 in real mode)
const HEADER = 64; // index, fault, fault EIP, error code, 8 GPRs, EFLAGS, ES CS SS DS FS GS
const NEXT = SAVE + 64; // address of the next sequence
const SCRATCH = SAVE + 68;
const END = SAVE + 72; // v86: address of the HLT that ends the current sequence
export const RECORD = HEADER + BUF_LEN + STK_WIN_LEN;
const PORT_MARK = 0xea; // "sequence about to start": stops our CPU, ignored by QEMU
const PORT_EXIT = 0xf4; // isa-debug-exit

// ---- paging (modes pg and pg3) ----------------------------------------------------
// 32-bit paging (SDM Vol. 3 §4.3) with CR4.PSE. Linear 0–4 MiB goes through PT0 and is
// identity-mapped (user, writable) except the pages in PG_SLOTS; the runtime, IDT, GDT,
// TSS, stack and record areas therefore keep their linear addresses. The slots map the
// buffer page and the pages around it to frames elsewhere, so a wrong translation puts
// data in the wrong frame: the runtime fills and reads back every compared byte of those
// pages through the frames' identity aliases (physical = linear), never through the slot.
const PD = 0x1000; // page directory
const PT0 = 0x2000; // page table of linear 0–4 MiB
const PT2 = 0x3000; // page table of linear 8–12 MiB (entry 0 only)
/** PDE 3: a supervisor 4 MiB identity page at 12 MiB, the alias of the PSE slot's frame. */
const PG_ALIAS_4M = 0xc00000;
const PG_CR2 = SAVE + 80; // CR2 saved by the emitter

/** A paging-structure entry the generator sets per sequence, and the record compares. */
interface PgSlot {
  /** Physical (= linear) address of the entry. */
  entry: number;
  /** Linear address it maps (the page, or the 4 MiB region). */
  lin: number;
  /** Frame it maps (for 'pde': the page table). */
  frame: number;
  /** pte: 4 KiB page; pse: 4 MiB page (PDE with PS = 1); pde: PDE of a page table. */
  kind: 'pte' | 'pse' | 'pde';
  /** Rights (bits 0–2: P, R/W, U/S) the generator prefers for it. */
  usual: number;
}
export const PG_SLOTS: readonly PgSlot[] = [
  { entry: PT0 + 8 * 4, lin: 0x8000, frame: 0x184000, kind: 'pte', usual: 7 }, // the scratch buffer: always P, R/W, U/S
  { entry: PT0 + 9 * 4, lin: 0x9000, frame: 0x182000, kind: 'pte', usual: 5 }, // read-only
  { entry: PT0 + 0xa * 4, lin: 0xa000, frame: 0x180000, kind: 'pte', usual: 3 }, // supervisor
  { entry: PT0 + 0xb * 4, lin: 0xb000, frame: 0x183000, kind: 'pte', usual: 0 }, // not present
  { entry: PT0 + 0xc * 4, lin: 0xc000, frame: 0x181000, kind: 'pte', usual: 7 },
  { entry: PT0 + 0x3ff * 4, lin: 0x3ff000, frame: 0x186000, kind: 'pte', usual: 7 }, // last page below the PSE page
  { entry: PD + 1 * 4, lin: 0x400000, frame: PG_ALIAS_4M, kind: 'pse', usual: 7 }, // 4 MiB page
  { entry: PD + 2 * 4, lin: 0x800000, frame: PT2, kind: 'pde', usual: 7 }, // rights of the PDE AND the PTE (SDM Vol. 3 §4.6)
  { entry: PT2, lin: 0x800000, frame: 0x185000, kind: 'pte', usual: 7 },
];
/** Page boundaries the generator aims accesses at; the record holds 32 bytes on each side. */
export const PG_BOUNDARIES: readonly number[] = [0x9000, 0xa000, 0xb000, 0xc000, 0x400000, 0x800000];
const PG_WIN = 32;
/** Frame (identity alias) of a byte in the paged region, as the slots map it. */
function pgPhys(lin: number): number {
  if (lin >= 0x400000 && lin < 0x800000) return PG_ALIAS_4M + (lin - 0x400000);
  const s = PG_SLOTS.find((x) => x.kind === 'pte' && x.lin === (lin & ~0xfff));
  if (s === undefined) throw new Error(`no paging slot maps ${hex(lin)}`);
  return s.frame + (lin & 0xfff);
}
/** Extra record bytes in the paged modes: CR2, the slot entries, the boundary windows. */
const PG_EXT = 4 + PG_SLOTS.length * 4 + PG_BOUNDARIES.length * 2 * PG_WIN;
export const recordSize = (m: Mode): number => RECORD + (paged(m) ? PG_EXT : 0);

/** Deepest the generator lets a sequence push (bytes below STK_TOP), and highest it pops. */
const MAX_PUSH = 40;
const MAX_POP = 24;

const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const SZ: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword' };
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

const hex = (v: number): string => '0x' + (v >>> 0).toString(16);
const regName = (n: number, size: number): string => (size === 1 ? R8[n] : size === 2 ? R16[n] : R32[n]);

// ---- sequence model -----------------------------------------------------------

/** One instruction of a sequence, with what the static flag/stack tracker needs. */
export interface Part {
  asm: string;
  /** Spec-table mnemonic (for flag columns), '' for none. */
  mn: string;
  /** Operand size in bytes (shift width rules). */
  size: number;
  /** Shift/rotate count: a number when it is an immediate (or 1), 'cl' when it comes from CL. */
  count?: number | 'cl';
  /** REP count of a string compare/scan (0 means it writes no flags). */
  repCount?: number;
  /** Net bytes pushed (negative for pops). */
  stack?: number;
  /** Bytes [lo, hi) it accesses relative to ESP before it executes. */
  esp?: [number, number];
}

export interface Item {
  parts: Part[];
  /** Forward branch over the next `skip` items (the branch is the last part). */
  skip?: number;
}

export interface Sequence {
  /** EAX..EDI; ESP (index 4) is ignored: every sequence starts with ESP = STK_TOP. */
  regs: number[];
  flags: number;
  /** Seed of the buffer/stack-window contents (xorshift32 in the runtime). */
  memSeed: number;
  items: Item[];
  /** CMP used to define all arithmetic flags before a reader (one per item). */
  definers: string[];
  /** Paged modes: the value of each PG_SLOTS entry, and CR0.WP, when the sequence starts. */
  paging?: { entries: number[]; wp: boolean };
}

// ---- fast-check arbitraries ---------------------------------------------------------

const u32 = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000, 0x99, 0x0909) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x1ff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((v) => (v | 0xffff0000) >>> 0) },
);
const size3 = fc.constantFrom(1, 2, 4);
const size2 = fc.constantFrom(2, 4);
/** A GPR number that is safe to write (not ESP; AH…BH are fine for bytes). */
const wreg = (size: number): fc.Arbitrary<number> => (size === 1 ? fc.integer({ min: 0, max: 7 }) : fc.constantFrom(0, 1, 2, 3, 5, 6, 7));
const immFor = (size: number): fc.Arbitrary<number> => u32.map((v) => (size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v >>> 0));

/**
 * Paged modes: an address near one of PG_BOUNDARIES, mostly so that an access of
 * `size` bytes straddles it (its two pages usually differ in rights or presence).
 */
function pgAddrArb(size: number): fc.Arbitrary<number> {
  return fc
    .tuple(fc.constantFrom(...PG_BOUNDARIES), fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -size - 1, max: 1 }) }, { weight: 2, arbitrary: fc.integer({ min: -PG_WIN, max: PG_WIN - size }) }))
    .map(([b, d]) => b + Math.max(-PG_WIN, Math.min(PG_WIN - size, d)));
}

/** A memory operand inside the scratch buffer (or, paged, near a page boundary), sometimes with the other address size. */
function memArb(mode: Mode, size: number): fc.Arbitrary<string> {
  const addr = paged(mode)
    ? fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: BUF_LEN - size }).map((off) => BUF + off) }, { weight: 1, arbitrary: pgAddrArb(size) })
    : fc.integer({ min: 0, max: BUF_LEN - size }).map((off) => BUF + off);
  return fc.tuple(addr, fc.integer({ min: 0, max: 3 })).map(([a, alt]) => {
    // A 16-bit address cannot reach the boundaries above 64 KiB.
    const force = alt === 0 && a + size <= 0x10000 ? (bits16(mode) ? 'dword ' : 'word ') : '';
    return `${SZ[size]} [${force}${hex(a)}]`;
  });
}

/** A register or memory r/m operand of `size`; `write` excludes ESP/SP. */
function rmArb(mode: Mode, size: number): fc.Arbitrary<string> {
  return fc.oneof(
    wreg(size).map((r) => regName(r, size)),
    memArb(mode, size),
  );
}

const item = (...parts: Part[]): Item => ({ parts });
const part = (asm: string, mn: string, size = 4, extra: Partial<Part> = {}): Part => ({ asm, mn, size, ...extra });

function aluArb(mode: Mode): fc.Arbitrary<Item> {
  const ops = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];
  return fc.tuple(fc.constantFrom(...ops), size3, fc.integer({ min: 0, max: 4 })).chain(([op, size, form]) => {
    switch (form) {
      case 0:
        return fc.tuple(wreg(size), wreg(size)).map(([a, b]) => item(part(`${op} ${regName(a, size)}, ${regName(b, size)}`, op, size)));
      case 1:
        return fc.tuple(wreg(size), memArb(mode, size)).map(([a, m]) => item(part(op === 'test' ? `${op} ${m}, ${regName(a, size)}` : `${op} ${regName(a, size)}, ${m}`, op, size)));
      case 2:
        return fc.tuple(memArb(mode, size), wreg(size)).map(([m, b]) => item(part(`${op} ${m}, ${regName(b, size)}`, op, size)));
      case 3:
        return fc.tuple(rmArb(mode, size), immFor(size)).map(([d, v]) => item(part(`${op} ${d}, ${hex(v)}`, op, size)));
      default:
        // Sign-extended imm8 form (83 /n) for 16/32-bit operands.
        return fc.tuple(rmArb(mode, size === 1 ? 2 : size), fc.integer({ min: -128, max: 127 })).map(([d, v]) => {
          const s = size === 1 ? 2 : size;
          return item(part(`${op} ${d.startsWith('byte') ? d.replace('byte', 'word') : d}, ${op === 'test' ? hex(v & (s === 2 ? 0xffff : 0xffffffff)) : `byte ${v}`}`, op, s));
        });
    }
  });
}

function unaryArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.tuple(fc.constantFrom('inc', 'dec', 'neg', 'not'), size3).chain(([op, size]) => rmArb(mode, size).map((d) => item(part(`${op} ${d.startsWith('byte') || d.startsWith('word') || d.startsWith('dword') ? d : d}`, op, size))));
}

function shiftArb(mode: Mode): fc.Arbitrary<Item> {
  const count = fc.oneof(
    { weight: 2, arbitrary: fc.constant<number | 'cl'>(1) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 33 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
    { weight: 3, arbitrary: fc.constant<number | 'cl'>('cl') },
  );
  return fc.tuple(fc.constantFrom('rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar', 'sal'), size3, count).chain(([op, size, c]) =>
    rmArb(mode, size).map((d) => {
      // A register destination of CL with a CL count is fine: the count is read first.
      const src = c === 'cl' ? 'cl' : c === 1 ? '1' : `byte ${c}`;
      return item(part(`${op} ${d}, ${src}`, op === 'sal' ? 'shl' : op, size, { count: c }));
    }),
  );
}

function dshiftArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.tuple(fc.constantFrom('shld', 'shrd'), size2, fc.oneof(fc.integer({ min: 0, max: 31 }), fc.constant<'cl'>('cl'))).chain(([op, size, c]) =>
    fc.tuple(rmArb(mode, size), wreg(size)).map(([d, s]) => {
      if (c === 'cl') {
        // A 16-bit count above 16 leaves the result undefined (SDM Vol. 2 SHLD): keep CL below 16.
        const parts = size === 2 ? [part('and cl, 15', 'and', 1)] : [];
        return item(...parts, part(`${op} ${d}, ${regName(s, size)}, cl`, op, size, { count: 'cl' }));
      }
      const n = size === 2 ? c % 17 : c;
      return item(part(`${op} ${d}, ${regName(s, size)}, ${n}`, op, size, { count: n }));
    }),
  );
}

function mulDivArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.integer({ min: 0, max: 5 }).chain((form) => {
    switch (form) {
      case 0:
        return fc.tuple(fc.constantFrom('mul', 'imul'), size3).chain(([op, size]) => rmArb(mode, size).map((s) => item(part(`${op} ${s}`, op, size))));
      case 1:
        return fc.tuple(size2, wreg(2)).chain(([size, d]) => rmArb(mode, size).map((s) => item(part(`imul ${regName(d, size)}, ${s}`, 'imul', size))));
      case 2:
        return fc.tuple(size2, wreg(2), u32, fc.boolean()).chain(([size, d, v, short]) =>
          rmArb(mode, size).map((s) => {
            const imm = short ? `byte ${(v & 0xff) << 24 >> 24}` : hex(size === 2 ? v & 0xffff : v);
            return item(part(`imul ${regName(d, size)}, ${s}, ${imm}`, 'imul', size));
          }),
        );
      default: {
        // DIV/IDIV: usually guarded (high half cleared or sign-extended, divisor forced odd);
        // sometimes not, so #DE delivery is compared too.
        return fc.tuple(fc.constantFrom('div', 'idiv'), size3, fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.constantFrom(1, 3, 5, 6, 7)).chain(([op, size, guard, inMem, dr]) =>
          memArb(mode, size).map((m) => {
            const parts: Part[] = [];
            if (guard > 0) {
              if (op === 'div') parts.push(part(size === 1 ? 'mov ah, 0' : size === 2 ? 'mov dx, 0' : 'mov edx, 0', 'mov', size));
              else parts.push(part(size === 1 ? 'cbw' : size === 2 ? 'cwd' : 'cdq', '', size));
            }
            let src = m;
            if (!inMem) {
              // Divisor register: not the dividend registers (AL/AH, or eAX/eDX).
              const r = size === 1 ? [1, 2, 3, 5, 7][dr % 5] : dr;
              src = regName(r, size);
              if (guard > 1) parts.push(part(`or ${src}, 1`, 'or', size));
            }
            parts.push(part(`${op} ${src}`, op, size));
            return item(...parts);
          }),
        );
      }
    }
  });
}

function bcdArb(): fc.Arbitrary<Item> {
  return fc.oneof(
    fc.constantFrom('daa', 'das', 'aaa', 'aas').map((op) => item(part(op, op, 1))),
    fc.tuple(fc.constantFrom('aam', 'aad'), fc.oneof({ weight: 3, arbitrary: fc.constant(10) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 255 }) }, { weight: 1, arbitrary: fc.constant(0) })).map(([op, n]) =>
      item(part(`${op} ${n}`, op, 1)),
    ),
  );
}

function bitArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.tuple(fc.constantFrom('bt', 'bts', 'btr', 'btc'), size2, fc.integer({ min: 0, max: 3 })).chain(([op, size, form]) => {
    switch (form) {
      case 0:
        return fc.tuple(wreg(size), wreg(size)).map(([a, b]) => item(part(`${op} ${regName(a, size)}, ${regName(b, size)}`, op, size)));
      case 1:
        return fc.tuple(rmArb(mode, size), fc.integer({ min: 0, max: 255 })).map(([d, n]) => item(part(`${op} ${d}, ${n}`, op, size)));
      default:
        // Memory operand with a register bit offset reaching 64 bytes either side of BUF+128.
        return wreg(size).map((r) => {
          const rn = regName(r, size);
          return item(part(`and ${rn}, 0x3ff`, 'and', size), part(`sub ${rn}, 0x200`, 'sub', size), part(`${op} ${SZ[size]} [${hex(BUF + 128)}], ${rn}`, op, size));
        });
    }
  });
}

function scanArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.tuple(fc.constantFrom('bsf', 'bsr'), size2, wreg(2)).chain(([op, size, d]) => rmArb(mode, size).map((s) => item(part(`${op} ${regName(d, size)}, ${s}`, op, size))));
}

function moveArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.integer({ min: 0, max: 9 }).chain((form) => {
    switch (form) {
      case 0:
      case 1:
        return fc.tuple(fc.constantFrom('movzx', 'movsx'), fc.boolean(), wreg(2)).chain(([op, fromByte, d]) =>
          rmArb(mode, fromByte ? 1 : 2).map((s) => item(part(`${op} ${regName(d, fromByte ? 4 : fromByte ? 2 : 4)}, ${s}`, op, 4))),
        );
      case 2:
        return fc.tuple(fc.constantFrom('movzx', 'movsx'), wreg(2)).chain(([op, d]) => rmArb(mode, 1).map((s) => item(part(`${op} ${regName(d, 2)}, ${s}`, op, 2))));
      case 3:
        return fc.tuple(fc.integer({ min: 0, max: 15 })).chain(([cc]) => rmArb(mode, 1).map((d) => item(part(`set${CC[cc]} ${d}`, `set${CC[cc]}`, 1))));
      case 4:
        return fc.tuple(fc.integer({ min: 0, max: 15 }), size2, wreg(2)).chain(([cc, size, d]) => rmArb(mode, size).map((s) => item(part(`cmov${CC[cc]} ${regName(d, size)}, ${s}`, `cmov${CC[cc]}`, size))));
      case 5:
        return wreg(4).map((r) => item(part(`bswap ${R32[r]}`, 'bswap', 4)));
      case 6:
        return fc.tuple(size3, wreg(1), wreg(1)).chain(([size, a]) => rmArb(mode, size).map((d) => item(part(`xchg ${d}, ${regName(size === 1 ? a : a === 4 ? 0 : a, size)}`, 'xchg', size))));
      case 7:
        return fc.tuple(fc.constantFrom('cmpxchg', 'xadd'), size3, wreg(2)).chain(([op, size, s]) => rmArb(mode, size).map((d) => item(part(`${op} ${d}, ${regName(s, size)}`, op, size))));
      case 8:
        return fc.tuple(size3, wreg(2)).chain(([size, r]) =>
          fc.oneof(
            fc.tuple(memArb(mode, size)).map(([m]) => item(part(`mov ${regName(r, size)}, ${m}`, 'mov', size))),
            fc.tuple(memArb(mode, size)).map(([m]) => item(part(`mov ${m}, ${regName(r, size)}`, 'mov', size))),
            fc.tuple(rmArb(mode, size), immFor(size)).map(([d, v]) => item(part(`mov ${d}, ${hex(v)}`, 'mov', size))),
          ),
        );
      default:
        // QEMU 7.2 computes CMPXCHG8B's unaffected flags from a stale condition-code state
        // when a flag-writing instruction precedes it in the same translation block (see
        // QEMU_WORKAROUNDS): a JMP to the next instruction ends the block first.
        return memArb(mode, 8).map((m) => item(part('jmp short $+2', 'jmp'), part(`cmpxchg8b ${m.replace(/^\w+ /, 'qword ')}`, 'cmpxchg8b', 8)));
    }
  });
}

function flagOpArb(): fc.Arbitrary<Item> {
  // CLI/STI: IOPL-sensitive in pm3 (#GP when CPL > IOPL); the runtime masks the PIC, so IF = 1 is safe.
  return fc.constantFrom('clc', 'stc', 'cmc', 'cld', 'std', 'lahf', 'sahf', 'salc', 'cbw', 'cwde', 'cwd', 'cdq', 'nop', 'cli', 'sti').map((op) => {
    const mn = op === 'cwde' ? 'cbw' : op === 'cdq' ? 'cwd' : op;
    return item(part(op, mn, 4));
  });
}

function leaArb(mode: Mode): fc.Arbitrary<Item> {
  const disp = fc.oneof(fc.constant(0), fc.integer({ min: -128, max: 127 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
  return fc.tuple(size2, wreg(2), fc.boolean(), fc.integer({ min: -1, max: 7 }), fc.integer({ min: -1, max: 7 }), fc.constantFrom(1, 2, 4, 8), disp, fc.integer({ min: 0, max: 7 })).map(
    ([size, d, a32, base, index, scale, dp, rm16]) => {
      let ea: string;
      if (a32) {
        const parts: string[] = [];
        if (base >= 0) parts.push(R32[base]);
        if (index >= 0 && index !== 4) parts.push(`${R32[index]}*${scale}`);
        ea = parts.length ? parts.join('+') + (dp < 0 ? `-${hex(-dp)}` : `+${hex(dp)}`) : hex(dp);
        if (bits16(mode) && parts.length === 0) ea = `dword ${ea}`;
      } else {
        const forms = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
        const d16 = ((dp % 0x10000) + 0x10000) % 0x10000;
        ea = `${forms[rm16]}+${hex(d16)}`;
      }
      return item(part(`lea ${regName(d, size)}, [${ea}]`, 'lea', size));
    },
  );
}

function stackArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.integer({ min: 0, max: 7 }).chain((form) => {
    switch (form) {
      case 0:
        return fc.tuple(size2, fc.integer({ min: 0, max: 7 })).map(([size, r]) => item(part(`push ${regName(r, size)}`, 'push', size, { stack: size })));
      case 1:
        return fc.tuple(size2, wreg(2)).map(([size, r]) => item(part(`pop ${regName(r, size)}`, 'pop', size, { stack: -size })));
      case 2:
        return fc.tuple(size2, memArb(mode, 2)).map(([size, m]) => item(part(`push ${m.replace(/^\w+/, SZ[size])}`, 'push', size, { stack: size })));
      case 3:
        return fc.tuple(size2, memArb(mode, 4)).map(([size, m]) => item(part(`pop ${m.replace(/^\w+/, SZ[size])}`, 'pop', size, { stack: -size })));
      case 4:
        return fc.tuple(size2, u32).map(([size, v]) => item(part(`push ${SZ[size]} ${hex(size === 2 ? v & 0xffff : v)}`, 'push', size, { stack: size })));
      case 5:
        return fc.tuple(size2).map(([size]) => item(part(size === 2 ? 'pushfw' : 'pushfd', 'pushf', size, { stack: size })));
      case 6:
        // POPF of a clean image: arithmetic flags, DF, and sometimes IF/IOPL/NT/AC/ID (never TF).
        // At CPL 3 (pm3) IF and IOPL only change when the privilege allows (SDM Vol. 2 POPF).
        // A 32-bit POPFD after a 16-bit push takes its upper half from the random stack window.
        return fc.tuple(size2, size2, fc.integer({ min: 0, max: 0xffffffff }), fc.boolean()).map(([size, popSize, v, extra]) => {
          const mask = OSZAPC | 0x400 | (extra ? 0x7200 | (size === 4 ? 0x240000 : 0) : 0);
          const img = v & mask;
          return item(part(`push ${SZ[size]} ${hex(img)}`, 'push', size, { stack: size }), part(popSize === 2 ? 'popfw' : 'popfd', 'popf', popSize, { stack: -popSize }));
        });
      default:
        return fc.tuple(size2).map(([size]) => item(part(size === 2 ? 'pushaw' : 'pushad', 'pusha', size, { stack: 8 * size }), part(size === 2 ? 'popaw' : 'popad', 'popa', size, { stack: -8 * size })));
    }
  });
}

function stringArb(mode: Mode): fc.Arbitrary<Item> {
  // Paged modes: sometimes start ESI or EDI within 4 bytes of a page boundary, so the string
  // crosses it in either direction and stays inside the compared windows (7 elements of 4 bytes).
  const pgStart: fc.Arbitrary<number> = paged(mode)
    ? fc.oneof({ weight: 2, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PG_BOUNDARIES), fc.integer({ min: -4, max: 4 })).map(([b, d]) => b + d) })
    : fc.constant(-1);
  return fc
    .tuple(
      fc.constantFrom('movs', 'stos', 'lods', 'cmps', 'scas'),
      fc.constantFrom(1, 2, 4),
      fc.integer({ min: 0, max: 2 }), // prefix: none, rep/repe, repne
      fc.integer({ min: 0, max: 7 }), // count
      fc.integer({ min: 64, max: 192 - 4 }),
      fc.integer({ min: 64, max: 192 - 4 }),
      fc.integer({ min: 0, max: 2 }), // DF: cld, std, leave as is
      fc.integer({ min: 0, max: 3 }), // 0: other address size
      fc.constantFrom('', '', 'es ', 'ss '),
      fc.integer({ min: 0, max: 0xffff }),
      pgStart,
      pgStart,
    )
    .map(([op, size, pfx, n, a, b, df, as, seg, garbage, pa, pb]) => {
      const altAddr = as === 0;
      const a16 = bits16(mode) ? !altAddr : altAddr;
      // With 16-bit addressing the upper halves of ESI/EDI/ECX must be ignored: give them garbage.
      const hi = a16 ? garbage << 16 : 0;
      const src = pa >= 0 && (!a16 || pa < 0xffe0) ? pa : BUF + a;
      const dst = pb >= 0 && (!a16 || pb < 0xffe0) ? pb : BUF + b;
      const parts: Part[] = [];
      parts.push(part(`mov esi, ${hex((hi | src) >>> 0)}`, 'mov', 4));
      parts.push(part(`mov edi, ${hex((hi | dst) >>> 0)}`, 'mov', 4));
      parts.push(part(`mov ecx, ${hex((hi | n) >>> 0)}`, 'mov', 4));
      if (df === 0) parts.push(part('cld', 'cld'));
      if (df === 1) parts.push(part('std', 'std'));
      const cmp = op === 'cmps' || op === 'scas';
      const rep = pfx === 0 ? '' : pfx === 1 ? (cmp ? 'repe ' : 'rep ') : cmp ? 'repne ' : 'rep ';
      const asz = altAddr ? (bits16(mode) ? 'a32 ' : 'a16 ') : '';
      const sfx = size === 1 ? 'b' : size === 2 ? 'w' : 'd';
      const segp = op === 'stos' || op === 'scas' ? '' : seg; // ES:DI cannot be overridden
      parts.push(part(`${segp}${asz}${rep}${op}${sfx}`, op, size, rep && cmp ? { repCount: n } : {}));
      return item(...parts);
    });
}

function xlatArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.integer({ min: 0, max: 0xffff }).map((g) =>
    item(part(bits16(mode) ? `mov ebx, ${hex(((g << 16) | BUF) >>> 0)}` : `mov ebx, ${hex(BUF)}`, 'mov', 4), part('xlatb', 'xlat', 1)),
  );
}

function branchArb(): fc.Arbitrary<Item> {
  return fc.tuple(fc.integer({ min: 0, max: 21 }), fc.integer({ min: 1, max: 3 })).map(([k, skip]) => {
    // 16 Jcc, JMP, LOOP, LOOPE, LOOPNE, JCXZ/JECXZ, and INTO (a trap when OF = 1).
    if (k < 16) return { parts: [part(`j${CC[k]} short @`, `j${CC[k]}`)], skip };
    const ops = ['jmp short', 'loop', 'loope', 'loopne', 'jcxz'];
    if (k === 21) return item(part('into', 'into'));
    const op = ops[k - 16];
    return { parts: [part(`${op} @`, op === 'jmp short' ? 'jmp' : op)], skip };
  });
}

const LOCKABLE_OPS = new Set(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'inc', 'dec', 'neg', 'not', 'xchg', 'cmpxchg', 'xadd', 'bts', 'btr', 'btc']);

/**
 * Memory operands through base/index registers (both address sizes), loaded in
 * the same item so the address lands in the buffer; random segment overrides
 * (every data segment is flat, so all of them reach the buffer) and LOCK on the
 * read-modify-write forms.
 */
function addrArb(mode: Mode): fc.Arbitrary<Item> {
  const r32 = fc.constantFrom(0, 1, 2, 3, 5, 6, 7);
  const op = fc.constantFrom('add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'mov', 'mov<', 'inc', 'dec', 'neg', 'not', 'xchg', 'cmpxchg', 'xadd', 'test', 'shl1', 'rcr1', 'movzx', 'movsx', 'bts', 'setne');
  // Paged modes: sometimes a target next to a page boundary instead of one in the buffer.
  const pgTarget: fc.Arbitrary<number> = paged(mode) ? fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 2, arbitrary: pgAddrArb(4) }) : fc.constant(-1);
  return fc
    .tuple(
      fc.tuple(fc.boolean(), r32, fc.option(r32, { nil: -1 }), fc.constantFrom(1, 2, 4, 8), fc.oneof(fc.constant(0), fc.integer({ min: -128, max: 127 }), fc.integer({ min: -0x80000000, max: 0x7fffffff })), u32, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: BUF_LEN - 4 }), fc.constantFrom('', '', 'ds:', 'es:', 'ss:', 'fs:', 'gs:'), op, size3, wreg(1), fc.integer({ min: 0, max: 4 }), u32),
      pgTarget,
    )
    .map(([[a32, base, index0, scale, disp, ival, rm16, t, seg, o, size0, reg, lockDie, garbage], pt]) => {
      const parts: Part[] = [];
      let ea: string;
      // (A 16-bit effective address cannot reach the boundaries above 64 KiB.)
      const target = pt >= 0 && (a32 || pt < 0xfff0) ? pt : BUF + t;
      if (a32) {
        const index = index0 === base ? -1 : index0;
        const iv = index >= 0 ? ival >>> 0 : 0;
        const bv = (target - Math.imul(iv, scale) - disp) >>> 0;
        parts.push(part(`mov ${R32[base]}, ${hex(bv)}`, 'mov'));
        if (index >= 0) parts.push(part(`mov ${R32[index]}, ${hex(iv)}`, 'mov'));
        ea = `${R32[base]}${index >= 0 ? `+${R32[index]}*${scale}` : ''}${disp < 0 ? `-${hex(-disp)}` : `+${hex(disp)}`}`;
      } else {
        // 16-bit forms: the upper halves of the registers are garbage and must be ignored.
        const forms: [number, number][] = [[3, 6], [3, 7], [5, 6], [5, 7], [6, -1], [7, -1], [5, -1], [3, -1]];
        const [b, x] = forms[rm16];
        const d16 = disp & 0xffff;
        const xv = x >= 0 ? ival & 0xffff : 0;
        const bv = (target - xv - d16) & 0xffff;
        parts.push(part(`mov ${R32[b]}, ${hex(((garbage << 16) | bv) >>> 0)}`, 'mov'));
        if (x >= 0) parts.push(part(`mov ${R32[x]}, ${hex((((garbage >>> 3) << 16) | xv) >>> 0)}`, 'mov'));
        ea = `${R16[b]}${x >= 0 ? `+${R16[x]}` : ''}+${hex(d16)}`;
      }
      let size = size0;
      if ((o === 'movzx' || o === 'movsx') && size === 4) size = 2;
      const m = (sz: number): string => `${SZ[sz]} [${seg}${ea}]`;
      const rn = regName(reg === 4 && size !== 1 ? 0 : reg, size);
      const lock = lockDie === 0 && LOCKABLE_OPS.has(o) ? 'lock ' : '';
      switch (o) {
        case 'mov<':
          parts.push(part(`mov ${rn}, ${m(size)}`, 'mov', size));
          break;
        case 'inc':
        case 'dec':
        case 'neg':
        case 'not':
          parts.push(part(`${lock}${o} ${m(size)}`, o, size));
          break;
        case 'shl1':
          parts.push(part(`shl ${m(size)}, 1`, 'shl', size, { count: 1 }));
          break;
        case 'rcr1':
          parts.push(part(`rcr ${m(size)}, 1`, 'rcr', size, { count: 1 }));
          break;
        case 'movzx':
        case 'movsx':
          parts.push(part(`${o} ${regName(reg === 4 ? 0 : reg, 4)}, ${m(size === 1 ? 1 : 2)}`, o, 4));
          break;
        case 'bts':
          parts.push(part(`${lock}bts ${m(size === 1 ? 2 : size)}, ${t & 31}`, 'bts', size === 1 ? 2 : size));
          break;
        case 'setne':
          parts.push(part(`setne ${m(1)}`, 'setne', 1));
          break;
        default:
          parts.push(part(`${lock}${o} ${m(size)}, ${rn}`, o, size));
      }
      return item(...parts);
    });
}

/** ESP-relative memory operands, including PUSH/POP with an ESP-based address (SDM Vol. 2 POP: the address uses the incremented ESP). */
function espArb(): fc.Arbitrary<Item> {
  return fc.tuple(fc.integer({ min: 0, max: 4 }), size2, fc.integer({ min: 0, max: 12 }), wreg(4)).map(([form, size, k, r]) => {
    const m = `${SZ[size]} [esp+${k}]`;
    switch (form) {
      case 0:
        return item(part(`push ${m}`, 'push', size, { stack: size, esp: [k, k + size] }));
      case 1:
        return item(part(`pop ${m}`, 'pop', size, { stack: -size, esp: [size + k, 2 * size + k] }));
      case 2:
        return item(part(`add ${m}, ${regName(r, size)}`, 'add', size, { esp: [k, k + size] }));
      case 3:
        return item(part(`mov ${regName(r, size)}, ${m}`, 'mov', size, { esp: [k, k + size] }));
      default:
        return item(part(`xchg ${m}, ${regName(r, size)}`, 'xchg', size, { esp: [k, k + size] }));
    }
  });
}

/** Segment registers: reads (MOV to r16/r32/m16), 16-bit PUSH/POP pairs, far-pointer loads. */
function segArb(mode: Mode): fc.Arbitrary<Item> {
  const sreg = fc.constantFrom('es', 'cs', 'ss', 'ds', 'fs', 'gs');
  const o16 = bits16(mode) ? '' : 'o16 ';
  return fc.tuple(fc.integer({ min: 0, max: 5 }), sreg, fc.constantFrom('es', 'fs', 'gs'), wreg(2), memArb(mode, 2), fc.constantFrom(0, 0x10, 0x10, 0x08, 0x13, 0x18, 0x1b, 0x0b), fc.integer({ min: 0, max: BUF_LEN - 8 })).map(
    ([form, sr, dst, r, m, sel0, off]) => {
      let sel: number = sel0;
      switch (form) {
        case 0:
          // MOV r32, Sreg zero-extends on the Pentium Pro and later (SDM Vol. 2 MOV).
          return item(part(`mov ${R32[r]}, ${sr}`, 'mov'));
        case 1:
          return item(part(`mov ${R16[r]}, ${sr}`, 'mov', 2));
        case 2:
          return item(part(`mov ${m}, ${sr}`, 'mov', 2));
        case 3:
          // Not CS into ES/FS/GS outside pm: CS is based at the image there, and writes through it
          // would modify the code under test.
          return item(part(`${o16}push ${sr === 'cs' && !flat32(mode) ? 'ss' : sr}`, 'push', 2, { stack: 2 }), part(`${o16}pop ${dst}`, 'pop', 2, { stack: -2 }));
        case 4:
          // Load a data segment register from another segment register (always a valid selector).
          // pm16: CS is based at the image, and our CPU does not yet refuse writes through a code
          // segment (see docs/CPU-TESTING.md), so use the flat code selector 0x08 instead.
          return item(
            part(sr === 'cs' && mode === 'pm16' ? `mov ${R16[r]}, 0x08` : `mov ${R16[r]}, ${sr === 'cs' && !prot(mode) ? 'ds' : sr}`, 'mov', 2),
            part(`mov ${dst}, ${R16[r]}`, 'mov', 2),
          );
        default: {
          // LES/LFS/LGS: in real mode any selector loads (then ES/FS/GS is made flat again so later
          // accesses stay in the buffer); in protected mode the selector is one of null, flat data,
          // code, RPL 3, or beyond the GDT limit, so the descriptor checks run (#GP on the bad ones).
          const op = `l${dst}`;
          const mm = `[${hex(BUF + off)}]`;
          const osz = bits16(mode) ? 2 : 4;
          // (0x18 is the image's code segment in pm16: writes through it must not reach the code.)
          if (mode === 'pm16' && (sel & 0xfffc) === 0x18) sel = 0x08;
          // pm3/pg3: the ring-3 data selector is 0x23; ring-0 selectors fail the privilege check.
          if (ring3(mode) && sel === 0x10 && (off & 1) !== 0) sel = 0x23;
          const rr = regName(r, osz);
          if (prot(mode)) return item(part(`mov word [${hex(BUF + off + osz)}], ${hex(sel)}`, 'mov', 2), part(`${op} ${rr}, ${mm}`, op, osz), part(`mov ${R16[r === 0 ? 1 : 0]}, ${dst}`, 'mov', 2));
          return item(part(`${op} ${rr}, ${mm}`, op, 2), part(`mov ${R16[r === 0 ? 1 : 0]}, ${dst}`, 'mov', 2), part(`mov ${R16[r === 0 ? 1 : 0]}, ds`, 'mov', 2), part(`mov ${dst}, ${R16[r === 0 ? 1 : 0]}`, 'mov', 2));
        }
      }
    },
  );
}

/** Descriptor-table and system-register reads: LAR/LSL/VERR/VERW/ARPL/STR/SLDT (protected mode), SIDT/SGDT, SMSW. */
function sysArb(mode: Mode): fc.Arbitrary<Item> {
  // GDT selectors only (TI = 0): the LDTR is null here, and our CPU treats an LDT reference
  // through a null LDTR as invalid while QEMU (and the SDM's reset state, Vol. 3 Table 9-1:
  // LDTR base 0, limit FFFFh) reads a descriptor at linear 0 — an open deviation of ours,
  // documented in docs/CPU-TESTING.md.
  const sel = fc.oneof(fc.constantFrom(0, 3, 0x08, 0x0b, 0x10, 0x13, 0x18, 0x1b, 0x23), fc.integer({ min: 0, max: 0xffff })).map((v) => v & ~4);
  return fc.tuple(fc.integer({ min: 0, max: prot(mode) ? 7 : 1 }), sel, wreg(2), wreg(2), size2, memArb(mode, 8)).map(([form, s, r, d, size, m]) => {
    const mm = m.replace(/^\w+ /, '');
    switch (form) {
      case 0:
        return item(part(`${size === 2 ? 'o16 ' : 'o32 '}sidt ${mm}`, 'sidt', size));
      case 1:
        return item(part(`smsw ${R16[r]}`, 'smsw', 2));
      case 2:
      case 3: {
        const op = form === 2 ? 'lar' : 'lsl';
        return item(part(`mov ${R32[r]}, ${hex(s)}`, 'mov'), part(`${op} ${regName(d, size)}, ${R16[r]}`, op, size));
      }
      case 4: {
        const op = s & 1 ? 'verr' : 'verw';
        return item(part(`mov ${R32[r]}, ${hex(s)}`, 'mov'), part(`${op} ${R16[r]}`, op, 2));
      }
      case 5:
        return item(part(`mov ${R32[r]}, ${hex(s)}`, 'mov'), part(`arpl ${R16[d]}, ${R16[r]}`, 'arpl', 2));
      case 6:
        return item(part(`${s & 1 ? 'str' : 'sldt'} ${regName(r, size)}`, s & 1 ? 'str' : 'sldt', size));
      default:
        return item(part(`${size === 2 ? 'o16 ' : 'o32 '}sgdt ${mm}`, 'sgdt', size));
    }
  });
}

/**
 * Everything else: ENTER/LEAVE (nesting levels read the frame chain from the
 * stack window), BOUND (#BR), INT3/INT n/ICEBP traps, #UD (UD2, 0F FF, LOCK on a
 * register form), undocumented encodings the P6 executes (82 /n, F6/F7 /1, /6 of
 * the shift group, 0F 1F NOP), near Jcc and LOOP with the other address size.
 */
function miscArb(mode: Mode): fc.Arbitrary<Item> {
  const def = bits16(mode) ? 2 : 4;
  return fc.tuple(fc.integer({ min: 0, max: 47 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 12 }), wreg(2), fc.integer({ min: 0, max: 7 }), u32, fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 3 })).map(
    ([pick, level0, alloc, r, ext, v, cc, skip]) => {
      // F6/F7 /1 and INT1 are rare: QEMU cannot check them (see QEMU_DIFFERENCES), so a
      // sequence that reaches one is only compared up to it.
      const rare = pick < 12;
      let form = pick % 12;
      if (form === 5 && !rare) form = 11;
      const level = form === 2 && level0 === 3 && !rare ? 0 : level0;
      switch (form) {
        case 0: {
          const frame = def * (level + 1) + alloc;
          const bp = bits16(mode) ? 'bp' : 'ebp';
          return item(
            part(`mov ${bp}, ${hex(STK_TOP - 8)}`, 'mov'),
            part(`enter ${alloc}, ${level}`, 'enter', def, { stack: frame }),
            part('leave', 'leave', def, { stack: -frame }),
          );
        }
        case 1:
          return item(part(`bound ${regName(r, def)}, [${hex(BUF + (v & 0x7f))}]`, 'bound', def));
        case 2:
          return item(part(['int3', 'int 3', 'int 4', 'int1'][level], ['int3', 'int', 'int', 'int1'][level], def));
        case 3:
          return item(part(['ud2', 'db 0x0f, 0xff', 'db 0xf0, 0x01, 0xc0', 'db 0xf0, 0x90'][level], ''));
        case 4:
          // 82 /n: the 8-bit ALU immediate group alias (removed only in 64-bit mode).
          return item(part(`db 0x82, ${hex(0xc0 | (ext << 3) | (r & 7))}, ${hex(v & 0xff)}`, ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'][ext], 1));
        case 5:
          // F6 /1 and F7 /1: TEST aliases.
          return level & 1
            ? item(part(`db 0xf7, ${hex(0xc8 | r)}, ${def === 2 ? `${hex(v & 0xff)}, ${hex((v >>> 8) & 0xff)}` : `${hex(v & 0xff)}, ${hex((v >>> 8) & 0xff)}, ${hex((v >>> 16) & 0xff)}, ${hex(v >>> 24)}`}`, 'test', def))
            : item(part(`db 0xf6, ${hex(0xc8 | (r & 7))}, ${hex(v & 0xff)}`, 'test', 1));
        case 6: {
          // /6 of the shift group: SAL (same as SHL) on the 80186 and later.
          const c = level === 0 ? 1 : v & 0x1f;
          return level === 0 ? item(part(`db 0xd1, ${hex(0xf0 | r)}`, 'sal', def, { count: 1 })) : item(part(`db 0xc1, ${hex(0xf0 | r)}, ${c}`, 'sal', def, { count: c }));
        }
        case 7:
          return item(part(`db 0x0f, 0x1f, ${hex(0xc0 | r)}`, 'nop'));
        case 8:
        case 9:
          return { parts: [part(`j${CC[cc]} near @`, `j${CC[cc]}`)], skip };
        case 10:
          return { parts: [part(`${['loop', 'loope', 'loopne', bits16(mode) ? 'jecxz' : 'jcxz'][level]} @${level === 3 ? '' : bits16(mode) ? ', ecx' : ', cx'}`, ['loop', 'loope', 'loopne', 'jcxz'][level])], skip };
        default:
          return item(part(`xchg ${R16[r]}, ${R16[(r + 1 + (v & 3)) % 8 === 4 ? 0 : (r + 1 + (v & 3)) % 8]}`, 'xchg', 2));
      }
    },
  );
}

/**
 * Paged modes: INVLPG near a boundary, CR3 reloads (both flush translations the sequence
 * has cached, so later accesses walk the tables again and set A/D bits anew), reads of
 * CR0/CR2/CR3/CR4, and a CR0.WP toggle. At CPL 3 (pg3) each is #GP(0) (SDM Vol. 2 INVLPG, MOV CR).
 */
function pagingArb(): fc.Arbitrary<Item> {
  return fc.tuple(fc.integer({ min: 0, max: 3 }), wreg(4), pgAddrArb(1), fc.constantFrom(0, 2, 3, 4)).map(([form, r, a, cr]) => {
    const rn = R32[r];
    switch (form) {
      case 0:
        return item(part(`invlpg [${hex(a)}]`, 'invlpg'));
      case 1:
        return item(part(`mov ${rn}, cr3`, 'mov'), part(`mov cr3, ${rn}`, 'mov'));
      case 2:
        return item(part(`mov ${rn}, cr${cr}`, 'mov'));
      default:
        return item(part(`mov ${rn}, cr0`, 'mov'), part(`xor ${rn}, 0x10000`, 'xor'), part(`mov cr0, ${rn}`, 'mov'));
    }
  });
}

function itemArb(mode: Mode): fc.Arbitrary<Item> {
  // At CPL 3 every paging item is #GP(0) and ends the sequence: keep those rare there.
  if (paged(mode)) return fc.oneof({ weight: ring3(mode) ? 60 : 12, arbitrary: baseItemArb(mode) }, { weight: 1, arbitrary: pagingArb() });
  return baseItemArb(mode);
}

function baseItemArb(mode: Mode): fc.Arbitrary<Item> {
  return fc.oneof(
    { weight: 10, arbitrary: aluArb(mode) },
    { weight: 3, arbitrary: unaryArb(mode) },
    { weight: 7, arbitrary: shiftArb(mode) },
    { weight: 3, arbitrary: dshiftArb(mode) },
    { weight: 4, arbitrary: mulDivArb(mode) },
    { weight: 3, arbitrary: bcdArb() },
    { weight: 3, arbitrary: bitArb(mode) },
    { weight: 2, arbitrary: scanArb(mode) },
    { weight: 6, arbitrary: moveArb(mode) },
    { weight: 3, arbitrary: flagOpArb() },
    { weight: 2, arbitrary: leaArb(mode) },
    { weight: 3, arbitrary: stackArb(mode) },
    { weight: 3, arbitrary: stringArb(mode) },
    { weight: 1, arbitrary: xlatArb(mode) },
    { weight: 3, arbitrary: branchArb() },
    { weight: 6, arbitrary: addrArb(mode) },
    { weight: 2, arbitrary: espArb() },
    { weight: 2, arbitrary: segArb(mode) },
    { weight: 2, arbitrary: sysArb(mode) },
    { weight: 3, arbitrary: miscArb(mode) },
  );
}

export function sequenceArb(mode: Mode): fc.Arbitrary<Sequence> {
  return fc.record({
    regs: fc.array(u32, { minLength: 8, maxLength: 8 }),
    flags: fc.integer({ min: 0, max: 0xffff }).map((f) => f & (OSZAPC | 0x400)),
    memSeed: fc.integer({ min: 1, max: 0xffffffff }),
    items: fc.array(itemArb(mode), { minLength: 4, maxLength: 12 }),
    definers: fc.array(fc.tuple(fc.constantFrom(0, 1, 2, 3, 5, 6, 7), fc.constantFrom(0, 1, 2, 3, 5, 6, 7)), { minLength: 12, maxLength: 12 }).map((a) => a.map(([x, y]) => `cmp ${R32[x]}, ${R32[y]}`)),
    ...(paged(mode) ? { paging: pagingSetupArb() } : {}),
  });
}

/**
 * The slot entries of one sequence: each slot mostly has its usual rights, otherwise
 * read-only, supervisor-only, both, or not present (then the processor ignores every
 * other bit, SDM Vol. 3 §4.3, and must leave them as they are). A and D start set or
 * clear at random (the processor sets them, never clears them: SDM Vol. 3 §4.8); PWT,
 * PCD, G (CR4.PGE is 0) and the software-available bits 9–11 are random too.
 */
function pagingSetupArb(): fc.Arbitrary<{ entries: number[]; wp: boolean }> {
  const entry = (slot: PgSlot): fc.Arbitrary<number> =>
    fc
      .tuple(
        slot.lin === BUF ? fc.constant(7) : fc.oneof({ weight: 6, arbitrary: fc.constant(slot.usual) }, { weight: 4, arbitrary: fc.constantFrom(7, 5, 3, 1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2, 4, 6) }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 0xfff }),
      )
      .map(([rights, ad, junk]) => {
        // A not-present entry is all software bits (but keep the frame so a wrong P check shows).
        if ((rights & 1) === 0) return (slot.frame | (junk & ~1)) >>> 0;
        const a = ad & 1 ? 0x20 : 0;
        const d = ad & 2 ? 0x40 : 0;
        const other = junk & 0xe18; // bits 3, 4 (PWT, PCD), 9–11 (available)
        if (slot.kind === 'pse') return (slot.frame | 0x80 | other | (junk & 0x100) | a | d | rights) >>> 0;
        if (slot.kind === 'pde') return (slot.frame | other | (junk & 0x140) | a | rights) >>> 0; // bits 6 and 8 are ignored in a PDE of a page table
        return (slot.frame | other | (junk & 0x100) | a | d | rights) >>> 0;
      });
  return fc.record({ entries: fc.tuple(...PG_SLOTS.map(entry)), wp: fc.boolean() });
}

// ---- static legalisation: flag reads, stack depth, branch targets ------------------

/** Flags that may be undefined after `p` (union over every count a CL shift could have). */
function staticEffect(p: Part): { read: number; written: number; undef: number } {
  if (p.mn === '') return { read: 0, written: 0, undef: 0 };
  if (p.count === 'cl') {
    let undef = 0;
    let read = 0;
    for (let c = 0; c < 32; c++) {
      const e = flagEffect(p.mn, p.size, c);
      undef |= e.undefined;
      read |= e.read;
    }
    return { read, written: 0, undef };
  }
  const e = flagEffect(p.mn, p.size, p.count ?? 0, p.repCount ?? -1);
  return { read: e.read, written: e.written, undef: e.undefined };
}

/** Assembly lines of a sequence body; labels `q<id>_<k>` for branch targets. */
export function bodyLines(seq: Sequence, id: string): string[] {
  const out: string[] = [];
  const n = seq.items.length;
  const merge = new Array<number>(n + 1).fill(0);
  const targets = new Array<boolean>(n + 1).fill(false);
  let maybe = 0;
  let depth = 0;
  let branchEnd = 0; // items before this index may be skipped by a branch
  for (let i = 0; i < n; i++) {
    if (targets[i]) {
      out.push(`q${id}_${i}:`);
      maybe |= merge[i];
    }
    const it = seq.items[i];
    // Stack: keep within the compared window, and never change depth on a path a branch may skip.
    let d = depth;
    let lo = depth;
    let hi = depth;
    for (const p of it.parts) {
      d += p.stack ?? 0;
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    if (d !== depth && i < branchEnd) continue;
    if (hi > MAX_PUSH || lo < -MAX_POP) continue;
    // ESP-relative accesses must stay inside the compared stack window.
    let ok = true;
    for (let k = 0, dd = depth; k < it.parts.length; k++) {
      const p = it.parts[k];
      const esp = STK_TOP - dd;
      if (p.esp && (esp + p.esp[0] < STK_WIN || esp + p.esp[1] > STK_WIN + STK_WIN_LEN)) ok = false;
      dd += p.stack ?? 0;
    }
    if (!ok) continue;
    depth = d;
    for (const p of it.parts) {
      const e = staticEffect(p);
      if ((e.read & maybe) !== 0) {
        out.push(seq.definers[i]);
        maybe = 0;
      }
      out.push(p.asm.replace('@', `q${id}_${Math.min(n, i + 1 + (it.skip ?? 0))}`));
      maybe = (maybe & ~e.written) | e.undef;
    }
    if (it.skip !== undefined) {
      const t = Math.min(n, i + 1 + it.skip);
      targets[t] = true;
      merge[t] |= maybe;
      branchEnd = Math.max(branchEnd, t);
    }
  }
  if (targets[n]) out.push(`q${id}_${n}:`);
  return out;
}

// ---- image ------------------------------------------------------------------------

/** Paged modes: the frame aliases and lengths of the halves of the boundary windows, in record order. */
function pgWindows(mode: Mode): [number, number][] {
  if (!paged(mode)) return [];
  return PG_BOUNDARIES.flatMap((b): [number, number][] => [
    [pgPhys(b - PG_WIN), PG_WIN],
    [pgPhys(b), PG_WIN],
  ]);
}

/**
 * Paged modes, once at start-up (ring 0, flat segments): build the page directory and
 * PT0, then set CR4.PSE, CR3 and CR0.PG (SDM Vol. 3 §4.3). The slot entries are
 * written again before every sequence (`pagingPrologue`).
 */
function pagingOn(L: (s: string) => void): void {
  // Fast A20 (port 92h bit 1; bit 0 would reset): the slots' frames lie above 1 MiB.
  L('  in al, 0x92\n  or al, 2\n  and al, 0xfe\n  out 0x92, al');
  L(`  mov edi, ${hex(PD)}`);
  L('  xor eax, eax');
  L(`  mov ecx, ${(PT2 + 0x1000 - PD) / 4}`);
  L('  rep stosd');
  L(`  mov dword [${hex(PD)}], ${hex(PT0 | 7)}`);
  // PDE 3: supervisor, writable 4 MiB identity page (PS = 1) through which the runtime reaches the PSE slot's frame.
  L(`  mov dword [${hex(PD + 12)}], ${hex(PG_ALIAS_4M | 0x83)}`);
  L(`  mov edi, ${hex(PT0)}`);
  L('  mov eax, 7');
  L('.pt0:');
  L('  stosd');
  L('  add eax, 0x1000');
  L(`  cmp edi, ${hex(PT0 + 0x1000)}`);
  L('  jb .pt0');
  L('  mov eax, cr4\n  or eax, 0x10\n  mov cr4, eax');
  L(`  mov eax, ${hex(PD)}\n  mov cr3, eax`);
  // CD and NW are set at reset (SDM Vol. 3 §9.1.1, Table 9-1: CR0 = 60000010H) and the
  // firmware that boots the QEMU image clears them; our CPU starts without firmware, so
  // the runtime clears them itself (CR0 is readable by the sequences here).
  L('  mov eax, cr0\n  and eax, 0x9fffffff\n  or eax, 0x80000000\n  mov cr0, eax');
}

/**
 * Paged modes, before each sequence (ring 0): write the slot entries, set CR0.WP, reload
 * CR3 so no translation of the previous sequence (or of these entries' old values)
 * survives (SDM Vol. 3 §4.10.4.1), and clear CR2 so the record shows only this
 * sequence's page fault.
 */
function pagingPrologue(seq: Sequence): string[] {
  const p = seq.paging;
  if (p === undefined) throw new Error('paged sequence without a paging setup');
  const out = PG_SLOTS.map((s, k) => `  mov dword [${hex(s.entry)}], ${hex(p.entries[k])}`);
  out.push('  mov eax, cr0', `  ${p.wp ? 'or eax, 0x10000' : 'and eax, ~0x10000'}`, '  mov cr0, eax');
  out.push('  mov eax, cr3', '  mov cr3, eax', '  xor eax, eax', '  mov cr2, eax');
  return out;
}

function runtime(mode: Mode): string {
  // Bitness of the runtime code (the v86 runtime is 32-bit ring-0 code, its sequences 16-bit).
  const b = bits16(mode) && mode !== 'v86' ? 16 : 32;
  // In v86 the handlers are entered with null data segments: address through SS until DS is reloaded.
  const sp = mode === 'v86' ? 'ss:' : '';
  const lines: string[] = [];
  const L = (s: string): void => {
    lines.push(s);
  };
  if (mode === 'real') {
    L('bits 16');
    L('start:');
    L('  cli');
    // Mask every PIC input: sequences may set IF (STI, POPF), and QEMU's timer must not interrupt.
    L('  mov al, 0xff\n  out 0x21, al\n  out 0xa1, al');
    L('  xor ax, ax');
    L('  mov ds, ax\n  mov es, ax\n  mov ss, ax\n  mov fs, ax\n  mov gs, ax');
    L(`  mov esp, ${hex(RT_STACK)}`);
    // Real-mode IVT entries for the exceptions a sequence can raise (SDM Vol. 3 §20.1.4).
    for (const v of [0, 1, 3, 4, 5, 6, 7, 12, 13]) {
      L(`  mov word [${v * 4}], vec${v}`);
      L(`  mov word [${v * 4 + 2}], 0x1000`);
    }
    // The IDTR both sides start from: the reset value is FFFFh (SDM Vol. 3 Table 9-1)
    // but the firmware that boots the QEMU image loads 3FFh; SIDT stores it.
    L('  o32 lidt [cs:rm_idt_desc]');
    L('  jmp s0');
    L('rm_idt_desc: dw 0x3ff');
    L('  dd 0');
  } else if (mode === 'pm' || mode === 'pg') {
    L('bits 16');
    L('start:');
    L('  cli');
    // Mask every PIC input: sequences may set IF (STI, POPF), and QEMU's timer must not interrupt.
    L('  mov al, 0xff\n  out 0x21, al\n  out 0xa1, al');
    L('  mov ax, 0x1000');
    L('  mov ds, ax');
    L('  lgdt [gdt_desc - 0x10000]');
    L('  mov eax, cr0');
    L('  or al, 1');
    L('  mov cr0, eax');
    L('  jmp dword 0x08:pm32');
    L('align 8');
    // Code descriptors start with the accessed bit set: see QEMU_WORKAROUNDS (qemu-code-accessed-bit).
    L('gdt: dq 0, 0x00CF9B000000FFFF, 0x00CF92000000FFFF');
    L('gdt_desc: dw 23');
    L('  dd gdt');
    L('idt_desc: dw 32*8-1');
    L(`  dd ${hex(IDT)}`);
    L('bits 32');
    L('pm32:');
    L('  mov ax, 0x10');
    L('  mov ds, ax\n  mov es, ax\n  mov ss, ax\n  mov fs, ax\n  mov gs, ax');
    L(`  mov esp, ${hex(RT_STACK)}`);
    for (let v = 0; v < 32; v++) {
      L(`  mov eax, vec${v}`);
      L(`  mov [${hex(IDT + v * 8)}], ax`);
      L(`  mov word [${hex(IDT + v * 8 + 2)}], 0x08`);
      L(`  mov word [${hex(IDT + v * 8 + 4)}], 0x8e00`);
      L('  shr eax, 16');
      L(`  mov [${hex(IDT + v * 8 + 6)}], ax`);
    }
    L('  lidt [idt_desc]');
    if (paged(mode)) pagingOn(L);
    L('  jmp s0');
  }
  if (mode === 'v86') {
    // Ring-0 runtime in a 32-bit code segment based at the image (so its offsets equal the
    // 16-bit sequences' offsets in V86 segment 0x1000), flat data, a TSS for the ring-0 stack.
    L('bits 16');
    L('start:');
    L('  cli');
    L('  mov al, 0xff\n  out 0x21, al\n  out 0xa1, al');
    L('  mov ax, 0x1000');
    L('  mov ds, ax');
    L('  lgdt [gdt_desc]');
    L('  mov eax, cr0');
    L('  or al, 1');
    L('  mov cr0, eax');
    L('  jmp dword 0x08:pm32');
    L('align 8');
    L(`gdt: dq 0, 0x00CF9B010000FFFF, 0x00CF92000000FFFF, 0x0000890000000067 | (${hex(TSS)} << 16)`);
    L('gdt_desc: dw 31');
    L(`  dd gdt + ${hex(CODE)}`);
    L('idt_desc: dw 32*8-1');
    L(`  dd ${hex(IDT)}`);
    L('bits 32');
    L('pm32:');
    L('  mov ax, 0x10');
    L('  mov ds, ax\n  mov es, ax\n  mov ss, ax\n  mov fs, ax\n  mov gs, ax');
    L(`  mov esp, ${hex(RT_STACK)}`);
    for (let v = 0; v < 32; v++) {
      L(`  mov eax, vec${v}`);
      L(`  mov [${hex(IDT + v * 8)}], ax`);
      L(`  mov word [${hex(IDT + v * 8 + 2)}], 0x08`);
      L(`  mov word [${hex(IDT + v * 8 + 4)}], 0x8e00`);
      L('  shr eax, 16');
      L(`  mov [${hex(IDT + v * 8 + 6)}], ax`);
    }
    L(`  mov dword [${hex(TSS + 4)}], ${hex(RT_STACK)}`);
    L(`  mov dword [${hex(TSS + 8)}], 0x10`);
    L(`  mov word [${hex(TSS + 0x66)}], 0x68`);
    L('  mov ax, 0x18');
    L('  ltr ax');
    L('  lidt [cs:idt_desc]');
    L('  jmp s0');
  }
  if (ring3(mode)) {
    // Flat protected mode with ring-3 code (0x1B) and data (0x23) segments and a TSS whose
    // ring-0 stack takes exception frames and the end-of-sequence INT 0x30 (a DPL 3 gate).
    L('bits 16');
    L('start:');
    L('  cli');
    // Mask every PIC input: sequences may set IF (STI, POPF), and QEMU's timer must not interrupt.
    L('  mov al, 0xff\n  out 0x21, al\n  out 0xa1, al');
    L('  mov ax, 0x1000');
    L('  mov ds, ax');
    L('  lgdt [gdt_desc - 0x10000]');
    L('  mov eax, cr0');
    L('  or al, 1');
    L('  mov cr0, eax');
    L('  jmp dword 0x08:pm32');
    L('align 8');
    L(`gdt: dq 0, 0x00CF9B000000FFFF, 0x00CF92000000FFFF, 0x00CFFB000000FFFF, 0x00CFF3000000FFFF, 0x0000890000000067 | (${hex(TSS)} << 16)`);
    L('gdt_desc: dw 47');
    L('  dd gdt');
    L(`idt_desc: dw ${0x31 * 8 - 1}`);
    L(`  dd ${hex(IDT)}`);
    L('bits 32');
    L('pm32:');
    L('  mov ax, 0x10');
    L('  mov ss, ax');
    L('  mov ax, 0x23');
    L('  mov ds, ax\n  mov es, ax\n  mov fs, ax\n  mov gs, ax');
    L(`  mov esp, ${hex(RT_STACK)}`);
    for (let v = 0; v <= 0x30; v++) {
      if (v >= 32 && v < 0x30) continue;
      L(`  mov eax, ${v === 0x30 ? 'capture' : `vec${v}`}`);
      L(`  mov [${hex(IDT + v * 8)}], ax`);
      L(`  mov word [${hex(IDT + v * 8 + 2)}], 0x08`);
      L(`  mov word [${hex(IDT + v * 8 + 4)}], ${v === 0x30 ? '0xee00' : '0x8e00'}`);
      L('  shr eax, 16');
      L(`  mov [${hex(IDT + v * 8 + 6)}], ax`);
    }
    L(`  mov dword [${hex(TSS + 4)}], ${hex(RT_STACK)}`);
    L(`  mov dword [${hex(TSS + 8)}], 0x10`);
    L(`  mov word [${hex(TSS + 0x66)}], 0x68`);
    L('  mov ax, 0x28');
    L('  ltr ax');
    L('  lidt [idt_desc]');
    if (paged(mode)) pagingOn(L);
    L('  jmp s0');
  }
  if (mode === 'pm16') {
    // Same as pm, but the code (this image, org 0) runs in a 16-bit code segment based at
    // 0x10000 and SS is a 16-bit data segment; interrupt gates are 32-bit gates into it.
    L('bits 16');
    L('start:');
    L('  cli');
    // Mask every PIC input: sequences may set IF (STI, POPF), and QEMU's timer must not interrupt.
    L('  mov al, 0xff\n  out 0x21, al\n  out 0xa1, al');
    L('  mov ax, 0x1000');
    L('  mov ds, ax');
    L('  lgdt [gdt_desc]');
    L('  mov eax, cr0');
    L('  or al, 1');
    L('  mov cr0, eax');
    L('  jmp 0x18:pm16');
    L('align 8');
    L('gdt: dq 0, 0x00CF9B000000FFFF, 0x00CF92000000FFFF, 0x00009B010000FFFF, 0x000092000000FFFF');
    L('gdt_desc: dw 39');
    L(`  dd gdt + ${hex(CODE)}`);
    L('idt_desc: dw 32*8-1');
    L(`  dd ${hex(IDT)}`);
    L('pm16:');
    L('  mov ax, 0x10');
    L('  mov ds, ax\n  mov es, ax\n  mov fs, ax\n  mov gs, ax');
    L('  mov ax, 0x20');
    L('  mov ss, ax');
    L(`  mov esp, ${hex(RT_STACK)}`);
    for (let v = 0; v < 32; v++) {
      L(`  mov word [${hex(IDT + v * 8)}], vec${v}`);
      L(`  mov word [${hex(IDT + v * 8 + 2)}], 0x18`);
      L(`  mov word [${hex(IDT + v * 8 + 4)}], 0x8e00`);
      L(`  mov word [${hex(IDT + v * 8 + 6)}], 0`);
    }
    L('  o32 lidt [cs:idt_desc]');
    L('  jmp s0');
  }
  const saveSregs = (): void => {
    ['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((sr, k) => L(`  mov [${hex(SAVE + 52 + 2 * k)}], ${sr}`));
  };
  // begin: EAX = memory seed, EBX = index, ECX = next sequence. Fills the buffer and the
  // stack window with xorshift32, clears the fault fields, then signals port 0xEA.
  L('begin:');
  L(`  mov [${hex(END)}], edx`);
  L(`  mov [${hex(SAVE)}], ebx`);
  L(`  mov [${hex(NEXT)}], ecx`);
  L(`  mov dword [${hex(SAVE + 4)}], 0`);
  L(`  mov dword [${hex(SAVE + 8)}], 0`);
  L(`  mov dword [${hex(SAVE + 12)}], 0`);
  // A sequence may have loaded ES, FS or GS: make them flat again.
  L(`  mov dx, ${ring3(mode) ? 0x23 : prot(mode) || mode === 'v86' ? 0x10 : 0}`);
  L('  mov es, dx\n  mov fs, dx\n  mov gs, dx');
  L('  cld');
  // Paged: the buffer and the boundary windows are written through their frames' identity aliases.
  L(`  mov edi, ${hex(paged(mode) ? pgPhys(BUF) : BUF)}`);
  L(`  mov ecx, ${BUF_LEN / 4}`);
  L('.f1:');
  L('  call xs');
  L('  stosd');
  L(`  ${b === 16 ? 'a32 ' : ''}loop .f1`);
  L(`  mov edi, ${hex(STK_WIN)}`);
  L(`  mov ecx, ${STK_WIN_LEN / 4}`);
  L('.f2:');
  L('  call xs');
  L('  stosd');
  L(`  ${b === 16 ? 'a32 ' : ''}loop .f2`);
  for (const [k, [a]] of pgWindows(mode).entries()) {
    L(`  mov edi, ${hex(a)}`);
    L(`  mov ecx, ${PG_WIN / 4}`);
    L(`.w${k}:`);
    L('  call xs');
    L('  stosd');
    L(`  loop .w${k}`);
  }
  L(`  out ${hex(PORT_MARK)}, al`);
  L('  ret');
  L('xs:');
  L('  mov edx, eax\n  shl edx, 13\n  xor eax, edx\n  mov edx, eax\n  shr edx, 17\n  xor eax, edx\n  mov edx, eax\n  shl edx, 5\n  xor eax, edx\n  ret');
  // Normal end of a sequence: save GPRs and EFLAGS without touching the stack window.
  L('capture:');
  if (ring3(mode)) {
    // Reached through INT 0x30 from ring 3: the frame (EIP CS EFLAGS ESP SS) is on the ring-0 stack.
    for (let r = 0; r < 8; r++) if (r !== 4) L(`  mov [${hex(SAVE + 16 + r * 4)}], ${R32[r]}`);
    saveSregs();
    L(`  pop dword [${hex(SCRATCH)}]`);
    L(`  pop dword [${hex(SCRATCH)}]`);
    L(`  pop dword [${hex(SAVE + 48)}]`);
    L(`  pop dword [${hex(SAVE + 32)}]`);
    L(`  pop dword [${hex(SCRATCH)}]`);
    L(`  mov esp, ${hex(RT_STACK)}`);
    L('  jmp emit');
  } else {
    for (let r = 0; r < 8; r++) L(`  mov [${hex(SAVE + 16 + r * 4)}], ${R32[r]}`);
    saveSregs();
    L(`  mov esp, ${hex(RT_STACK)}`);
    L('  pushfd');
    L(`  pop dword [${hex(SAVE + 48)}]`);
    L('  jmp emit');
  }
  // Exception stubs: note the vector (+1) and, for vectors with an error code, pop it.
  const errCode = new Set([8, 10, 11, 12, 13, 14, 17]);
  const vecs = mode === 'real' ? [0, 1, 3, 4, 5, 6, 7, 12, 13] : Array.from({ length: 32 }, (_, i) => i);
  for (const v of vecs) {
    L(`vec${v}:`);
    L(`  mov dword [${sp}${hex(SAVE + 4)}], ${v + 1}`);
    if (mode !== 'real' && errCode.has(v)) L(`  ${b === 16 ? 'o32 ' : ''}pop dword [${sp}${hex(SAVE + 12)}]`);
    L('  jmp fault_common');
  }
  L('fault_common:');
  for (let r = 0; r < 8; r++) if (r !== 4) L(`  mov [${sp}${hex(SAVE + 16 + r * 4)}], ${R32[r]}`);
  if (mode !== 'v86') saveSregs();
  if (mode === 'v86') {
    // Frame from V86 (SDM Vol. 3 §20.3.1.1): EIP CS EFLAGS ESP SS ES DS FS GS, on the ring-0 stack.
    L(`  pop dword [ss:${hex(SAVE + 8)}]`);
    for (const [k, slot] of [[1, 'cs'], [-1, 'eflags'], [-2, 'esp'], [2, 'ss'], [0, 'es'], [3, 'ds'], [4, 'fs'], [5, 'gs']] as [number, string][]) {
      if (slot === 'eflags') L(`  pop dword [ss:${hex(SAVE + 48)}]`);
      else if (slot === 'esp') L(`  pop dword [ss:${hex(SAVE + 32)}]`);
      else {
        L(`  pop dword [ss:${hex(SCRATCH)}]`);
        L(`  mov ax, [ss:${hex(SCRATCH)}]`);
        L(`  mov [ss:${hex(SAVE + 52 + 2 * k)}], ax`);
      }
    }
    L('  mov ax, 0x10');
    L('  mov ds, ax\n  mov es, ax\n  mov fs, ax\n  mov gs, ax');
    // The HLT that ends every sequence traps here as #GP(0): that is the normal end.
    L(`  cmp dword [${hex(SAVE + 4)}], 14`);
    L('  jne .fault');
    L(`  cmp dword [${hex(SAVE + 12)}], 0`);
    L('  jne .fault');
    L(`  mov eax, [${hex(SAVE + 8)}]`);
    L(`  cmp eax, [${hex(END)}]`);
    L('  jne .fault');
    L(`  mov dword [${hex(SAVE + 4)}], 0`);
    L(`  mov dword [${hex(SAVE + 8)}], 0`);
    L('.fault:');
  } else if (mode === 'real') {
    L(`  mov dword [${hex(SAVE + 48)}], 0`);
    L(`  pop word [${hex(SAVE + 8)}]`);
    L(`  pop word [${hex(SCRATCH)}]`);
    L(`  pop word [${hex(SAVE + 48)}]`);
    L(`  mov [${hex(SAVE + 32)}], esp`);
    // The pushed FLAGS may hold undefined flags: clear that slot of the stack window.
    L('  mov bx, sp');
    L('  mov word [bx-2], 0');
  } else if (ring3(mode)) {
    // From ring 3 the frame is on the ring-0 stack and ends with the old ESP and SS.
    L(`  pop dword [${hex(SAVE + 8)}]`);
    L(`  pop dword [${hex(SCRATCH)}]`);
    L(`  pop dword [${hex(SAVE + 48)}]`);
    L(`  pop dword [${hex(SAVE + 32)}]`);
    L(`  pop dword [${hex(SCRATCH)}]`);
  } else if (mode === 'pm16') {
    // 32-bit gate: EIP, CS, EFLAGS pushed as doublewords on the 16-bit stack.
    L(`  o32 pop dword [${hex(SAVE + 8)}]`);
    L(`  o32 pop dword [${hex(SCRATCH)}]`);
    L(`  o32 pop dword [${hex(SAVE + 48)}]`);
    L(`  mov [${hex(SAVE + 32)}], esp`);
    L('  mov bx, sp');
    L('  mov dword [bx-4], 0');
  } else {
    L(`  pop dword [${hex(SAVE + 8)}]`);
    L(`  pop dword [${hex(SCRATCH)}]`);
    L(`  pop dword [${hex(SAVE + 48)}]`);
    L(`  mov [${hex(SAVE + 32)}], esp`);
    L('  mov dword [esp-4], 0');
  }
  L(`  mov esp, ${hex(RT_STACK)}`);
  L('emit:');
  L('  cld');
  if (paged(mode)) L(`  mov eax, cr2\n  mov [${hex(PG_CR2)}], eax`);
  L('  mov dx, 0xe9');
  const pgOut: [number, number][] = paged(mode) ? [[PG_CR2, 4], ...PG_SLOTS.map((s): [number, number] => [s.entry, 4]), ...pgWindows(mode)] : [];
  for (const [a, n] of [[SAVE, HEADER], [paged(mode) ? pgPhys(BUF) : BUF, BUF_LEN], [STK_WIN, STK_WIN_LEN], ...pgOut]) {
    L(`  mov esi, ${hex(a)}`);
    L(`  mov ecx, ${n}`);
    L('  rep outsb');
  }
  L(`  jmp ${b === 16 ? 'word' : 'dword'} [${hex(NEXT)}]`);
  L('done:');
  L('  mov al, 0');
  L(`  out ${hex(PORT_EXIT)}, al`);
  L('.h:');
  L('  hlt');
  L('  jmp .h');
  return lines.join('\n');
}

/** NASM source of one batch image body (loaded at linear 0x10000, entered at 1000:0000). */
export function batchSource(mode: Mode, seqs: readonly Sequence[]): string {
  const out: string[] = [];
  out.push(flat32(mode) ? `org ${hex(CODE)}` : 'org 0');
  out.push('bits 16');
  out.push('  jmp near start');
  out.push('align 4');
  out.push(`seqtab: dd ${seqs.length}`);
  for (let i = 0; i < seqs.length; i++) out.push(`  dd b${i}, e${i}`);
  out.push(runtime(mode));
  out.push(bits16(mode) && mode !== 'v86' ? 'bits 16' : 'bits 32');
  seqs.forEach((s, i) => {
    out.push(`s${i}:`);
    out.push(`  mov eax, ${hex(s.memSeed)}`);
    out.push(`  mov ebx, ${i}`);
    out.push(`  mov ecx, ${i + 1 < seqs.length ? `s${i + 1}` : 'done'}`);
    if (mode === 'v86') out.push(`  mov edx, e${i}`);
    out.push('  call begin');
    if (paged(mode)) out.push(...pagingPrologue(s));
    if (mode === 'v86') {
      // Enter V86 with IRETD: GS FS DS ES SS ESP EFLAGS (VM, random IOPL) CS EIP (SDM Vol. 3 §20.2.5).
      out.push('  push dword 0', '  push dword 0', '  push dword 0', '  push dword 0', '  push dword 0', `  push dword ${hex(STK_TOP)}`);
      out.push(`  push dword ${hex(s.flags | 0x20000 | ((s.memSeed & 3) << 12))}`, '  push dword 0x1000', `  push dword b${i}`);
      for (let r = 0; r < 8; r++) if (r !== 4) out.push(`  mov ${R32[r]}, ${hex(s.regs[r])}`);
      out.push('  iretd', 'bits 16');
    } else if (ring3(mode)) {
      // Enter ring 3 with IRETD (SS:ESP, EFLAGS with a random IOPL, CS:EIP); INT 0x30 ends it.
      out.push('  push dword 0x23', `  push dword ${hex(STK_TOP)}`, `  push dword ${hex(s.flags | ((s.memSeed & 3) << 12))}`, '  push dword 0x1b', `  push dword b${i}`);
      for (let r = 0; r < 8; r++) if (r !== 4) out.push(`  mov ${R32[r]}, ${hex(s.regs[r])}`);
      out.push('  iretd');
    } else {
      out.push(`  push dword ${hex(s.flags)}`);
      out.push('  popfd');
      out.push(`  mov esp, ${hex(STK_TOP)}`);
      for (let r = 0; r < 8; r++) if (r !== 4) out.push(`  mov ${R32[r]}, ${hex(s.regs[r])}`);
    }
    out.push(`b${i}:`);
    for (const l of bodyLines(s, String(i))) out.push('  ' + l);
    out.push(`e${i}:`);
    if (mode === 'v86') out.push('  hlt', 'bits 32');
    else out.push(ring3(mode) ? '  int 0x30' : '  jmp capture');
  });
  return out.join('\n') + '\n';
}

function loaderSource(sectors: number): string {
  return `
bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7c00
  mov [drive], dl
.next:
  mov ax, [left]
  test ax, ax
  jz .go
  cmp ax, 64
  jbe .n
  mov ax, 64
.n:
  mov bx, ax
  mov [dap+2], ax
  sub [left], ax
  mov ah, 0x42
  mov dl, [drive]
  mov si, dap
  int 0x13
  jc .fail
  add [dap+8], bx
  shl bx, 5
  add [dap+6], bx
  jmp .next
.go:
  cli
  jmp 0x1000:0x0000
.fail:
  mov al, '!'
  out 0xe9, al
  mov al, 1
  out ${hex(PORT_EXIT)}, al
  hlt
drive: db 0
left: dw ${sectors}
align 4
dap: db 0x10, 0
  dw 0, 0, 0x1000
  dq 1
times 510-($-$$) db 0
dw 0xaa55
`;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, _stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(`${cmd} is not installed`));
      else if (err && err.killed) reject(new Error(`${cmd} timed out after ${timeoutMs} ms`));
      else resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr: String(stderr) });
    });
  });
}

async function assemble(dir: string, name: string, source: string): Promise<Uint8Array> {
  const src = join(dir, `${name}.asm`);
  const bin = join(dir, `${name}.bin`);
  writeFileSync(src, source);
  const r = await run('nasm', ['-f', 'bin', '-o', bin, src], 60_000);
  if (r.code !== 0) throw new Error(`nasm failed for ${src}: ${r.stderr}`);
  return new Uint8Array(readFileSync(bin));
}

/** Run a boot image in QEMU and return what the guest wrote to port 0xE9. */
async function runQemu(dir: string, name: string, body: Uint8Array): Promise<Uint8Array> {
  const sectors = Math.ceil(body.length / 512);
  const loader = await assemble(dir, `${name}-loader`, loaderSource(sectors));
  const img = new Uint8Array(Math.max(1 << 20, 512 * (sectors + 1)));
  img.set(loader, 0);
  img.set(body, 512);
  const imgPath = join(dir, `${name}.img`);
  const outPath = join(dir, `${name}.e9`);
  writeFileSync(imgPath, img);
  writeFileSync(outPath, new Uint8Array(0));
  const r = await run(
    'qemu-system-i386',
    ['-nodefaults', '-display', 'none', '-no-reboot', '-accel', 'tcg', '-cpu', 'pentium3', '-m', '16', '-debugcon', `file:${outPath}`, '-device', `isa-debug-exit,iobase=${hex(PORT_EXIT)},iosize=1`, '-drive', `file=${imgPath},format=raw,if=ide`],
    300_000,
  );
  // isa-debug-exit with value 0 makes QEMU exit with status 1: the expected way out.
  if (r.code !== 1) throw new Error(`qemu exited with ${String(r.code)}: ${r.stderr}`);
  return new Uint8Array(readFileSync(outPath));
}

// ---- our CPU ----------------------------------------------------------------------

export interface OurRun {
  out: Uint8Array;
  /** Per sequence: flags the SDM leaves undefined at the end (or at the fault). */
  undefMask: number[];
  /** Per sequence: EIPs of shifts, rotates and SHLD/SHRD with a memory destination that ran with a masked count of 0 (see qemu-zero-count-shift-store). */
  zeroShifts: number[][];
}

const SHIFT_MNS = new Set(['rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar', 'shld', 'shrd']);

/** Run the batch body on our CPU (model p6) and track undefined flags per sequence. */
export function runOurs(mode: Mode, body: Uint8Array): OurRun {
  // Paged modes map a 4 MiB page to 12 MiB: give our CPU the 16 MiB QEMU runs with.
  const memory = new PhysicalMemory(paged(mode) ? 16 << 20 : 2 << 20);
  const io = new IoBus();
  const clock = new VirtualClock(1e6);
  const chunks: Uint8Array[] = [];
  let cur = new Uint8Array(1 << 16);
  let len = 0;
  let marked = false;
  let exited = false;
  io.register('debug', 0xe9, 1, {
    write8: (_p, v) => {
      if (len === cur.length) {
        chunks.push(cur);
        cur = new Uint8Array(1 << 16);
        len = 0;
      }
      cur[len++] = v;
    },
  });
  const cpu = new Cpu({ model: 'p6', memory, io, clock });
  io.register('mark', PORT_MARK, 1, { write8: () => ((marked = true), (cpu.stopRequested = true)) });
  io.register('exit', PORT_EXIT, 1, { write8: () => ((exited = true), (cpu.stopRequested = true)) });
  cpu.reset();
  memory.writeBytes(CODE, body);
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = s === 1 ? 0x1000 : 0;
    cpu.segBase[s] = s === 1 ? CODE : 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13);
  }
  cpu.eip = 0;
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = dv.getUint32(4, true);
  const undefMask: number[] = [];
  const zeroShifts: number[][] = [];
  const tables = modelTables('p6');
  const d = new Decoded();
  let budget = 2_000_000_000;
  for (let i = 0; i < count; i++) {
    const b = dv.getUint32(8 + i * 8, true);
    const e = dv.getUint32(12 + i * 8, true);
    marked = false;
    while (!marked && !exited && !cpu.halted && budget > 0) budget -= cpu.run(1 << 20);
    if (!marked) throw new Error(`our CPU stopped before sequence ${i} (eip ${hex(cpu.eip)}, halted ${String(cpu.halted)}, triple fault ${String(cpu.tripleFaulted)})`);
    for (let k = 0; cpu.eip !== b; k++) {
      if (k > 200) throw new Error(`our CPU did not reach sequence ${i}`);
      cpu.run(1);
    }
    let mask = 0;
    const zero: number[] = [];
    for (let k = 0; cpu.eip !== e; k++) {
      if (k > 10_000) throw new Error(`sequence ${i} does not finish on our CPU`);
      const at = cpu.eip;
      decode(tables, cpu, at, d);
      let eff = { written: 0, undefined: 0 };
      if (d.fault === DecodeFault.None) {
        const s = d.spec;
        const cnt = s.mn === 'shld' || s.mn === 'shrd' ? s.args[2] : s.args[1];
        const count = cnt === '1' ? 1 : cnt === 'CL' ? cpu.r[1] & 0xff : d.imm & 0xff;
        const repCount = d.rep !== 0 ? (d.a32 ? cpu.r[1] >>> 0 : cpu.r[1] & 0xffff) : -1;
        eff = flagEffect(s.mn, d.size[0] || 1, count, repCount);
        if (SHIFT_MNS.has(s.mn) && d.kind[0] === K.Mem && (count & 31) === 0) zero.push(at);
      }
      cpu.run(1);
      // Left the block other than by a branch inside it: an exception stub took over.
      if (cpu.eip !== at && (cpu.eip < b || cpu.eip > e)) break;
      mask = (mask & ~eff.written) | eff.undefined;
    }
    undefMask.push(mask);
    zeroShifts.push(zero);
  }
  while (!exited && !cpu.halted && budget > 0) budget -= cpu.run(1 << 20);
  chunks.push(cur.subarray(0, len));
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { out, undefMask, zeroShifts };
}

// ---- comparison -----------------------------------------------------------------------

export interface SeqRecord {
  index: number;
  fault: number;
  faultEip: number;
  faultErr: number;
  regs: number[];
  eflags: number;
  /** ES, CS, SS, DS, FS, GS. */
  sregs: number[];
  buf: Uint8Array;
  stack: Uint8Array;
  /** Paged modes: CR2, the PG_SLOTS entries, and the bytes of the boundary windows (PG_BOUNDARIES order, 32 below and 32 above each). */
  pg?: { cr2: number; entries: number[]; mem: Uint8Array };
}

export function parseRecord(out: Uint8Array, i: number, mode: Mode = 'pm'): SeqRecord | undefined {
  const size = recordSize(mode);
  const at = i * size;
  if (at + size > out.length) return undefined;
  const dv = new DataView(out.buffer, out.byteOffset + at, size);
  const u = (o: number): number => dv.getUint32(o, true);
  const pg = paged(mode)
    ? { cr2: u(RECORD), entries: PG_SLOTS.map((_, k) => u(RECORD + 4 + 4 * k)), mem: out.subarray(at + RECORD + 4 + 4 * PG_SLOTS.length, at + size) }
    : undefined;
  return {
    ...(pg ? { pg } : {}),
    index: u(0),
    fault: u(4),
    faultEip: u(8),
    faultErr: u(12),
    regs: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => u(16 + r * 4)),
    eflags: u(48),
    sregs: [0, 1, 2, 3, 4, 5].map((k) => dv.getUint16(52 + 2 * k, true)),
    buf: out.subarray(at + HEADER, at + HEADER + BUF_LEN),
    stack: out.subarray(at + HEADER + BUF_LEN, at + RECORD),
  };
}

/** A documented QEMU deviation: matched differences are counted as explained, not failures. */
export interface KnownDifference {
  id: string;
  /** What QEMU does differently, with the hardware reference. */
  explanation: string;
  citation: string;
  /** Field names this deviation may affect; `applies` decides for one sequence. */
  applies(ctx: DiffContext): boolean;
}

export interface DiffContext {
  mode: Mode;
  seq: Sequence;
  ours: SeqRecord;
  theirs: SeqRecord;
  /** Names of the differing fields ('eax', 'eflags', 'buf+0x12', 'stack+0x3c', 'fault', …). */
  fields: string[];
  undefMask: number;
  /** EIPs of memory shifts our CPU ran with a masked count of 0 (OurRun.zeroShifts). */
  zeroShifts: number[];
  /** Disassembly of the sequence as our decoder sees it. */
  code: string[];
  /** The image bytes at an address (EIP in real mode is CS-relative), up to 16. */
  bytesAt(eip: number): Uint8Array;
}

const UD = 6 + 1; // record fault field: vector + 1

/** Opcode and ModRM reg field of the instruction at `eip`, prefixes skipped. */
function opcodeAt(ctx: DiffContext, eip: number): { op: number; reg: number } {
  const b = ctx.bytesAt(eip);
  let i = 0;
  while (i < b.length && [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(b[i])) i++;
  return { op: b[i] ?? -1, reg: ((b[i + 1] ?? 0) >> 3) & 7 };
}

const PF = 14 + 1; // record fault field of a page fault

/**
 * QEMU deviations found by this test, each with a citation. Empty means every
 * difference found so far was our bug and has been fixed.
 */
export const QEMU_DIFFERENCES: KnownDifference[] = [
  {
    id: 'qemu-test-alias-ud',
    explanation:
      'QEMU 7.2 raises #UD for F6 /1 and F7 /1; Intel processors execute them as TEST r/m, imm (the same as /0). ' +
      'Our CPU executes TEST on every model. The sequence stops comparing at that instruction (QEMU enters the #UD stub).',
    citation:
      'Hardware vectors: /work/shared/conformance/cpu/80286/v1_real_mode/F6.1.jsonl.gz and F7.1.jsonl.gz (and 8086/v1 F6.1, F7.1) record real CPUs executing ' +
      '"test byte [bx+0Ah],13h" for F6 /1. The SDM opcode map (Vol. 2 Table A-6, group 3) leaves /1 blank rather than listing it as #UD.',
    applies: (ctx) => {
      // Our CPU executes the alias, so if it faults at all it is at a later instruction.
      if (ctx.theirs.fault !== UD || (ctx.ours.fault !== 0 && ctx.ours.faultEip <= ctx.theirs.faultEip)) return false;
      const { op, reg } = opcodeAt(ctx, ctx.theirs.faultEip);
      return (op === 0xf6 || op === 0xf7) && reg === 1;
    },
  },
  {
    id: 'qemu-no-data-segment-checks',
    explanation:
      'QEMU (TCG) does not check data-segment accesses in protected mode against the cached descriptor: with a null selector or a ' +
      'read-only (code) selector in ES/FS/GS it performs the access with base 0, where the processor raises #GP(0). ' +
      'Our CPU raises #GP(0); QEMU runs on, so the sequence is compared only up to that instruction.',
    citation:
      'Intel SDM Vol. 2, e.g. STOS/MOV "Protected Mode Exceptions": #GP(0) "If the destination is located in a non-writable segment", ' +
      '"If the DS, ES, FS, or GS register is used to access memory and it contains a NULL segment selector"; Vol. 3 §5.4 (null selectors) and §5.5 (type checking).',
    applies: (ctx) => {
      const { ours, theirs } = ctx;
      if (!prot(ctx.mode) || ours.fault !== 13 + 1 || ours.faultErr !== 0) return false;
      // QEMU ran past our faulting instruction: no fault, or one further on, or (paged
      // modes) a page fault on this very access, which it went on to translate.
      const pastIt = theirs.fault === 0 || theirs.faultEip > ours.faultEip || (theirs.fault === PF && theirs.faultEip === ours.faultEip);
      if (!pastIt) return false;
      // ES, FS or GS held a null or a code-segment selector (0x08; 0x18 is the ring-3 code
      // segment in pm3/pg3, and beyond the GDT limit in the other flat modes) when our CPU faulted.
      return [0, 4, 5].some((k) => [0, 0x08, 0x18].includes(ours.sregs[k] & 0xfffc));
    },
  },
  {
    id: 'qemu-zero-count-shift-store',
    explanation:
      'QEMU 7.2 stores the destination of a shift or rotate (and of SHLD/SHRD) with a memory operand even when the masked count is 0: ' +
      'it sets the dirty flag of the page, and raises #PF (W/R = 1) on a page it may read but not write. The instruction does nothing with a count of 0, ' +
      'so our CPU reads the operand (limit and page checks, accessed flag) but does not write it: no dirty flag, no write fault.',
    citation:
      'Intel SDM Vol. 2B, SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR "Operation": DEST is assigned only inside the WHILE (tempCOUNT ≠ 0) loop; ' +
      'SHLD/SHRD "Operation": "IF (COUNT = 0) THEN No operation". Vol. 3A §4.8: the dirty flag is set "whenever there is a write to a linear address".',
    applies: (ctx) => {
      const { ours, theirs } = ctx;
      if (ctx.zeroShifts.length === 0) return false;
      // QEMU's store faulted where our CPU went on.
      if (theirs.fault === PF && (theirs.faultErr & 2) !== 0 && ctx.zeroShifts.includes(theirs.faultEip)) return ours.fault === 0 || ours.faultEip > theirs.faultEip;
      // Otherwise only dirty flags that QEMU set and our CPU did not.
      if (!ours.pg || !theirs.pg) return false;
      return ctx.fields.every((f) => {
        const k = PG_SLOTS.findIndex((s) => pgEntryName(s) === f);
        return k >= 0 && (ours.pg?.entries[k] ?? 0) + 0x40 === (theirs.pg?.entries[k] ?? 0) && PG_SLOTS[k].kind !== 'pde';
      });
    },
  },
  {
    id: 'qemu-fault-flags-materialised',
    explanation:
      'QEMU 7.2 (TCG) converts its lazy condition codes into EFLAGS (changing the recorded flag state) before the memory access of RCL/RCR m and SETcc m; ' +
      'when that access faults, it restores the previous instruction\'s lazy-flag state but not the overwritten operands, so the exception frame gets garbage EFLAGS ' +
      '(e.g. 0x406 after `cmp dh, 0x59`, or SF set and ZF clear after `cmp edi, edi`). Our CPU pushes the flags as they were before the faulting instruction. ' +
      'Only the saved EFLAGS of that one fault differ.',
    citation:
      'Intel SDM Vol. 3A §6.5 (Exception Classifications): for a fault "the processor restores the machine state to the state prior to the beginning of execution of the faulting instruction"; ' +
      '§6.12.1: the handler\'s stack holds that EFLAGS.',
    applies: (ctx) => {
      const { ours, theirs } = ctx;
      if (ours.fault === 0 || ours.fault !== theirs.fault || ours.faultEip !== theirs.faultEip || ours.faultErr !== theirs.faultErr) return false;
      if (!ctx.fields.every((f) => f === 'eflags')) return false;
      const b = ctx.bytesAt(ours.faultEip);
      let i = 0;
      while (i < b.length && [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(b[i])) i++;
      const modrm = b[i] === 0x0f ? (b[i + 2] ?? 0) : (b[i + 1] ?? 0);
      if ((modrm >> 6) === 3) return false;
      const rclRcr = [0xc0, 0xc1, 0xd0, 0xd1, 0xd2, 0xd3].includes(b[i]) && [2, 3].includes((modrm >> 3) & 7);
      const setcc = b[i] === 0x0f && (b[i + 1] ?? 0) >= 0x90 && (b[i + 1] ?? 0) <= 0x9f;
      return rclRcr || setcc;
    },
  },
  {
    id: 'qemu-int1-ud',
    explanation:
      'QEMU 7.2 (-cpu pentium3) raises #UD for F1 (INT1/ICEBP); the processor delivers a debug trap (vector 1) with the address of the next instruction, which is what our CPU does from the 80386 on.',
    citation: 'Intel SDM Vol. 2A, "INT n/INTO/INT3/INT1—Call to Interrupt Procedure": opcode F1 is INT1, "Generate debug trap".',
    applies: (ctx) => ctx.theirs.fault === UD && ctx.ours.fault === 1 + 1 && opcodeAt(ctx, ctx.theirs.faultEip).op === 0xf1,
  },
];

/**
 * QEMU bugs that would corrupt QEMU's state beyond one sequence (so they cannot
 * be masked per sequence): the generator avoids triggering them, and says how.
 * Each was reproduced with a directed sequence and checked against the SDM.
 */
export const QEMU_WORKAROUNDS: readonly { id: string; explanation: string; citation: string; workaround: string }[] = [
  {
    id: 'qemu-cmpxchg8b-stale-flags',
    explanation:
      'QEMU 7.2 (TCG) CMPXCHG8B rebuilds EFLAGS from a stale condition-code state when a flag-writing instruction precedes it in the same translation block: ' +
      'after `cmp ebp, esi; cmpxchg8b [m]` EFLAGS became 0x2468aca2 (ESI bits, reserved bits 5/13/15/22+ set) instead of the CMP flags with ZF replaced. ' +
      'The garbage can leave reserved EFLAGS bits stuck in later sequences.',
    citation: 'Intel SDM Vol. 2A, CMPXCHG8B/CMPXCHG16B, "Flags Affected": ZF is set if the operands are equal, else cleared; CF, PF, AF, SF and OF are unaffected. Vol. 1 §3.4.3: bits 3, 5, 15, 22–31 of EFLAGS are reserved (0).',
    workaround: 'the generator emits `jmp short $+2` before every CMPXCHG8B, which ends the QEMU translation block; our CPU is still checked on the instruction itself.',
  },
  {
    id: 'qemu-code-accessed-bit',
    explanation:
      'QEMU 7.2 does not set the accessed bit of a code-segment descriptor when it loads CS (far JMP into protected mode, interrupt gates); ' +
      'it does for data segments. LAR of the code selector then returned access byte 9A where our CPU (and the processor) give 9B.',
    citation:
      'Intel SDM Vol. 3A §3.4.5.1 (Code- and Data-Segment Descriptor Types): the processor sets the accessed bit whenever it loads a segment selector for the segment into a segment register.',
    workaround: 'the runtime GDTs are built with the accessed bit already set in the code descriptors (9B), so both sides read the same descriptor.',
  },
];

export function diffFields(a: SeqRecord, b: SeqRecord, undefMask: number): string[] {
  const f: string[] = [];
  if (a.index !== b.index) f.push('index');
  if (a.fault !== b.fault) f.push('fault');
  if (a.faultEip !== b.faultEip) f.push('faultEip');
  if (a.faultErr !== b.faultErr) f.push('faultErr');
  for (let r = 0; r < 8; r++) if (a.regs[r] !== b.regs[r]) f.push(R32[r]);
  if (((a.eflags ^ b.eflags) & ~undefMask) !== 0) f.push('eflags');
  for (let k = 0; k < 6; k++) if (a.sregs[k] !== b.sregs[k]) f.push(SREG[k]);
  for (let k = 0; k < BUF_LEN; k++) if (a.buf[k] !== b.buf[k]) f.push(`buf+${hex(k)}`);
  for (let k = 0; k < STK_WIN_LEN; k++) if (a.stack[k] !== b.stack[k]) f.push(`stack+${hex(k)}`);
  if (a.pg && b.pg) {
    if (a.pg.cr2 !== b.pg.cr2) f.push('cr2');
    PG_SLOTS.forEach((s, k) => {
      if (a.pg?.entries[k] !== b.pg?.entries[k]) f.push(pgEntryName(s));
    });
    for (let k = 0; k < a.pg.mem.length; k++) if (a.pg.mem[k] !== b.pg.mem[k]) f.push(`mem@${hex(pgWindowLinear(k))}`);
  }
  return f;
}

/** Field name of a slot entry: the PTE or PDE of the linear address it maps. */
function pgEntryName(s: PgSlot): string {
  return `${s.kind === 'pte' ? 'pte' : 'pde'}@${hex(s.lin)}`;
}

/** Linear address of byte `k` of the record's boundary windows. */
function pgWindowLinear(k: number): number {
  return PG_BOUNDARIES[Math.floor(k / (2 * PG_WIN))] - PG_WIN + (k % (2 * PG_WIN));
}

/** Our disassembly of sequence `i` of a batch body. */
export function disassembleSequence(mode: Mode, body: Uint8Array, i: number): string[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const b = dv.getUint32(8 + i * 8, true);
  const e = dv.getUint32(12 + i * 8, true);
  const base = flat32(mode) ? CODE : 0;
  const lines: string[] = [];
  for (let at = b; at < e; ) {
    const bytes = body.subarray(at - base, at - base + 16);
    const r = disassembleBytes(bytes, 'p6', at, !bits16(mode));
    lines.push(`${at.toString(16).padStart(5, '0')}  ${Array.from(bytes.subarray(0, r.length), (x) => x.toString(16).padStart(2, '0')).join(' ').padEnd(30)} ${r.text}`);
    at += Math.max(1, r.length);
  }
  return lines;
}

export interface Difference {
  mode: Mode;
  batch: number;
  index: number;
  fields: string[];
  explainedBy?: string;
  report: string;
}

export interface BatchResult {
  sequences: number;
  faults: number;
  differences: Difference[];
}

function describe(ctx: DiffContext, batch: number, seed: number): string {
  const { ours, theirs, seq } = ctx;
  const lines: string[] = [];
  const L = (s: string): void => {
    lines.push(s);
  };
  L(`${ctx.mode} batch ${batch} sequence ${ours.index} (seed ${seed}): ${ctx.fields.slice(0, 12).join(', ')}${ctx.fields.length > 12 ? ', …' : ''}`);
  L(`  initial: ${seq.regs.map((v, r) => (r === 4 ? `esp=${hex(STK_TOP)}` : `${R32[r]}=${hex(v)}`)).join(' ')} eflags=${hex(seq.flags | 2)} memSeed=${hex(seq.memSeed)}`);
  L('  code:');
  for (const c of ctx.code) L('    ' + c);
  L(`  undefined flags at the end: ${hex(ctx.undefMask)}`);
  const row = (name: string, a: number, b: number): void => L(`  ${name.padEnd(8)} ours ${hex(a).padEnd(11)} qemu ${hex(b)}${a !== b ? '   <—' : ''}`);
  row('fault', ours.fault, theirs.fault);
  if (ours.fault || theirs.fault) {
    row('faultEip', ours.faultEip, theirs.faultEip);
    row('faultErr', ours.faultErr, theirs.faultErr);
  }
  for (let r = 0; r < 8; r++) row(R32[r], ours.regs[r], theirs.regs[r]);
  row('eflags', ours.eflags, theirs.eflags);
  for (let k = 0; k < 6; k++) if (ours.sregs[k] !== theirs.sregs[k]) row(SREG[k], ours.sregs[k], theirs.sregs[k]);
  if (ours.pg && theirs.pg) {
    row('cr2', ours.pg.cr2, theirs.pg.cr2);
    L(`  CR0.WP ${ctx.seq.paging?.wp ? 1 : 0}; entries at the start: ${PG_SLOTS.map((s, k) => `${pgEntryName(s)}=${hex(ctx.seq.paging?.entries[k] ?? 0)}`).join(' ')}`);
    PG_SLOTS.forEach((s, k) => row(pgEntryName(s), ours.pg?.entries[k] ?? 0, theirs.pg?.entries[k] ?? 0));
    const pgMem = ctx.fields.filter((f) => f.startsWith('mem@'));
    if (pgMem.length) L(`  paged memory differs at ${pgMem.slice(0, 16).join(' ')}`);
    for (const f of pgMem.slice(0, 8)) {
      const lin = Number(f.slice(4));
      const b = PG_BOUNDARIES.findIndex((x) => lin >= x - PG_WIN && lin < x + PG_WIN);
      const k = b * 2 * PG_WIN + (lin - PG_BOUNDARIES[b] + PG_WIN);
      L(`    ${f}: ours ${hex(ours.pg.mem[k])} qemu ${hex(theirs.pg.mem[k])}`);
    }
  }
  const mem = ctx.fields.filter((f) => f.startsWith('buf') || f.startsWith('stack'));
  if (mem.length) {
    L(`  memory differs at ${mem.slice(0, 16).join(' ')}`);
    for (const f of mem.slice(0, 8)) {
      const [win, off] = f.split('+');
      const k = Number(off);
      const a = win === 'buf' ? ours.buf : ours.stack;
      const t = win === 'buf' ? theirs.buf : theirs.stack;
      L(`    ${f} (${hex((win === 'buf' ? BUF : STK_WIN) + k)}): ours ${hex(a[k])} qemu ${hex(t[k])}`);
    }
  }
  return lines.join('\n');
}

/** Generate, assemble, run on both sides and compare one batch. */
export async function runBatch(opts: { mode: Mode; seed: number; batch: number; size: number; dir: string }): Promise<BatchResult> {
  const { mode, seed, batch, size, dir } = opts;
  const seqs = fc.sample(sequenceArb(mode), { seed: (seed + batch * 7919) | 0, numRuns: size });
  const name = `${mode}-${seed}-${batch}`;
  const body = await assemble(dir, name, batchSource(mode, seqs));
  if (bits16(mode) && body.length > 0xff00) throw new Error(`batch ${batch} is ${body.length} bytes: too big for one real-mode segment, use a smaller --batch`);
  const theirsP = runQemu(dir, name, body);
  let ours: OurRun;
  try {
    ours = runOurs(mode, body);
  } catch (e) {
    // Let QEMU finish before the caller removes the directory it works in.
    await theirsP.catch(() => undefined);
    throw e;
  }
  const theirs = await theirsP;
  const result: BatchResult = { sequences: 0, faults: 0, differences: [] };
  for (let i = 0; i < seqs.length; i++) {
    const a = parseRecord(ours.out, i, mode);
    const t = parseRecord(theirs, i, mode);
    if (a === undefined || t === undefined) {
      result.differences.push({ mode, batch, index: i, fields: ['missing'], report: `${mode} batch ${batch}: ${a ? 'QEMU' : 'our CPU'} produced only ${Math.floor((a ? theirs : ours.out).length / recordSize(mode))} of ${seqs.length} records` });
      break;
    }
    result.sequences++;
    if (a.fault) result.faults++;
    const fields = diffFields(a, t, ours.undefMask[i]);
    if (fields.length === 0) continue;
    const base = flat32(mode) ? CODE : 0;
    const ctx: DiffContext = {
      mode,
      seq: seqs[i],
      ours: a,
      theirs: t,
      fields,
      undefMask: ours.undefMask[i],
      zeroShifts: ours.zeroShifts[i],
      code: disassembleSequence(mode, body, i),
      bytesAt: (eip) => body.subarray(Math.max(0, eip - base), Math.max(0, eip - base) + 16),
    };
    const known = QEMU_DIFFERENCES.find((k) => k.applies(ctx));
    result.differences.push({ mode, batch, index: i, fields, explainedBy: known?.id, report: describe(ctx, batch, seed) });
  }
  return result;
}

export interface DiffSummary {
  sequences: number;
  faults: number;
  unexplained: Difference[];
  explained: Difference[];
  ms: number;
}

/** Run `count` sequences (alternating real-mode and protected-mode batches). */
export async function differential(opts: { seed: number; count: number; modes?: Mode[]; batch?: number; jobs?: number; keep?: string; onBatch?: (done: number, s: DiffSummary) => void }): Promise<DiffSummary> {
  const modes = opts.modes ?? MODES;
  const size = opts.batch ?? 400;
  const jobs = Math.max(1, opts.jobs ?? Math.max(1, cpus().length));
  const dir = opts.keep ?? mkdtempSync(join(tmpdir(), 'cpu-qemu-diff-'));
  if (opts.keep) mkdirSync(opts.keep, { recursive: true });
  const t0 = performance.now();
  const nb = Math.ceil(opts.count / size);
  const summary: DiffSummary = { sequences: 0, faults: 0, unexplained: [], explained: [], ms: 0 };
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < nb) {
      const b = next++;
      const n = Math.min(size, opts.count - b * size);
      const mode = modes[b % modes.length];
      let r: BatchResult;
      try {
        r = await runBatch({ mode, seed: opts.seed, batch: b, size: n, dir });
      } catch (e) {
        // A batch that cannot be run to the end on one side is a difference too; keep its source.
        const name = `${mode}-${opts.seed}-${b}`;
        const keepDir = join(tmpdir(), 'cpu-qemu-diff-failed');
        mkdirSync(keepDir, { recursive: true });
        try {
          writeFileSync(join(keepDir, `${name}.asm`), readFileSync(join(dir, `${name}.asm`)));
        } catch {
          // the source was not written yet
        }
        const msg = e instanceof Error ? e.message : String(e);
        r = { sequences: 0, faults: 0, differences: [{ mode, batch: b, index: -1, fields: ['batch'], report: `${mode} batch ${b} (seed ${opts.seed}) failed: ${msg} (source kept in ${keepDir}/${name}.asm)` }] };
      }
      summary.sequences += r.sequences;
      summary.faults += r.faults;
      for (const d of r.differences) (d.explainedBy ? summary.explained : summary.unexplained).push(d);
      done++;
      opts.onBatch?.(done, summary);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, nb) }, () => worker()));
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
  summary.ms = performance.now() - t0;
  return summary;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
  };
  const seed = Number(opt('seed', '1'));
  const count = Number(opt('count', '100000'));
  const modeArg = opt('mode', 'all');
  const modes: Mode[] = modeArg === 'all' ? [...MODES] : [modeArg as Mode];
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || !modes.every((m) => MODES.includes(m))) {
    process.stderr.write('usage: cpu-qemu-diff [--seed N] [--count N] [--mode real|pm|pm16|pm3|v86|pg|pg3|all] [--batch N] [--jobs N] [--keep DIR] [--show N]\n');
    process.exitCode = 2;
    return;
  }
  const keep = opt('keep', '');
  const s = await differential({
    seed,
    count,
    modes,
    batch: Number(opt('batch', '400')),
    jobs: Number(opt('jobs', String(cpus().length))),
    keep: keep || undefined,
    onBatch: (done, sum) => {
      if (done % 10 === 0) process.stderr.write(`  ${sum.sequences} sequences, ${sum.unexplained.length} unexplained differences\n`);
    },
  });
  const show = Number(opt('show', '3'));
  for (const d of s.unexplained.slice(0, show)) process.stdout.write(`DIFF ${d.report}\n\n`);
  const byId = new Map<string, number>();
  for (const d of s.explained) byId.set(d.explainedBy ?? '', (byId.get(d.explainedBy ?? '') ?? 0) + 1);
  process.stdout.write(
    `seed ${seed}: ${s.sequences} sequences (${modes.join('+')}), ${s.faults} ended in an exception, ${s.unexplained.length} unexplained differences, ${s.explained.length} explained${byId.size ? ` (${[...byId].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''} (${(s.ms / 1000).toFixed(1)} s)\n`,
  );
  if (s.unexplained.length > 0 || s.sequences < count) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 3;
  });
}
