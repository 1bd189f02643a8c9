/**
 * MMX on the pentium2 model: every packed operation against a per-lane BigInt
 * reference written from the SDM Vol. 2 instruction pages, and the aliasing
 * on the x87 registers (SDM Vol. 1 §9.5: TOP = 0, tags valid, exponent all
 * ones; EMMS empties the tags).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nasm, realMachine, runToHalt, type TestMachine } from '../helpers.js';

const A = 0x600;
const B = 0x608;
const OUT = 0x700;

function read64(m: TestMachine, a: number): bigint {
  return BigInt(m.memory.read32(a) >>> 0) | (BigInt(m.memory.read32(a + 4) >>> 0) << 32n);
}
function write64(m: TestMachine, a: number, v: bigint): void {
  m.memory.write32(a, Number(v & 0xffffffffn));
  m.memory.write32(a + 4, Number(v >> 32n));
}

function lanes(v: bigint, w: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < 64 / w; i++) out.push((v >> BigInt(i * w)) & ((1n << BigInt(w)) - 1n));
  return out;
}
function join(xs: bigint[], w: number): bigint {
  return xs.reduce((acc, x, i) => acc | ((x & ((1n << BigInt(w)) - 1n)) << BigInt(i * w)), 0n);
}
const s = (x: bigint, w: number): bigint => BigInt.asIntN(w, x);
const clamp = (x: bigint, lo: bigint, hi: bigint): bigint => (x < lo ? lo : x > hi ? hi : x);
const lane = (w: number, fn: (a: bigint, b: bigint) => bigint) => (a: bigint, b: bigint): bigint => join(lanes(a, w).map((x, i) => fn(x, lanes(b, w)[i])), w);
const sMin = (w: number): bigint => -(1n << BigInt(w - 1));
const sMax = (w: number): bigint => (1n << BigInt(w - 1)) - 1n;
const uMax = (w: number): bigint => (1n << BigInt(w)) - 1n;

const REF: Record<string, (a: bigint, b: bigint) => bigint> = {
  paddb: lane(8, (a, b) => a + b),
  paddw: lane(16, (a, b) => a + b),
  paddd: lane(32, (a, b) => a + b),
  psubb: lane(8, (a, b) => a - b),
  psubw: lane(16, (a, b) => a - b),
  psubd: lane(32, (a, b) => a - b),
  paddsb: lane(8, (a, b) => clamp(s(a, 8) + s(b, 8), sMin(8), sMax(8))),
  paddsw: lane(16, (a, b) => clamp(s(a, 16) + s(b, 16), sMin(16), sMax(16))),
  psubsb: lane(8, (a, b) => clamp(s(a, 8) - s(b, 8), sMin(8), sMax(8))),
  psubsw: lane(16, (a, b) => clamp(s(a, 16) - s(b, 16), sMin(16), sMax(16))),
  paddusb: lane(8, (a, b) => clamp(a + b, 0n, uMax(8))),
  paddusw: lane(16, (a, b) => clamp(a + b, 0n, uMax(16))),
  psubusb: lane(8, (a, b) => clamp(a - b, 0n, uMax(8))),
  psubusw: lane(16, (a, b) => clamp(a - b, 0n, uMax(16))),
  pcmpeqb: lane(8, (a, b) => (a === b ? -1n : 0n)),
  pcmpeqw: lane(16, (a, b) => (a === b ? -1n : 0n)),
  pcmpeqd: lane(32, (a, b) => (a === b ? -1n : 0n)),
  pcmpgtb: lane(8, (a, b) => (s(a, 8) > s(b, 8) ? -1n : 0n)),
  pcmpgtw: lane(16, (a, b) => (s(a, 16) > s(b, 16) ? -1n : 0n)),
  pcmpgtd: lane(32, (a, b) => (s(a, 32) > s(b, 32) ? -1n : 0n)),
  pmullw: lane(16, (a, b) => s(a, 16) * s(b, 16)),
  pmulhw: lane(16, (a, b) => (s(a, 16) * s(b, 16)) >> 16n),
  pmaddwd: (a, b) => {
    const x = lanes(a, 16).map((v) => s(v, 16));
    const y = lanes(b, 16).map((v) => s(v, 16));
    return join([x[0] * y[0] + x[1] * y[1], x[2] * y[2] + x[3] * y[3]], 32);
  },
  pand: (a, b) => a & b,
  pandn: (a, b) => ~a & b & uMax(64),
  por: (a, b) => a | b,
  pxor: (a, b) => a ^ b,
  packsswb: (a, b) => join([...lanes(a, 16), ...lanes(b, 16)].map((v) => clamp(s(v, 16), sMin(8), sMax(8))), 8),
  packssdw: (a, b) => join([...lanes(a, 32), ...lanes(b, 32)].map((v) => clamp(s(v, 32), sMin(16), sMax(16))), 16),
  packuswb: (a, b) => join([...lanes(a, 16), ...lanes(b, 16)].map((v) => clamp(s(v, 16), 0n, uMax(8))), 8),
  punpcklbw: (a, b) => join(lanes(a, 8).slice(0, 4).flatMap((x, i) => [x, lanes(b, 8)[i]]), 8),
  punpcklwd: (a, b) => join(lanes(a, 16).slice(0, 2).flatMap((x, i) => [x, lanes(b, 16)[i]]), 16),
  punpckldq: (a, b) => join([lanes(a, 32)[0], lanes(b, 32)[0]], 32),
  punpckhbw: (a, b) => join(lanes(a, 8).slice(4).flatMap((x, i) => [x, lanes(b, 8)[i + 4]]), 8),
  punpckhwd: (a, b) => join(lanes(a, 16).slice(2).flatMap((x, i) => [x, lanes(b, 16)[i + 2]]), 16),
  punpckhdq: (a, b) => join([lanes(a, 32)[1], lanes(b, 32)[1]], 32),
};

const shiftRef = (w: number, kind: 'l' | 'rl' | 'ra') => (a: bigint, n: bigint): bigint =>
  join(
    lanes(a, w).map((x) => {
      if (kind === 'ra') return s(x, w) >> (n > BigInt(w - 1) ? BigInt(w - 1) : n);
      if (n >= BigInt(w)) return 0n;
      return kind === 'l' ? x << n : x >> n;
    }),
    w,
  );
const SHIFTS: Record<string, (a: bigint, n: bigint) => bigint> = {
  psllw: shiftRef(16, 'l'),
  pslld: shiftRef(32, 'l'),
  psllq: shiftRef(64, 'l'),
  psrlw: shiftRef(16, 'rl'),
  psrld: shiftRef(32, 'rl'),
  psrlq: shiftRef(64, 'rl'),
  psraw: shiftRef(16, 'ra'),
  psrad: shiftRef(32, 'ra'),
};

/** One program per mnemonic: register-register form into OUT, memory form into OUT+8. */
function program(mn: string): Uint8Array {
  return nasm(`bits 16\norg 0x1000
    movq mm0, [${A}]
    movq mm3, [${B}]
    ${mn} mm0, mm3
    movq [${OUT}], mm0
    movq mm1, [${A}]
    ${mn} mm1, [${B}]
    movq [${OUT + 8}], mm1
    emms
    hlt`);
}

