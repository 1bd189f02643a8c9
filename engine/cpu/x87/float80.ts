/**
 * The x87 80-bit double-extended floating-point format and its exact
 * arithmetic (SDM Vol. 1 §4.2.2, §4.8, §8.1.5).
 *
 * A value is { sign, exp, mant }: the 15-bit biased exponent and the 64-bit
 * significand with its explicit integer bit J (bit 63). Every basic operation
 * (add, subtract, multiply, divide, square root, remainder, scale, round to
 * integer and the conversions) is computed exactly on BigInt significands and
 * then rounded once by `roundPack`, which honours the rounding control (RC),
 * the precision control (PC: 24, 53 or 64 significand bits) and the target
 * format's exponent range, and reports the exceptions it raises. So results
 * are bit-exact IEEE 754 double-extended results, not approximations.
 *
 * Choices where the SDM leaves freedom or is silent, made once here:
 *   - Tininess is detected before rounding (SDM Vol. 1 §4.9.1.5); a masked
 *     underflow is only reported when the denormalised result is also inexact.
 *   - A result rounded to a precision P narrower than 64 bits keeps the extended
 *     exponent range (precision control only shortens the significand, §8.1.5.2),
 *     and a denormal result keeps the P-bit grid: its unit is 2^(−16382−(P−1)),
 *     as in a P-bit format with the extended exponent range (the reading of
 *     IEEE 754-1985 §4.3 that QEMU's softfloat shares; see the QEMU differential).
 *   - With two NaN operands the one with the larger significand wins, the first
 *     operand on a tie (Table 4-7); the result is always quiet.
 *   - C1 reports "rounded up" as "the significand was incremented" (magnitude grew).
 *
 * Transcendental functions live in `transcendental.ts`; they are not exact.
 */

/** Exception flag bits, in status-word order (SDM Vol. 1 §8.1.3). */
export const IE = 0x01;
export const DE = 0x02;
export const ZE = 0x04;
export const OE = 0x08;
export const UE = 0x10;
export const PE = 0x20;
export const SF = 0x40;

export interface F80 {
  readonly sign: number;
  /** Biased exponent, 0..0x7FFF. */
  readonly exp: number;
  /** 64-bit significand including the explicit integer bit. */
  readonly mant: bigint;
}

/** Per-operation rounding environment and the exceptions (and C1) it produced. */
export class FpCtx {
  /** Rounding control 0 = nearest even, 1 = down, 2 = up, 3 = toward zero. */
  rc = 0;
  /** Significand precision of arithmetic results (24, 53 or 64). */
  prec = 64;
  /** Exception masks (FCW bits 0–5): a set bit means masked. */
  masks = 0x3f;
  /** Exceptions raised. */
  flags = 0;
  /** The last rounding incremented the significand. */
  c1 = false;

  masked(bit: number): boolean {
    return (this.masks & bit) !== 0;
  }

  reset(): void {
    this.flags = 0;
    this.c1 = false;
  }
}

const M64 = (1n << 64n) - 1n;
const J = 1n << 63n;
const QBIT = 1n << 62n;

export const EXT_BIAS = 16383;
const EXT_EMIN = -16382;
const EXT_EMAX = 16383;
/** Exponent adjustment of the masked-off over/underflow response for register results (SDM Vol. 1 §4.9.1.4–5). */
const WRAP = 24576;

export function make(sign: number, exp: number, mant: bigint): F80 {
  return { sign: sign & 1, exp: exp & 0x7fff, mant: mant & M64 };
}

export const ZERO: F80 = make(0, 0, 0n);
export const NEG_ZERO: F80 = make(1, 0, 0n);
export const ONE: F80 = make(0, EXT_BIAS, J);
export const INF: F80 = make(0, 0x7fff, J);
/** The QNaN floating-point indefinite (SDM Vol. 1 Table 4-3). */
export const INDEFINITE: F80 = make(1, 0x7fff, 0xc000000000000000n);

