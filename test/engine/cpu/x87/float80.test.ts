/**
 * float80.ts against independent references:
 *  - an exact BigInt rational reference that rounds p/q to a precision under
 *    each rounding mode (written from the IEEE 754 definition, not from
 *    roundPack), for add/sub/mul/div in all 4 modes × 3 precisions;
 *  - a bracketing check for sqrt (the result and its neighbours squared,
 *    exactly, must enclose the operand as the rounding mode requires);
 *  - the host's IEEE double arithmetic and Math.fround for conversions.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as f from '../../../../engine/cpu/x87/float80.js';
import { type F80, FpCtx } from '../../../../engine/cpu/x87/float80.js';

const BIAS = 16383;

function ctxOf(rc: number, prec: number): FpCtx {
  const c = new FpCtx();
  c.rc = rc;
  c.prec = prec;
  return c;
}

/** Exact value of a finite F80 as a rational num/den (den a power of two). */
function rational(a: F80): [bigint, bigint] {
  const e = (a.exp === 0 ? 1 : a.exp) - BIAS - 63;
  const m = a.sign ? -a.mant : a.mant;
  return e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)];
}

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * Reference rounding of num/den (den > 0) to `prec` bits with the extended
 * exponent range (denormal grid 2^(−16382−(prec−1))), by the IEEE 754 definition.
 */
function refRound(num: bigint, den: bigint, prec: number, rc: number): F80 {
  return refRoundX(num, den, prec, rc)[0];
}

/** refRound and whether the result is inexact. */
function refRoundX(num: bigint, den: bigint, prec: number, rc: number): [F80, boolean] {
  if (num === 0n) return [rc === 1 ? f.NEG_ZERO : f.ZERO, false];
  const sign = num < 0n ? 1 : 0;
  const n = sign ? -num : num;
  // E = floor(log2(n/den))
  let E = bitLen(n) - bitLen(den);
  const ge = (e: number): boolean => (e >= 0 ? n >= den << BigInt(e) : n << BigInt(-e) >= den);
  if (!ge(E)) E--;
  const lsb = Math.max(E - prec + 1, -16382 - (prec - 1));
  // q + r/D = n / (den · 2^lsb)
  const N = lsb >= 0 ? n : n << BigInt(-lsb);
  const D = lsb >= 0 ? den << BigInt(lsb) : den;
  let q = N / D;
  const r = N % D;
  let up = false;
  if (r !== 0n) {
    if (rc === 0) up = 2n * r > D || (2n * r === D && (q & 1n) === 1n);
    else if (rc === 1) up = sign === 1;
    else if (rc === 2) up = sign === 0;
  }
  if (up) q += 1n;
  const inexact = r !== 0n;
  if (q === 0n) return [sign ? f.NEG_ZERO : f.ZERO, inexact];
  const Eq = lsb + bitLen(q) - 1;
  if (Eq >= -16382) return [f.make(sign, Eq + BIAS, q << BigInt(64 - bitLen(q))), inexact];
  return [f.make(sign, 0, q << BigInt(lsb + 16445)), inexact];
}

const mant = fc.bigInt(1n << 63n, (1n << 64n) - 1n);
/** Normal operands in a band where nothing overflows or underflows. */
const normal = fc.record({ sign: fc.integer({ min: 0, max: 1 }), exp: fc.integer({ min: BIAS - 300, max: BIAS + 300 }), mant }).map((x) => f.make(x.sign, x.exp, x.mant));
/** Operands near the bottom of the range, denormals included, to exercise the denormal grid. */
const tiny = fc
  .record({ sign: fc.integer({ min: 0, max: 1 }), exp: fc.integer({ min: 0, max: 40 }), mant: fc.bigInt(1n, (1n << 64n) - 1n) })
  .map((x) => f.make(x.sign, x.exp, x.exp === 0 ? x.mant >> 1n : x.mant | (1n << 63n)));
const rcArb = fc.integer({ min: 0, max: 3 });
const precArb = fc.constantFrom(24, 53, 64);

function same(a: F80, b: F80): boolean {
  return a.sign === b.sign && a.exp === b.exp && a.mant === b.mant;
}

