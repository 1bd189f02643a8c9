import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadReal, realMachine, runToHalt } from './helpers.js';

/** Run `bytes` + HLT on a real-mode 386 with EAX/ECX/EDX preset; returns the machine. */
const machine = realMachine('80386', Uint8Array.of(0xf4), 0x1000, 1 << 20);

function exec(bytes: number[], eax: number, ecx: number, edx = 0) {
  const m = machine;
  loadReal(m, Uint8Array.from([...bytes, 0xf4]));
  m.cpu.r[0] = eax;
  m.cpu.r[1] = ecx;
  m.cpu.r[2] = edx;
  m.memory.write16(0, 0x2000); // INT 0 → 0000:2000 (HLT) so a divide error is observable
  m.memory.write16(2, 0);
  m.memory.write8(0x2000, 0xf4);
  runToHalt(m, 100);
  return m;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const edge = fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000);
const arg = fc.oneof(u32, edge);

describe('32-bit multiply/divide against a BigInt reference', () => {
  it('MUL ECX', () => {
    fc.assert(
      fc.property(arg, arg, (a, b) => {
        const m = exec([0x66, 0xf7, 0xe1], a, b);
        const p = BigInt(a) * BigInt(b);
        expect(m.cpu.r[0]).toBe(Number(p & 0xffffffffn));
        expect(m.cpu.r[2]).toBe(Number(p >> 32n));
        expect((m.cpu.flags & 1) === 1).toBe(p >> 32n !== 0n);
      }),
      { numRuns: 300 },
    );
  });

  it('IMUL ECX and IMUL EAX,ECX', () => {
    fc.assert(
      fc.property(arg, arg, (a, b) => {
        const p = BigInt(a | 0) * BigInt(b | 0);
        const lo = Number(BigInt.asUintN(32, p));
        const m = exec([0x66, 0xf7, 0xe9], a, b);
        expect(m.cpu.r[0]).toBe(lo);
        expect(m.cpu.r[2]).toBe(Number(BigInt.asUintN(32, p >> 32n)));
        const ov = p !== BigInt(lo | 0);
        expect((m.cpu.flags & 0x801) !== 0).toBe(ov);
        const m2 = exec([0x66, 0x0f, 0xaf, 0xc1], a, b);
        expect(m2.cpu.r[0]).toBe(lo);
        expect((m2.cpu.flags & 1) === 1).toBe(ov);
      }),
      { numRuns: 300 },
    );
  });

  it('DIV/IDIV ECX including divide errors', () => {
    fc.assert(
      fc.property(arg, arg, arg, (lo, hi, b) => {
        const dividend = (BigInt(hi) << 32n) | BigInt(lo);
        const m = exec([0x66, 0xf7, 0xf1], lo, b, hi);
        if (b === 0 || dividend / BigInt(b) > 0xffffffffn) expect(m.cpu.eip).toBe(0x2001);
        else {
          expect(m.cpu.r[0]).toBe(Number(dividend / BigInt(b)));
          expect(m.cpu.r[2]).toBe(Number(dividend % BigInt(b)));
        }
        const sd = BigInt.asIntN(64, dividend);
        const sb = BigInt(b | 0);
        const mi = exec([0x66, 0xf7, 0xf9], lo, b, hi);
        if (sb === 0n || sd / sb > 0x7fffffffn || sd / sb < -0x80000000n) expect(mi.cpu.eip).toBe(0x2001);
        else {
          expect(mi.cpu.r[0]).toBe(Number(BigInt.asUintN(32, sd / sb)));
          expect(mi.cpu.r[2]).toBe(Number(BigInt.asUintN(32, sd % sb)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
