/**
 * MMX instructions (SDM Vol. 1 Chapter 9, Vol. 2 instruction pages): packed
 * integer operations on the 64-bit MM registers, which alias the x87 data
 * registers' significands. Every MMX instruction sets TOP = 0 and tags all
 * registers valid; writes also set the register's sign and exponent bits to
 * ones; EMMS empties all tags (SDM Vol. 1 §9.5, Table 9-2). MMX instructions
 * are #UD with CR0.EM, #NM with CR0.TS, and report a pending x87 exception
 * first (#MF / FERR#) like any waiting x87 instruction.
 */
import { K, type Decoded } from '../decoder.js';
import type { Cpu } from '../cpu.js';
import { enter, Gate } from './x87-semantics.js';
import { readBytes, writeBytes } from './x87-images.js';

type SemFn = (c: Cpu, d: Decoded) => void;

const M64 = (1n << 64n) - 1n;

/** Source operand i as 64 bits (a 32-bit memory operand for the PUNPCKL forms is zero-extended). */
function src(c: Cpu, d: Decoded, i: number): bigint {
  if (d.kind[i] === K.Mm) return c.fpu.mmx(d.regNo[i]);
  if (d.kind[i] === K.Imm) return BigInt(d.imm & 0xff);
  if (d.size[i] === 4) return BigInt(c.read32(d.eaSeg, d.ea) >>> 0);
  const b = readBytes(c, d.eaSeg, d.ea, 8);
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
  return v;
}

function lanes(v: bigint, w: number): number[] {
  const n = 64 / w;
  const out = new Array<number>(n);
  const m = (1n << BigInt(w)) - 1n;
  for (let i = 0; i < n; i++) out[i] = Number((v >> BigInt(i * w)) & m);
  return out;
}

function join(xs: readonly number[], w: number): bigint {
  let v = 0n;
  const m = (1n << BigInt(w)) - 1n;
  for (let i = xs.length - 1; i >= 0; i--) v = (v << BigInt(w)) | (BigInt(Math.trunc(xs[i])) & m);
  return v;
}

function signed(x: number, w: number): number {
  return x >= 2 ** (w - 1) ? x - 2 ** w : x;
}

function sat(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** dest ← fn(dest, src) over the whole 64 bits. */
function op64(fn: (a: bigint, b: bigint) => bigint): SemFn {
  return (c, d) => {
    if (!enter(c, d, Gate.Mmx)) return;
    const s = c.fpu;
    const b = src(c, d, 1);
    s.mmxEnter();
    const n = d.regNo[0];
    s.setMmx(n, fn(s.mmx(n), b) & M64);
  };
}

/** Lane-wise: fn(a, b) on unsigned lane values of width w (the function applies any signedness). */
function lanewise(w: number, fn: (a: number, b: number) => number): SemFn {
  return op64((a, b) => {
    const x = lanes(a, w);
    const y = lanes(b, w);
    return join(
      x.map((v, i) => fn(v, y[i])),
      w,
    );
  });
}

const wrapAdd = (w: number) => lanewise(w, (a, b) => a + b);
const wrapSub = (w: number) => lanewise(w, (a, b) => a - b);
const satSigned = (w: number, sign: number) => lanewise(w, (a, b) => sat(signed(a, w) + sign * signed(b, w), -(2 ** (w - 1)), 2 ** (w - 1) - 1));
const satUnsigned = (w: number, sign: number) => lanewise(w, (a, b) => sat(a + sign * b, 0, 2 ** w - 1));
const cmpEq = (w: number) => lanewise(w, (a, b) => (a === b ? 2 ** w - 1 : 0));
const cmpGt = (w: number) => lanewise(w, (a, b) => (signed(a, w) > signed(b, w) ? 2 ** w - 1 : 0));

/** PACKSSWB/PACKSSDW/PACKUSWB: dest lanes then source lanes, narrowed with saturation. */
function pack(w: number, unsigned: boolean): SemFn {
  return op64((a, b) => {
    const n = w / 2;
    const lo = unsigned ? 0 : -(2 ** (n - 1));
    const hi = unsigned ? 2 ** n - 1 : 2 ** (n - 1) - 1;
    const all = [...lanes(a, w), ...lanes(b, w)].map((v) => sat(signed(v, w), lo, hi));
    return join(all, n);
  });
}

/** PUNPCKLxx / PUNPCKHxx: interleave the low or high halves of dest and source. */
function unpack(w: number, high: boolean): SemFn {
  return op64((a, b) => {
    const x = lanes(a, w);
    const y = lanes(b, w);
    const half = x.length / 2;
    const out: number[] = [];
    for (let i = 0; i < half; i++) out.push(x[i + (high ? half : 0)], y[i + (high ? half : 0)]);
    return join(out, w);
  });
}

/** Shifts by a count from an MM register, memory or imm8; counts past the lane width give 0 or the sign fill. */
function shift(w: number, kind: 'l' | 'rl' | 'ra'): SemFn {
  return op64((a, countBig) => {
    const count = countBig > 64n ? 64 : Number(countBig);
    if (w === 64) {
      if (count > 63) return 0n;
      return kind === 'l' ? a << BigInt(count) : a >> BigInt(count);
    }
    return join(
      lanes(a, w).map((v) => {
        if (kind === 'ra') return Math.floor(signed(v, w) / 2 ** Math.min(count, w - 1));
        if (count >= w) return 0;
        return kind === 'l' ? v * 2 ** count : Math.floor(v / 2 ** count);
      }),
      w,
    );
  });
}

const pmullw = lanewise(16, (a, b) => (signed(a, 16) * signed(b, 16)) & 0xffff);
const pmulhw = lanewise(16, (a, b) => Math.floor((signed(a, 16) * signed(b, 16)) / 65536) & 0xffff);
const pmaddwd = op64((a, b) => {
  const x = lanes(a, 16).map((v) => signed(v, 16));
  const y = lanes(b, 16).map((v) => signed(v, 16));
  return join([x[0] * y[0] + x[1] * y[1], x[2] * y[2] + x[3] * y[3]].map((v) => (v < 0 ? v + 2 ** 32 : v) % 2 ** 32), 32);
});

/** MOVD/MOVQ in every direction. */
const movd: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Mmx)) return;
  const s = c.fpu;
  if (d.kind[0] === K.Mm) {
    const v = c.rd(d, 1) >>> 0;
    s.mmxEnter();
    s.setMmx(d.regNo[0], BigInt(v));
  } else {
    const v = Number(s.mmx(d.regNo[1]) & 0xffffffffn);
    c.wr(d, 0, v);
    s.mmxEnter();
  }
};