describe('float80 exact arithmetic vs a rational reference', () => {
  const ops: [string, (a: F80, b: F80, c: FpCtx) => F80, (a: [bigint, bigint], b: [bigint, bigint]) => [bigint, bigint]][] = [
    ['add', f.add, ([an, ad], [bn, bd]) => [an * bd + bn * ad, ad * bd]],
    ['sub', f.sub, ([an, ad], [bn, bd]) => [an * bd - bn * ad, ad * bd]],
    ['mul', f.mul, ([an, ad], [bn, bd]) => [an * bn, ad * bd]],
    ['div', f.div, ([an, ad], [bn, bd]) => [an * bd * (bn < 0n ? -1n : 1n), ad * (bn < 0n ? -bn : bn)]],
  ];
  for (const [name, op, ref] of ops) {
    it(`${name}: correctly rounded in every rounding mode and precision`, () => {
      fc.assert(
        fc.property(normal, normal, rcArb, precArb, (a, b, rc, prec) => {
          const c = ctxOf(rc, prec);
          const got = op(a, b, c);
          const [num, den] = ref(rational(a), rational(b));
          const [want, inexact] = refRoundX(num, den, prec, rc);
          return same(got, want) && ((c.flags & f.PE) !== 0) === inexact;
        }),
        { numRuns: 400 },
      );
    });
  }

  it('add and mul are correctly rounded on the denormal grid (masked underflow)', () => {
    fc.assert(
      fc.property(tiny, tiny, rcArb, precArb, (a, b, rc, prec) => {
        const c = ctxOf(rc, prec);
        const s = f.add(a, b, c);
        const [an, ad] = rational(a);
        const [bn, bd] = rational(b);
        const num = an * bd + bn * ad;
        const want = num === 0n ? (a.sign === b.sign && a.sign === 1 ? f.NEG_ZERO : rc === 1 ? f.NEG_ZERO : f.ZERO) : refRound(num, ad * bd, prec, rc);
        const p = f.mul(a, f.make(0, BIAS - 3, 0xc000000000000000n), ctxOf(rc, prec));
        const wantP = refRound(an * 3n, ad * 16n, prec, rc);
        return same(s, want) && same(p, wantP);
      }),
      { numRuns: 300 },
    );
  });

  it('sqrt: the result brackets the operand as each rounding mode requires', () => {
    fc.assert(
      fc.property(normal, rcArb, precArb, (a0, rc, prec) => {
        const a = f.abs(a0);
        const c = ctxOf(rc, prec);
        const r = f.sqrt(a, c);
        const [xn, xd] = rational(a);
        const [rn, rd] = rational(r);
        // ulp of r at precision `prec` (r is normal here)
        const ulpExp = r.exp - BIAS - (prec - 1);
        const [un, ud] = ulpExp >= 0 ? [1n << BigInt(ulpExp), 1n] : [1n, 1n << BigInt(-ulpExp)];
        // compare (p/q)^2 with xn/xd exactly: sign of p²·xd − xn·q²
        const cmpSq = (p: bigint, q: bigint): number => {
          const d = p * p * xd - xn * q * q;
          return d < 0n ? -1 : d > 0n ? 1 : 0;
        };
        const lo: [bigint, bigint] = [rn * ud - un * rd, rd * ud];
        const hi: [bigint, bigint] = [rn * ud + un * rd, rd * ud];
        const mid = (s: number): [bigint, bigint] => [2n * rn * ud + BigInt(s) * un * rd, 2n * rd * ud];
        const atR = cmpSq(rn, rd);
        if (rc === 1 || rc === 3) return atR <= 0 && cmpSq(...hi) > 0;
        if (rc === 2) return atR >= 0 && cmpSq(...lo) < 0;
        return cmpSq(...mid(-1)) <= 0 && cmpSq(...mid(1)) >= 0;
      }),
      { numRuns: 400 },
    );
  });

  it('special operands: ∞−∞ and 0/0 are invalid (QNaN indefinite), x/0 is a zero-divide, 0·∞ invalid', () => {
    const c = new FpCtx();
    expect(same(f.sub(f.INF, f.INF, c), f.INDEFINITE)).toBe(true);
    expect(c.flags & f.IE).toBe(f.IE);
    const z = new FpCtx();
    expect(same(f.div(f.ONE, f.ZERO, z), f.INF)).toBe(true);
    expect(z.flags).toBe(f.ZE);
    const d = new FpCtx();
    expect(same(f.div(f.ZERO, f.ZERO, d), f.INDEFINITE)).toBe(true);
    expect(d.flags).toBe(f.IE);
    const m = new FpCtx();
    expect(same(f.mul(f.ZERO, f.neg(f.INF), m), f.INDEFINITE)).toBe(true);
    const s = new FpCtx();
    expect(same(f.sqrt(f.neg(f.ONE), s), f.INDEFINITE)).toBe(true);
    expect(same(f.sqrt(f.NEG_ZERO, new FpCtx()), f.NEG_ZERO)).toBe(true);
  });

  it('x + (−x) is +0, or −0 when rounding down (IEEE 754 §6.3)', () => {
    fc.assert(
      fc.property(normal, rcArb, (a, rc) => {
        const r = f.add(a, f.neg(a), ctxOf(rc, 64));
        return same(r, rc === 1 ? f.NEG_ZERO : f.ZERO);
      }),
    );
  });

  it('masked overflow gives ∞ or the largest finite value by rounding mode, with OE and PE', () => {
    const big = f.make(0, 0x7ffe, (1n << 64n) - 1n);
    for (const [rc, inf] of [[0, true], [1, false], [2, true], [3, false]] as const) {
      const c = ctxOf(rc, 64);
      const r = f.add(big, big, c);
      expect(f.isInf(r)).toBe(inf);
      expect(c.flags & (f.OE | f.PE)).toBe(f.OE | f.PE);
    }
  });

  it('unmasked overflow delivers the exponent wrapped by 24576 (SDM Vol. 1 §4.9.1.4)', () => {
    const c = ctxOf(0, 64);
    c.masks = 0x3f & ~f.OE;
    const two = f.make(0, BIAS + 1, 1n << 63n);
    const r = f.mul(f.make(0, 0x7ffe, 1n << 63n), two, c);
    expect(c.flags & f.OE).toBe(f.OE);
    expect(r.exp).toBe(0x7fff - 24576);
  });
});