export function isNaN80(a: F80): boolean {
  return a.exp === 0x7fff && (a.mant & J) !== 0n && (a.mant & ~J & M64) !== 0n;
}
export function isSNaN(a: F80): boolean {
  return isNaN80(a) && (a.mant & QBIT) === 0n;
}
export function isInf(a: F80): boolean {
  return a.exp === 0x7fff && a.mant === J;
}
export function isZero(a: F80): boolean {
  return a.exp === 0 && a.mant === 0n;
}
/** Denormal or pseudo-denormal (exponent 0, non-zero significand). */
export function isDenormal(a: F80): boolean {
  return a.exp === 0 && a.mant !== 0n;
}
/**
 * Unsupported encodings since the 387: unnormals, pseudo-infinities and pseudo-NaNs
 * (exponent non-zero, J clear). They are invalid operands (SDM Vol. 1 §8.2.2).
 */
export function isUnsupported(a: F80): boolean {
  return a.exp !== 0 && (a.mant & J) === 0n;
}

export function neg(a: F80): F80 {
  return make(a.sign ^ 1, a.exp, a.mant);
}
export function abs(a: F80): F80 {
  return make(0, a.exp, a.mant);
}
export function quiet(a: F80): F80 {
  return make(a.sign, a.exp, a.mant | QBIT);
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** A finite non-zero value as m · 2^e (m > 0). */
interface Exact {
  sign: number;
  m: bigint;
  e: number;
}

function unpack(a: F80): Exact {
  const e = (a.exp === 0 ? EXT_EMIN : a.exp - EXT_BIAS) - 63;
  return { sign: a.sign, m: a.mant, e };
}

/** A target format for rounding: significand bits, exponent range and denormal grid. */
export interface Format {
  readonly prec: number;
  readonly emin: number;
  readonly emax: number;
  /** Exponent of the smallest denormal's unit. */
  readonly lsbMin: number;
}
export const F32: Format = { prec: 24, emin: -126, emax: 127, lsbMin: -149 };
export const F64: Format = { prec: 53, emin: -1022, emax: 1023, lsbMin: -1074 };
const EXT_FORMATS = new Map<number, Format>();
export function extFormat(prec: number): Format {
  let f = EXT_FORMATS.get(prec);
  if (f === undefined) {
    f = { prec, emin: EXT_EMIN, emax: EXT_EMAX, lsbMin: EXT_EMIN - (prec - 1) };
    EXT_FORMATS.set(prec, f);
  }
  return f;
}
export const EXT64 = extFormat(64);

/**
 * Round sign · (m · 2^e + sticky) to `fmt` under ctx.rc, encoded as an F80
 * (exactly representable in the target format). `sticky` says non-zero bits
 * lie below m's unit; callers supply at least two bits beyond the target
 * precision so the sticky bit never straddles the rounding point.
 * `wrap`: the result goes to a register, so unmasked over/underflow deliver
 * the exponent-wrapped value (SDM Vol. 1 §4.9.1.4); for memory formats the
 * caller does not store on an unmasked exception.
 */
export function roundPack(sign: number, m: bigint, e: number, sticky: boolean, fmt: Format, ctx: FpCtx, wrap = true): F80 {
  if (m === 0n) {
    if (!sticky) return sign ? NEG_ZERO : ZERO;
    // Only a sticky remainder: stand it in as one unit far below the grid.
    m = 1n;
    e = fmt.lsbMin - 8;
    sticky = false;
  }
  let E = e + bitLength(m) - 1;
  let wrapped = 0;
  const tiny = E < fmt.emin;
  if (tiny) {
    if (!ctx.masked(UE) && wrap) {
      // Unmasked underflow: deliver the significand rounded as a normal number, exponent + 24576.
      ctx.flags |= UE;
      e += WRAP;
      E += WRAP;
      wrapped = -WRAP;
    } else if (!ctx.masked(UE)) ctx.flags |= UE;
  }
  const lsb = Math.max(E - (fmt.prec - 1), wrapped !== 0 ? -Infinity : fmt.lsbMin);
  const drop = lsb - e;
  let q: bigint;
  let inexact: boolean;
  let up = false;
  if (drop > 0) {
    const d = BigInt(drop);
    q = m >> d;
    const rest = m & ((1n << d) - 1n);
    const half = 1n << (d - 1n);
    inexact = rest !== 0n || sticky;
    const roundBit = rest >= half;
    const below = (rest & (half - 1n)) !== 0n || sticky;
    up = roundsUp(ctx.rc, sign, inexact, roundBit, below, (q & 1n) !== 0n);
  } else {
    q = m << BigInt(-drop);
    inexact = sticky;
    up = roundsUp(ctx.rc, sign, inexact, false, sticky, (q & 1n) !== 0n);
  }
  if (up) q += 1n;
  ctx.c1 = up;
  if (inexact) {
    ctx.flags |= PE;
    if (tiny && wrapped === 0 && ctx.masked(UE)) ctx.flags |= UE;
  }
  if (q === 0n) return sign ? NEG_ZERO : ZERO;
  const qbits = bitLength(q);
  const Er = lsb + qbits - 1;
  if (Er > fmt.emax) {
    ctx.flags |= OE;
    if (ctx.masked(OE) || !wrap) {
      ctx.flags |= PE;
      return overflowResult(sign, fmt, ctx);
    }
    return encodeExt(sign, q, lsb - WRAP, qbits);
  }
  return encodeExt(sign, q, lsb + wrapped, qbits);
}

function roundsUp(rc: number, sign: number, inexact: boolean, roundBit: boolean, below: boolean, odd: boolean): boolean {
  if (!inexact) return false;
  switch (rc) {
    case 0:
      return roundBit && (below || odd);
    case 1:
      return sign === 1;
    case 2:
      return sign === 0;
    default:
      return false;
  }
}

/** Masked overflow response (SDM Vol. 1 §4.9.1.4 Table 4-10): ∞ or the largest finite value by RC and sign. */
function overflowResult(sign: number, fmt: Format, ctx: FpCtx): F80 {
  const toInf = ctx.rc === 0 || (ctx.rc === 1 && sign === 1) || (ctx.rc === 2 && sign === 0);
  ctx.c1 = toInf;
  if (toInf) return sign ? neg(INF) : INF;
  const p = BigInt(fmt.prec);
  const q = (1n << p) - 1n;
  return encodeExt(sign, q, fmt.emax - fmt.prec + 1, fmt.prec);
}

/** Encode sign · q · 2^lsb (q with `qbits` bits) as an extended value; the exponent fits. */
function encodeExt(sign: number, q: bigint, lsb: number, qbits: number): F80 {
  const E = lsb + qbits - 1;
  if (E >= EXT_EMIN) {
    const shift = 64 - qbits;
    const mant = shift >= 0 ? q << BigInt(shift) : q >> BigInt(-shift);
    return make(sign, E + EXT_BIAS, mant);
  }
  return make(sign, 0, q << BigInt(lsb - (EXT_EMIN - 63)));
}

// ---- special operands --------------------------------------------------------------------

/** The NaN result of an operation with NaN operands (Table 4-7), raising IE for a signalling one. */
function nanResult(a: F80, b: F80 | undefined, ctx: FpCtx): F80 {
  if (isSNaN(a) || (b !== undefined && isSNaN(b))) ctx.flags |= IE;
  if (b === undefined || !isNaN80(b)) return quiet(a);
  if (!isNaN80(a)) return quiet(b);
  const ma = a.mant | QBIT;
  const mb = b.mant | QBIT;
  return quiet(mb > ma ? b : a);
}

function invalid(ctx: FpCtx): F80 {
  ctx.flags |= IE;
  return INDEFINITE;
}

/** Common operand screening of a two-operand operation; a result when it is decided already. */
function screen2(a: F80, b: F80, ctx: FpCtx): F80 | undefined {
  if (isUnsupported(a) || isUnsupported(b)) return invalid(ctx);
  if (isNaN80(a) || isNaN80(b)) return nanResult(a, b, ctx);
  if (isDenormal(a) || isDenormal(b)) ctx.flags |= DE;
  return undefined;
}

function screen1(a: F80, ctx: FpCtx): F80 | undefined {
  if (isUnsupported(a)) return invalid(ctx);
  if (isNaN80(a)) return nanResult(a, undefined, ctx);
  if (isDenormal(a)) ctx.flags |= DE;
  return undefined;
}

function arithFormat(ctx: FpCtx): Format {
  return extFormat(ctx.prec);
}

// ---- arithmetic ---------------------------------------------------------------------------

export function add(a: F80, b: F80, ctx: FpCtx): F80 {
  const s = screen2(a, b, ctx);
  if (s !== undefined) return s;
  if (isInf(a) || isInf(b)) {
    if (isInf(a) && isInf(b) && a.sign !== b.sign) return invalid(ctx);
    return isInf(a) ? a : b;
  }
  const za = isZero(a);
  const zb = isZero(b);
  if (za && zb) return a.sign === b.sign ? a : ctx.rc === 1 ? NEG_ZERO : ZERO;
  if (za || zb) {
    const x = unpack(za ? b : a);
    return roundPack(x.sign, x.m, x.e, false, arithFormat(ctx), ctx);
  }
  let x = unpack(a);
  let y = unpack(b);
  const ex = x.e + bitLength(x.m);
  const ey = y.e + bitLength(y.m);
  if (ex < ey) [x, y] = [y, x];
  const top = Math.max(ex, ey);
  // A far smaller operand only matters as a sticky bit: replace it by one unit well below
  // every possible rounding point of the result (it stays < 1/4 ulp either way).
  if (y.e + bitLength(y.m) < top - 140) y = { sign: y.sign, m: 1n, e: top - 200 };
  const e = Math.min(x.e, y.e);
  const mx = x.m << BigInt(x.e - e);
  const my = y.m << BigInt(y.e - e);
  let m = (x.sign ? -mx : mx) + (y.sign ? -my : my);
  if (m === 0n) return ctx.rc === 1 ? NEG_ZERO : ZERO;
  let sign = 0;
  if (m < 0n) {
    sign = 1;
    m = -m;
  }
  return roundPack(sign, m, e, false, arithFormat(ctx), ctx);
}

export function sub(a: F80, b: F80, ctx: FpCtx): F80 {
  if (isNaN80(b)) return add(a, b, ctx);
  return add(a, neg(b), ctx);
}

export function mul(a: F80, b: F80, ctx: FpCtx): F80 {
  const s = screen2(a, b, ctx);
  if (s !== undefined) return s;
  const sign = a.sign ^ b.sign;
  if (isInf(a) || isInf(b)) {
    if (isZero(a) || isZero(b)) return invalid(ctx);
    return make(sign, 0x7fff, J);
  }
  if (isZero(a) || isZero(b)) return sign ? NEG_ZERO : ZERO;
  const x = unpack(a);
  const y = unpack(b);
  return roundPack(sign, x.m * y.m, x.e + y.e, false, arithFormat(ctx), ctx);
}

export function div(a: F80, b: F80, ctx: FpCtx): F80 {
  const s = screen2(a, b, ctx);
  if (s !== undefined) return s;
  const sign = a.sign ^ b.sign;
  if (isInf(a)) return isInf(b) ? invalid(ctx) : make(sign, 0x7fff, J);
  if (isInf(b)) return sign ? NEG_ZERO : ZERO;
  if (isZero(b)) {
    if (isZero(a)) return invalid(ctx);
    ctx.flags |= ZE;
    return make(sign, 0x7fff, J);
  }
  if (isZero(a)) return sign ? NEG_ZERO : ZERO;
  const x = unpack(a);
  const y = unpack(b);
  // Quotient with at least 70 significant bits, remainder as sticky.
  const k = 70 + bitLength(y.m) - bitLength(x.m) + 1;
  const num = x.m << BigInt(Math.max(k, 0));
  const q = num / y.m;
  const r = num % y.m;
  return roundPack(sign, q, x.e - y.e - Math.max(k, 0), r !== 0n, arithFormat(ctx), ctx);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(a: F80, ctx: FpCtx): F80 {
  const s = screen1(a, ctx);
  if (s !== undefined) return s;
  if (isZero(a)) return a;
  if (a.sign) return invalid(ctx);
  if (isInf(a)) return a;
  const x = unpack(a);
  let m = x.m;
  let e = x.e;
  // Scale so the root has ≥ 70 bits and the exponent is even.
  let sh = 2 * 72 - bitLength(m);
  if (sh < 0) sh = 0;
  if ((e - sh) % 2 !== 0) sh++;
  m <<= BigInt(sh);
  e -= sh;
  const r = isqrt(m);
  return roundPack(0, r, e / 2, r * r !== m, arithFormat(ctx), ctx);
}

/** Round to an integral value under RC (FRNDINT, SDM Vol. 2 FRNDINT); exact in the extended format. */
export function roundToInt(a: F80, ctx: FpCtx): F80 {
  const s = screen1(a, ctx);
  if (s !== undefined) return s;
  if (isZero(a) || isInf(a)) return a;
  const x = unpack(a);
  if (x.e >= 0) return a;
  const r = roundExactToInt(x, ctx);
  if (r === 0n) return a.sign ? NEG_ZERO : ZERO;
  return roundPack(a.sign, r, 0, false, EXT64, ctx);
}

/** |x| rounded to an integer under ctx.rc (sign-aware), with PE and C1. */
function roundExactToInt(x: Exact, ctx: FpCtx): bigint {
  if (x.e >= 0) return x.m << BigInt(x.e);
  const d = BigInt(-x.e);
  if (d > 200n) {
    const up = roundsUp(ctx.rc, x.sign, true, false, true, false);
    ctx.flags |= PE;
    ctx.c1 = up;
    return up ? 1n : 0n;
  }
  const q = x.m >> d;
  const rest = x.m & ((1n << d) - 1n);
  const half = 1n << (d - 1n);
  const inexact = rest !== 0n;
  const up = roundsUp(ctx.rc, x.sign, inexact, rest >= half, (rest & (half - 1n)) !== 0n, (q & 1n) !== 0n);
  if (inexact) ctx.flags |= PE;
  ctx.c1 = up;
  return up ? q + 1n : q;
}

/**
 * Convert to a signed integer of `bits` bits (FIST/FISTP). Out of range, NaN or
 * ∞: IE, and the integer indefinite (the most negative value) when masked.
 * Returns undefined when an unmasked IE means nothing is stored.
 */
export function toInt(a: F80, bits: number, ctx: FpCtx): bigint | undefined {
  const lim = 1n << BigInt(bits - 1);
  if (isUnsupported(a) || isNaN80(a) || isInf(a)) {
    ctx.flags |= IE;
    return ctx.masked(IE) ? -lim : undefined;
  }
  if (isDenormal(a)) ctx.flags |= DE;
  if (isZero(a)) return 0n;
  const r = roundExactToInt(unpack(a), ctx);
  const v = a.sign ? -r : r;
  if (v >= lim || v < -lim) {
    ctx.flags |= IE;
    ctx.flags &= ~PE;
    return ctx.masked(IE) ? -lim : undefined;
  }
  return v;
}

/** Exact conversion of an integer (FILD). */
export function fromInt(v: bigint): F80 {
  if (v === 0n) return ZERO;
  const sign = v < 0n ? 1 : 0;
  const m = sign ? -v : v;
  const bl = bitLength(m);
  return make(sign, EXT_BIAS + bl - 1, m << BigInt(64 - bl));
}

// ---- memory formats ------------------------------------------------------------------------

/** FLD m32: exact widening; SNaN raises IE (and is quieted), a denormal raises DE (SDM Vol. 2 FLD). */
export function fromF32(bits: number, ctx: FpCtx): F80 {
  return fromIeee(BigInt(bits >>> 0), 8, 23, ctx);
}
export function fromF64(bits: bigint, ctx: FpCtx): F80 {
  return fromIeee(bits, 11, 52, ctx);
}

function fromIeee(bits: bigint, ebits: number, fbits: number, ctx: FpCtx): F80 {
  const sign = Number(bits >> BigInt(ebits + fbits)) & 1;
  const emaxField = (1 << ebits) - 1;
  const bias = emaxField >> 1;
  const ef = Number((bits >> BigInt(fbits)) & BigInt(emaxField));
  const frac = bits & ((1n << BigInt(fbits)) - 1n);
  const up = BigInt(63 - fbits);
  if (ef === emaxField) {
    if (frac === 0n) return make(sign, 0x7fff, J);
    const r = make(sign, 0x7fff, J | (frac << up));
    if (isSNaN(r)) {
      ctx.flags |= IE;
      return quiet(r);
    }
    return r;
  }
  if (ef === 0) {
    if (frac === 0n) return sign ? NEG_ZERO : ZERO;
    ctx.flags |= DE;
    const bl = bitLength(frac);
    // value = frac · 2^(1 - bias - fbits)
    const E = 1 - bias - fbits + bl - 1;
    return make(sign, E + EXT_BIAS, frac << BigInt(64 - bl));
  }
  return make(sign, ef - bias + EXT_BIAS, J | (frac << up));
}

/**
 * FST m32/m64: round to the memory format (RC applies, PC does not). Returns
 * the encoded bits, or undefined when an unmasked exception forbids the store
 * (SDM Vol. 1 §4.9.1.4: an unmasked over/underflow leaves the destination unchanged).
 */
export function toF32(a: F80, ctx: FpCtx): number | undefined {
  const b = toIeee(a, F32, 8, 23, ctx);
  return b === undefined ? undefined : Number(b);
}
export function toF64(a: F80, ctx: FpCtx): bigint | undefined {
  return toIeee(a, F64, 11, 52, ctx);
}

function toIeee(a: F80, fmt: Format, ebits: number, fbits: number, ctx: FpCtx): bigint | undefined {
  const emaxField = (1n << BigInt(ebits)) - 1n;
  const bias = (1 << (ebits - 1)) - 1;
  const signBit = BigInt(a.sign) << BigInt(ebits + fbits);
  const fmask = (1n << BigInt(fbits)) - 1n;
  if (isUnsupported(a)) {
    ctx.flags |= IE;
    if (!ctx.masked(IE)) return undefined;
    a = INDEFINITE;
  }
  if (isNaN80(a)) {
    if (isSNaN(a)) {
      ctx.flags |= IE;
      if (!ctx.masked(IE)) return undefined;
    }
    const f = ((a.mant | QBIT) >> BigInt(63 - fbits)) & fmask;
    return (BigInt(a.sign) << BigInt(ebits + fbits)) | (emaxField << BigInt(fbits)) | f;
  }
  if (isInf(a)) return signBit | (emaxField << BigInt(fbits));
  if (isZero(a)) return signBit;
  if (isDenormal(a)) ctx.flags |= DE;
  const x = unpack(a);
  const before = ctx.flags;
  const r = roundPack(a.sign, x.m, x.e, false, fmt, ctx, false);
  const raised = ctx.flags & ~before;
  if ((raised & OE & ~ctx.masks) !== 0 || (raised & UE & ~ctx.masks) !== 0) return undefined;
  if (isZero(r)) return signBit;
  if (isInf(r)) return signBit | (emaxField << BigInt(fbits));
  const E = r.exp - EXT_BIAS;
  if (E >= fmt.emin) return signBit | (BigInt(E + bias) << BigInt(fbits)) | ((r.mant >> BigInt(63 - fbits)) & fmask);
  // Denormal in the memory format: the significand shifted to the format's grid.
  const shift = 63 - fbits + (fmt.emin - E);
  return signBit | (r.mant >> BigInt(shift));
}

/** FLD m80 / FSTP m80 are plain copies (no exceptions, SDM Vol. 2 FLD). */
export function fromBytes80(lo: bigint, hi: number): F80 {
  return make((hi >> 15) & 1, hi & 0x7fff, lo);
}

/** FBLD: 18 packed BCD digits and a sign byte (SDM Vol. 1 §4.7), converted exactly. Invalid digits give an undefined value; we read them as binary digit values. */
export function fromBcd(bytes: ArrayLike<number>): F80 {
  let v = 0n;
  for (let i = 8; i >= 0; i--) {
    const b = bytes[i];
    v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
  }
  const sign = (bytes[9] & 0x80) !== 0 ? 1 : 0;
  const r = fromInt(v);
  return v === 0n ? (sign ? NEG_ZERO : ZERO) : make(sign, r.exp, r.mant);
}

/** FBSTP: round under RC to an integer and encode 18 BCD digits; out of range / NaN → IE and the BCD indefinite. */
export function toBcd(a: F80, ctx: FpCtx): number[] | undefined {
  const indefinite = [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff];
  if (isUnsupported(a) || isNaN80(a) || isInf(a)) {
    ctx.flags |= IE;
    return ctx.masked(IE) ? indefinite : undefined;
  }
  if (isDenormal(a)) ctx.flags |= DE;
  let v = 0n;
  if (!isZero(a)) v = roundExactToInt(unpack(a), ctx);
  if (v >= 10n ** 18n) {
    ctx.flags |= IE;
    ctx.flags &= ~PE;
    return ctx.masked(IE) ? indefinite : undefined;
  }
  const out: number[] = [];
  for (let i = 0; i < 9; i++) {
    const lo = Number(v % 10n);
    v /= 10n;
    const hi = Number(v % 10n);
    v /= 10n;
    out.push((hi << 4) | lo);
  }
  out.push(a.sign ? 0x80 : 0);
  return out;
}

// ---- comparisons ----------------------------------------------------------------------------

export const enum Cmp {
  Lt = 0,
  Eq = 1,
  Gt = 2,
  Un = 3,
}

/**
 * Compare a with b. `quietNaN`: FUCOM-style, only SNaNs raise IE; otherwise
 * (FCOM, FTST, FICOM) any NaN operand does (SDM Vol. 2 FCOM / FUCOM).
 */
export function compare(a: F80, b: F80, quietNaN: boolean, ctx: FpCtx): Cmp {
  if (isUnsupported(a) || isUnsupported(b)) {
    ctx.flags |= IE;
    return Cmp.Un;
  }
  if (isNaN80(a) || isNaN80(b)) {
    if (!quietNaN || isSNaN(a) || isSNaN(b)) ctx.flags |= IE;
    return Cmp.Un;
  }
  if (isDenormal(a) || isDenormal(b)) ctx.flags |= DE;
  if (isZero(a) && isZero(b)) return Cmp.Eq;
  if (a.sign !== b.sign) return a.sign ? Cmp.Lt : Cmp.Gt;
  const ka = magnitudeKey(a);
  const kb = magnitudeKey(b);
  if (ka === kb) return Cmp.Eq;
  return (ka < kb) !== (a.sign === 1) ? Cmp.Lt : Cmp.Gt;
}

/** Order-preserving key of |a| for finite and infinite values (denormal exponent 0 means the same scale as 1). */
function magnitudeKey(a: F80): bigint {
  const e = a.exp === 0 ? 1 : a.exp;
  if (a.mant === 0n) return 0n;
  const bl = bitLength(a.mant);
  // Normalise pseudo-denormals and denormals onto the same scale as normals.
  return (BigInt(e - (64 - bl)) << 64n) | (a.mant << BigInt(64 - bl));
}

/** FXAM class code C3,C2,C0 (SDM Vol. 2 FXAM): returns [c3, c2, c0]. */
export function examine(a: F80, empty: boolean): [number, number, number] {
  if (empty) return [1, 0, 1];
  if (isUnsupported(a)) return [0, 0, 0];
  if (isNaN80(a)) return [0, 0, 1];
  if (isInf(a)) return [0, 1, 1];
  if (isZero(a)) return [1, 0, 0];
  if (isDenormal(a)) return [1, 1, 0];
  return [0, 1, 0];
}

// ---- remainder, scale, extract ---------------------------------------------------------------

export interface Remainder {
  value: F80;
  /** Low three quotient bits (C0 = bit 2, C3 = bit 1, C1 = bit 0). */
  q: number;
  /** Reduction incomplete (C2). */
  partial: boolean;
}

/**
 * FPREM (truncating) / FPREM1 (IEEE, round-to-nearest quotient). The remainder is
 * exact. When the exponents differ by 64 or more the reduction is partial; the SDM
 * lets N be any number 32..63 — we use N = 63 (SDM Vol. 2 FPREM "Operation").
 */
export function remainder(a: F80, b: F80, ieee: boolean, ctx: FpCtx): Remainder {
  const s = screen2(a, b, ctx);
  if (s !== undefined) return { value: s, q: 0, partial: false };
  if (isInf(a) || isZero(b)) return { value: invalid(ctx), q: 0, partial: false };
  if (isZero(a) || isInf(b)) return { value: a, q: 0, partial: false };
  const x = unpack(a);
  const y = unpack(b);
  const ea = x.e + bitLength(x.m) - 1;
  const eb = y.e + bitLength(y.m) - 1;
  const D = ea - eb;
  if (D < 0 && !ieee) return { value: a, q: 0, partial: false };
  if (D < -1 && ieee) return { value: a, q: 0, partial: false };
  let k = 0;
  let partial = false;
  if (D >= 64) {
    k = D - 63;
    partial = true;
  }
  // a / (b·2^k) = (mx · 2^ex) / (my · 2^(ey+k)); put both on a common exponent.
  const e = Math.min(x.e, y.e + k);
  const A = x.m << BigInt(x.e - e);
  const B = y.m << BigInt(y.e + k - e);
  let q = A / B;
  let r = A - q * B;
  if (ieee && !partial) {
    const twice = 2n * r;
    if (twice > B || (twice === B && (q & 1n) === 1n)) {
      q += 1n;
      r -= B;
    }
  }
  let sign = a.sign;
  if (r < 0n) {
    sign ^= 1;
    r = -r;
  }
  const qlow = Number(q & 7n);
  if (r === 0n) return { value: a.sign ? NEG_ZERO : ZERO, q: qlow, partial };
  const saveC1 = ctx.c1;
  const value = roundPack(sign, r, e, false, EXT64, ctx);
  ctx.c1 = saveC1;
  return { value, q: qlow, partial };
}

/** The integer part of b toward zero, clamped far beyond any useful scale (FSCALE's ST(1)). */
function scaleAmount(b: F80): number {
  if (isZero(b)) return 0;
  const x = unpack(b);
  let n: number;
  if (x.e >= 0) n = x.e > 20 ? 1 << 20 : Number(x.m << BigInt(x.e));
  else if (-x.e > 64) n = 0;
  else n = Number(x.m >> BigInt(-x.e));
  if (n > 1 << 20) n = 1 << 20;
  return b.sign ? -n : n;
}

/** FSCALE: a · 2^trunc(b) (SDM Vol. 2 FSCALE, Table 3-38). */
export function scale(a: F80, b: F80, ctx: FpCtx): F80 {
  const s = screen2(a, b, ctx);
  if (s !== undefined) return s;
  if (isInf(b)) {
    if (b.sign === 0) {
      if (isZero(a)) return invalid(ctx);
      return isInf(a) ? a : make(a.sign, 0x7fff, J);
    }
    if (isInf(a)) return invalid(ctx);
    return a.sign ? NEG_ZERO : ZERO;
  }
  if (isZero(a) || isInf(a)) return a;
  const x = unpack(a);
  return roundPack(a.sign, x.m, x.e + scaleAmount(b), false, EXT64, ctx);
}

/** FXTRACT: [exponent, significand] (SDM Vol. 2 FXTRACT); a zero raises ZE and gives exponent −∞. */
export function extract(a: F80, ctx: FpCtx): [F80, F80] {
  const s = screen1(a, ctx);
  if (s !== undefined) return [s, s];
  if (isZero(a)) {
    ctx.flags |= ZE;
    return [neg(INF), a];
  }
  if (isInf(a)) return [INF, a];
  const x = unpack(a);
  const bl = bitLength(x.m);
  const E = x.e + bl - 1;
  return [fromInt(BigInt(E)), make(a.sign, EXT_BIAS, x.m << BigInt(64 - bl))];
}

// ---- rounded constants (FLDPI etc.) ----------------------------------------------------------

/** A constant held to 68 bits with a sticky tail, rounded under RC as the 387 and later do (SDM Vol. 1 §8.3.7). */
export function constant(m68: bigint, e: number, ctx: FpCtx): F80 {
  const c = new FpCtx();
  c.rc = ctx.rc;
  const r = roundPack(0, m68, e, true, EXT64, c);
  ctx.c1 = c.c1;
  return r;
}

// ---- conversions to/from host doubles (tests, transcendentals) ---------------------------------

const DV = new DataView(new ArrayBuffer(8));

export function fromDouble(x: number): F80 {
  DV.setFloat64(0, x);
  return fromF64(DV.getBigUint64(0), new FpCtx());
}

/** Round to the nearest double (ties to even). */
export function toDouble(a: F80): number {
  const c = new FpCtx();
  const b = toF64(a, c) ?? 0n;
  DV.setBigUint64(0, b);
  return DV.getFloat64(0);
}