const u64 = fc.bigInt(0n, (1n << 64n) - 1n);
/** Lanes biased towards saturation boundaries. */
const edgy = fc.array(fc.constantFrom(0x00n, 0x7fn, 0x80n, 0xffn, 0x01n, 0xfen), { minLength: 8, maxLength: 8 }).map((b) => join(b, 8));

describe('MMX packed operations', () => {
  for (const mn of Object.keys(REF)) {
    it(`${mn} (register and memory source) matches the per-lane reference`, () => {
      const code = program(mn);
      fc.assert(
        fc.property(fc.oneof(u64, edgy), fc.oneof(u64, edgy), (a, b) => {
          const m = realMachine('pentium2', code, 0x1000, 1 << 20);
          write64(m, A, a);
          write64(m, B, b);
          runToHalt(m, 1000);
          const want = REF[mn](a, b) & uMax(64);
          return read64(m, OUT) === want && read64(m, OUT + 8) === want;
        }),
        { numRuns: 20 },
      );
    });
  }

  for (const mn of Object.keys(SHIFTS)) {
    it(`${mn} by register and by immediate, counts past the lane width included`, () => {
      fc.assert(
        fc.property(u64, fc.integer({ min: 0, max: 70 }), (a, n) => {
          const m = realMachine('pentium2', nasm(`bits 16\norg 0x1000
            movq mm2, [${A}]
            movq mm5, [${B}]
            ${mn} mm2, mm5
            movq [${OUT}], mm2
            movq mm2, [${A}]
            ${mn} mm2, ${n & 0xff}
            movq [${OUT + 8}], mm2
            hlt`), 0x1000, 1 << 20);
          write64(m, A, a);
          write64(m, B, BigInt(n));
          runToHalt(m, 1000);
          const want = SHIFTS[mn](a, BigInt(n)) & uMax(64);
          return read64(m, OUT) === want && read64(m, OUT + 8) === want;
        }),
        { numRuns: 10 },
      );
    });
  }

  it('MOVD zero-extends into MMX and stores the low doubleword to a GPR', () => {
    const m = realMachine('pentium2', nasm(`bits 16\norg 0x1000
      mov eax, 0x89abcdef
      movd mm4, eax
      movq [${OUT}], mm4
      movq mm4, [${A}]
      movd ebx, mm4
      movd [${OUT + 8}], mm4
      hlt`));
    write64(m, A, 0x1122334455667788n);
    runToHalt(m, 1000);
    expect(read64(m, OUT)).toBe(0x89abcdefn);
    expect(m.cpu.r[3] >>> 0).toBe(0x55667788);
    expect(m.memory.read32(OUT + 8) >>> 0).toBe(0x55667788);
  });
});