describe('float80 conversions', () => {
  it('double → 80 → double round-trips exactly (NaN stays NaN, −0 stays −0)', () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(f.toDouble(f.fromDouble(x)), x) || (Number.isNaN(x) && Number.isNaN(f.toDouble(f.fromDouble(x))))),
      { numRuns: 2000 },
    );
  });

  it('FST m32 of a widened double rounds like Math.fround (round to nearest)', () => {
    const dv = new DataView(new ArrayBuffer(4));
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const bits = f.toF32(f.fromDouble(x), new FpCtx());
        dv.setFloat32(0, Math.fround(x));
        return bits === dv.getUint32(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('53-bit precision control reproduces IEEE double add/mul/div/sqrt away from the range limits', () => {
    const mid = fc.double({ min: -1e300, max: 1e300, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-300);
    fc.assert(
      fc.property(mid, mid, (x, y) => {
        const c = (): FpCtx => ctxOf(0, 53);
        const a = f.fromDouble(x);
        const b = f.fromDouble(y);
        // Only results in double's normal range compare: below it (or past it) the double
        // rounds a second time onto the denormal grid (or to ∞), where the extended exponent
        // range keeps a 53-bit result, so toDouble() rounds twice.
        const normal = (w: number, exactZero: boolean): boolean => Number.isFinite(w) && (w === 0 ? exactZero : Math.abs(w) >= 2.2250738585072014e-308);
        const ok = (r: F80, want: number, exactZero: boolean): boolean => !normal(want, exactZero) || Object.is(f.toDouble(r), want);
        return (
          ok(f.add(a, b, c()), x + y, true) &&
          ok(f.mul(a, b, c()), x * y, x === 0 || y === 0) &&
          (y === 0 || ok(f.div(a, b, c()), x / y, x === 0)) &&
          (x < 0 || ok(f.sqrt(a, c()), Math.sqrt(x), true))
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('64-bit integers: FILD then FIST round-trips in every rounding mode', () => {
    fc.assert(
      fc.property(fc.bigInt(-(1n << 63n), (1n << 63n) - 1n), rcArb, (v, rc) => f.toInt(f.fromInt(v), 64, ctxOf(rc, 64)) === v),
      { numRuns: 1000 },
    );
  });

  it('FIST rounds by RC and gives the integer indefinite (IE) out of range', () => {
    const x = f.fromDouble(-2.5);
    expect([0, 1, 2, 3].map((rc) => f.toInt(x, 32, ctxOf(rc, 64)))).toEqual([-2n, -3n, -2n, -2n]);
    const c = new FpCtx();
    expect(f.toInt(f.fromDouble(40000), 16, c)).toBe(-32768n);
    expect(c.flags & f.IE).toBe(f.IE);
    const n = new FpCtx();
    expect(f.toInt(f.INDEFINITE, 64, n)).toBe(-(1n << 63n));
  });

  it('FRNDINT rounds to an integral value by RC', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), rcArb, (x, rc) => {
        const want = [Math.round(x) - (Math.abs(x % 1) === 0.5 && Math.round(x) % 2 !== 0 ? 1 : 0), Math.floor(x), Math.ceil(x), Math.trunc(x)][rc];
        const got = f.toDouble(f.roundToInt(f.fromDouble(x), ctxOf(rc, 64)));
        return got === want || (got === 0 && want === 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('packed BCD round trip and the BCD indefinite', () => {
    fc.assert(
      fc.property(fc.bigInt(-(10n ** 18n) + 1n, 10n ** 18n - 1n), (v) => {
        const bcd = f.toBcd(f.fromInt(v), new FpCtx());
        return bcd !== undefined && f.toInt(f.fromBcd(bcd), 64, new FpCtx()) === v;
      }),
    );
    const c = new FpCtx();
    expect(f.toBcd(f.fromInt(10n ** 18n), c)).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
    expect(c.flags & f.IE).toBe(f.IE);
  });

  it('FPREM and FPREM1 give exact remainders with the low quotient bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 1e5 }), (x, y) => {
        const r = f.remainder(f.fromDouble(x), f.fromDouble(y), false, new FpCtx());
        const r1 = f.remainder(f.fromDouble(x), f.fromDouble(y), true, new FpCtx());
        const q = Math.trunc(x / y);
        const ieeeQ = Math.round(x / y) - ((Math.abs((x / y) % 1) === 0.5 && Math.round(x / y) % 2 !== 0) ? 1 : 0);
        return f.toDouble(r.value) === x - q * y + 0 && (Math.abs(q) & 7) === r.q && !r.partial && f.toDouble(r1.value) === x - ieeeQ * y + 0;
      }),
      { numRuns: 500 },
    );
  });
});
