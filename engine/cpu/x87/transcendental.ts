/**
 * x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1,
 * FYL2X, FYL2XP1 (SDM Vol. 2, and Vol. 1 §8.3.10 for the accuracy claims).
 *
 * These are computed through IEEE doubles and converted back exactly, so
 * results are within the hardware's documented error bound for most of the
 * domain but NOT bit-identical to a given CPU: they carry ~53 significant
 * bits where the hardware delivers ~64. They are deterministic: only
 * ECMAScript Math functions on doubles are used, whose results depend on the
 * JavaScript engine version, never on host time or state. Precision control
 * does not apply to these instructions (SDM Vol. 1 §8.1.5.2) and the inexact
 * flag is reported for every result that is not an exact special case.
 */
import { type F80, FpCtx, IE, DE, PE, ZE, INDEFINITE, fromDouble, toDouble, isNaN80, isSNaN, isUnsupported, isDenormal, isZero, isInf, quiet, neg, make, ZERO, NEG_ZERO, ONE, EXT_BIAS } from './float80.js';

/** |x| ≥ 2^63: the trigonometric instructions leave the operand alone and set C2 (SDM Vol. 2 FSIN). */
export function outOfTrigRange(a: F80): boolean {
  return !isNaN80(a) && !isInf(a) && !isUnsupported(a) && a.exp >= EXT_BIAS + 63;
}

function screen(a: F80, ctx: FpCtx): F80 | undefined {
  if (isUnsupported(a)) {
    ctx.flags |= IE;
    return INDEFINITE;
  }
  if (isNaN80(a)) {
    if (isSNaN(a)) ctx.flags |= IE;
    return quiet(a);
  }
  if (isDenormal(a)) ctx.flags |= DE;
  return undefined;
}

function inexact(x: number, ctx: FpCtx): F80 {
  if (Number.isNaN(x)) {
    ctx.flags |= IE;
    return INDEFINITE;
  }
  ctx.flags |= PE;
  return fromDouble(x);
}

/** log2 of a finite positive value, exact in range: exponent + log2 of the significand in [1, 2). */
function log2Of(a: F80): number {
  let m = a.mant;
  let e = a.exp === 0 ? 1 - EXT_BIAS : a.exp - EXT_BIAS;
  while ((m & (1n << 63n)) === 0n) {
    m <<= 1n;
    e--;
  }
  return e + Math.log2(Number(m) / 2 ** 63);
}

type Trig = 'sin' | 'cos' | 'tan';

/** FSIN / FCOS / FPTAN on ST(0) (the caller handles the out-of-range case). */
export function trig(a: F80, fn: Trig, ctx: FpCtx): F80 {
  const s = screen(a, ctx);
  if (s !== undefined) return s;
  if (isInf(a)) {
    ctx.flags |= IE;
    return INDEFINITE;
  }
  if (isZero(a)) return fn === 'cos' ? ONE : a;
  const x = toDouble(a);
  return inexact(fn === 'sin' ? Math.sin(x) : fn === 'cos' ? Math.cos(x) : Math.tan(x), ctx);
}

/** FPATAN: arctan(y / x) with the quadrant of (x, y) (SDM Vol. 2 FPATAN Table 3-29). */
export function atan2(y: F80, x: F80, ctx: FpCtx): F80 {
  const sy = screen(y, ctx);
  const sx = screen(x, ctx);
  if (sy !== undefined || sx !== undefined) {
    if (isNaN80(y) && isNaN80(x)) return quiet(y.mant >= x.mant ? y : x);
    return isNaN80(y) || isUnsupported(y) ? (sy ?? INDEFINITE) : (sx ?? INDEFINITE);
  }
  // Scale both by the same power of two so huge or tiny operands stay in double range.
  const shift = Math.max(y.exp, x.exp) - EXT_BIAS;
  const dy = isInf(y) ? (y.sign ? -Infinity : Infinity) : scaled(y, shift);
  const dx = isInf(x) ? (x.sign ? -Infinity : Infinity) : scaled(x, shift);
  const r = Math.atan2(dy, dx);
  if (r === 0) return Object.is(r, -0) ? NEG_ZERO : ZERO;
  return inexact(r, ctx);
}

function scaled(a: F80, shift: number): number {
  if (isZero(a)) return a.sign ? -0 : 0;
  const exp = a.exp === 0 ? 1 : a.exp;
  const v = Number(a.mant) * 2 ** (exp - EXT_BIAS - 63 - Math.max(shift, -1000));
  return a.sign ? -v : v;
}

/** F2XM1: 2^x − 1 for −1 ≤ x ≤ 1 (outside, the result is undefined by the SDM; we compute it anyway). */
export function f2xm1(a: F80, ctx: FpCtx): F80 {
  const s = screen(a, ctx);
  if (s !== undefined) return s;
  if (isZero(a)) return a;
  if (isInf(a)) return a.sign ? neg(ONE) : a;
  return inexact(Math.expm1(toDouble(a) * Math.LN2), ctx);
}

/** FYL2X: y · log2(x) (SDM Vol. 2 FYL2X Table 3-52). */
export function fyl2x(y: F80, x: F80, ctx: FpCtx): F80 {
  const sx = screen(x, ctx);
  const sy = screen(y, ctx);
  if (sx !== undefined) return sx;
  if (sy !== undefined) return sy;
  if (x.sign === 1 && !isZero(x)) {
    ctx.flags |= IE;
    return INDEFINITE;
  }
  if (isZero(x)) {
    if (isZero(y)) {
      ctx.flags |= IE;
      return INDEFINITE;
    }
    if (!isInf(y)) ctx.flags |= ZE;
    return make(y.sign ^ 1, 0x7fff, 1n << 63n);
  }
  if (isInf(x)) {
    if (isZero(y)) {
      ctx.flags |= IE;
      return INDEFINITE;
    }
    return make(y.sign, 0x7fff, 1n << 63n);
  }
  const l = log2Of(x);
  if (isInf(y)) {
    if (l === 0) {
      ctx.flags |= IE;
      return INDEFINITE;
    }
    return make(y.sign ^ (l < 0 ? 1 : 0), 0x7fff, 1n << 63n);
  }
  if (l === 0) return y.sign ? NEG_ZERO : ZERO;
  return inexact(toDouble(y) * l, ctx);
}

/** FYL2XP1: y · log2(x + 1) for small |x| (SDM Vol. 2 FYL2XP1). */
export function fyl2xp1(y: F80, x: F80, ctx: FpCtx): F80 {
  const sx = screen(x, ctx);
  const sy = screen(y, ctx);
  if (sx !== undefined) return sx;
  if (sy !== undefined) return sy;
  if (isZero(x)) return (x.sign ^ y.sign) !== 0 ? NEG_ZERO : ZERO;
  const r = toDouble(y) * (Math.log1p(toDouble(x)) / Math.LN2);
  return inexact(r, ctx);
}