describe('MMX aliasing on the x87 registers (SDM Vol. 1 §9.5)', () => {
  it('an MMX write sets TOP = 0, all tags valid and the exponent to all ones; EMMS empties the tags', () => {
    const m = realMachine('pentium2', nasm(`bits 16\norg 0x1000
      fninit
      fld1                 ; TOP = 7
      movq mm2, [${A}]
      fxsave [0x2000]
      fnstsw ax
      mov [${OUT}], ax
      fld1                 ; push onto a full register file after MMX: overflow
      fnstsw ax
      mov [${OUT + 2}], ax
      fninit
      movq mm7, [${A}]
      emms
      fxsave [0x2200]
      fninit
      movq mm3, [${A}]
      fxch st3             ; ST3 = physical 3 (TOP = 0) = MM3 viewed as x87 (a push would overflow: all tags valid)
      fstp tword [${OUT + 16}]
      hlt`));
    write64(m, A, 0x0123456789abcdefn);
    runToHalt(m, 1000);
    expect((m.memory.read16(OUT) >> 11) & 7).toBe(0);
    expect(m.memory.read8(0x2004)).toBe(0xff); // abridged tag: all in use
    expect(m.memory.read16(0x2000 + 32 + 2 * 16 + 8)).toBe(0xffff); // MM2's sign/exponent
    expect(m.memory.read16(OUT + 2) & 0x41).toBe(0x41); // stack overflow
    expect(m.memory.read8(0x2204)).toBe(0x00); // EMMS: all empty
    expect(read64(m, OUT + 16)).toBe(0x0123456789abcdefn);
    expect(m.memory.read16(OUT + 24)).toBe(0xffff);
  });

  it('MMX instructions raise a pending x87 exception first (#MF with CR0.NE)', () => {
    const m = realMachine('pentium2', nasm(`bits 16\norg 0x1000
      mov word [16*4], mf
      mov word [16*4+2], 0
      mov eax, cr0
      or al, 0x20
      mov cr0, eax
      fninit
      fldcw [cw]
      fld1
      fldz
      fdivp st1, st0
      paddb mm0, mm0
      hlt
      mf:
        mov byte [${OUT}], 1
        hlt
      cw: dw 0x037b`));
    runToHalt(m, 1000);
    expect(m.memory.read8(OUT)).toBe(1);
  });
});