const movq: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Mmx)) return;
  const s = c.fpu;
  if (d.kind[0] === K.Mm) {
    const v = src(c, d, 1);
    s.mmxEnter();
    s.setMmx(d.regNo[0], v);
  } else if (d.kind[0] === K.Mem) {
    const v = s.mmx(d.regNo[1]);
    const bytes: number[] = [];
    for (let k = 0; k < 8; k++) bytes.push(Number((v >> BigInt(8 * k)) & 0xffn));
    writeBytes(c, d.eaSeg, d.ea, bytes);
    s.mmxEnter();
  }
};

const emms: SemFn = (c, d) => {
  if (!enter(c, d, Gate.Mmx)) return;
  c.fpu.top = 0;
  c.fpu.empty = 0xff;
};

export const MMX_SEMANTICS: { [mn: string]: SemFn } = {
  movd,
  movq,
  emms,
  paddb: wrapAdd(8),
  paddw: wrapAdd(16),
  paddd: wrapAdd(32),
  psubb: wrapSub(8),
  psubw: wrapSub(16),
  psubd: wrapSub(32),
  paddsb: satSigned(8, 1),
  paddsw: satSigned(16, 1),
  psubsb: satSigned(8, -1),
  psubsw: satSigned(16, -1),
  paddusb: satUnsigned(8, 1),
  paddusw: satUnsigned(16, 1),
  psubusb: satUnsigned(8, -1),
  psubusw: satUnsigned(16, -1),
  pcmpeqb: cmpEq(8),
  pcmpeqw: cmpEq(16),
  pcmpeqd: cmpEq(32),
  pcmpgtb: cmpGt(8),
  pcmpgtw: cmpGt(16),
  pcmpgtd: cmpGt(32),
  packsswb: pack(16, false),
  packssdw: pack(32, false),
  packuswb: pack(16, true),
  punpcklbw: unpack(8, false),
  punpcklwd: unpack(16, false),
  punpckldq: unpack(32, false),
  punpckhbw: unpack(8, true),
  punpckhwd: unpack(16, true),
  punpckhdq: unpack(32, true),
  pmullw,
  pmulhw,
  pmaddwd,
  pand: op64((a, b) => a & b),
  pandn: op64((a, b) => ~a & b),
  por: op64((a, b) => a | b),
  pxor: op64((a, b) => a ^ b),
  psllw: shift(16, 'l'),
  pslld: shift(32, 'l'),
  psllq: shift(64, 'l'),
  psrlw: shift(16, 'rl'),
  psrld: shift(32, 'rl'),
  psrlq: shift(64, 'rl'),
  psraw: shift(16, 'ra'),
  psrad: shift(32, 'ra'),
};
