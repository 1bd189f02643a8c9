/**
 * Memory images of the x87 state: the FSTENV/FLDENV environment and the
 * FSAVE/FRSTOR state in their four layouts (16/32-bit operand size × real /
 * protected mode; SDM Vol. 1 §8.1.10, Figures 8-9 to 8-12), and the 512-byte
 * FXSAVE/FXRSTOR image (SDM Vol. 2 FXSAVE, legacy layout).
 *
 * FXSAVE choice for a CPU without SSE (the Pentium II has no MXCSR and no
 * XMM registers): bytes 24–31 (MXCSR, MXCSR_MASK) are written as zero,
 * bytes 160–511 (XMM area and reserved) are left unwritten, and FXRSTOR
 * ignores bytes 24–31 and 160–511. FXSAVE/FXRSTOR do not check for pending
 * exceptions (like FNSAVE) and FXSAVE leaves the FPU state unchanged.
 */
import { K, type Decoded } from '../decoder.js';
import type { Cpu } from '../cpu.js';
import { type F80, make } from './float80.js';

/** n bytes at seg:off, after one limit check of the whole operand (SDM Vol. 3 §5.3). */
export function readBytes(c: Cpu, seg: number, off: number, n: number): number[] {
  c.lin(seg, off, n);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = c.read8(seg, off + i);
  return out;
}

/** Write bytes only after the whole destination is known to be writable, so a fault writes nothing. */
export function writeBytes(c: Cpu, seg: number, off: number, bytes: readonly number[]): void {
  c.checkWrite(seg, off, bytes.length);
  for (let i = 0; i < bytes.length; i++) c.write8(seg, off + i, bytes[i]);
}

export function loadReg80(b: readonly number[], at: number): F80 {
  let lo = 0n;
  for (let i = 7; i >= 0; i--) lo = (lo << 8n) | BigInt(b[at + i]);
  const hi = b[at + 8] | (b[at + 9] << 8);
  return make(hi >> 15, hi & 0x7fff, lo);
}

export function storeReg80(v: F80): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Number((v.mant >> BigInt(8 * i)) & 0xffn));
  const hi = (v.sign << 15) | v.exp;
  out.push(hi & 0xff, hi >> 8);
  return out;
}

function put(b: number[], at: number, v: number, n: number): void {
  for (let i = 0; i < n; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
}

function get(b: readonly number[], at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return v;
}

/** Real-address and virtual-8086 modes use the real-mode layouts (SDM Vol. 1 §8.1.10). */
function realLayout(c: Cpu): boolean {
  return !c.protectedMode || c.v86;
}

function envBytes(c: Cpu, o32: boolean): number[] {
  const s = c.fpu;
  const b = new Array<number>(o32 ? 28 : 14).fill(0);
  const w = o32 ? 4 : 2;
  put(b, 0, s.fcw, 2);
  put(b, w, s.status(), 2);
  put(b, 2 * w, s.tagWord(), 2);
  if (o32) {
    // Reserved upper halves of the control/status/tag doublewords read as ones on the P6 family.
    for (const at of [2, 6, 10]) put(b, at, 0xffff, 2);
  }
  if (realLayout(c)) {
    const ip = ((s.fcs << 4) + s.fip) >>> 0;
    const dp = ((s.fds << 4) + s.fdp) >>> 0;
    if (o32) {
      put(b, 12, ip & 0xffff, 2);
      put(b, 16, (((ip >>> 16) & 0xffff) << 12) | (s.fop & 0x7ff), 4);
      put(b, 20, dp & 0xffff, 2);
      put(b, 24, ((dp >>> 16) & 0xffff) << 12, 4);
    } else {
      put(b, 6, ip & 0xffff, 2);
      put(b, 8, (((ip >>> 16) & 0xf) << 12) | (s.fop & 0x7ff), 2);
      put(b, 10, dp & 0xffff, 2);
      put(b, 12, ((dp >>> 16) & 0xf) << 12, 2);
    }
  } else if (o32) {
    put(b, 12, s.fip, 4);
    put(b, 16, s.fcs | ((s.fop & 0x7ff) << 16), 4);
    put(b, 20, s.fdp, 4);
    put(b, 24, s.fds, 2);
    put(b, 26, 0xffff, 2);
  } else {
    put(b, 6, s.fip & 0xffff, 2);
    put(b, 8, s.fcs, 2);
    put(b, 10, s.fdp & 0xffff, 2);
    put(b, 12, s.fds, 2);
  }
  return b;
}

function setEnv(c: Cpu, b: readonly number[], o32: boolean): void {
  const s = c.fpu;
  const w = o32 ? 4 : 2;
  s.fcw = (get(b, 0, 2) & 0x1f3f) | 0x40;
  s.setStatus(get(b, w, 2));
  s.setTagWord(get(b, 2 * w, 2));
  if (realLayout(c)) {
    let ip: number;
    let dp: number;
    if (o32) {
      const x = get(b, 16, 4);
      ip = get(b, 12, 2) | (((x >>> 12) & 0xffff) << 16);
      s.fop = x & 0x7ff;
      dp = get(b, 20, 2) | (((get(b, 24, 4) >>> 12) & 0xffff) << 16);
    } else {
      const x = get(b, 8, 2);
      ip = get(b, 6, 2) | ((x >>> 12) << 16);
      s.fop = x & 0x7ff;
      dp = get(b, 10, 2) | ((get(b, 12, 2) >>> 12) << 16);
    }
    s.fip = ip >>> 0;
    s.fcs = 0;
    s.fdp = dp >>> 0;
    s.fds = 0;
  } else if (o32) {
    s.fip = get(b, 12, 4) >>> 0;
    const x = get(b, 16, 4);
    s.fcs = x & 0xffff;
    s.fop = (x >>> 16) & 0x7ff;
    s.fdp = get(b, 20, 4) >>> 0;
    s.fds = get(b, 24, 2);
  } else {
    s.fip = get(b, 6, 2);
    s.fcs = get(b, 8, 2);
    s.fdp = get(b, 10, 2);
    s.fds = get(b, 12, 2);
  }
}

/** FNSTENV / FNSAVE: the environment, then (FNSAVE) ST(0)..ST(7) as 10-byte registers. */
export function storeEnv(c: Cpu, d: Decoded, withRegs: boolean): void {
  const b = envBytes(c, d.o32);
  if (withRegs) for (let i = 0; i < 8; i++) b.push(...storeReg80(c.fpu.get(i)));
  writeBytes(c, d.eaSeg, d.ea, b);
}

/** FLDENV / FRSTOR. */
export function loadEnv(c: Cpu, d: Decoded, withRegs: boolean): void {
  const envLen = d.o32 ? 28 : 14;
  const b = readBytes(c, d.eaSeg, d.ea, envLen + (withRegs ? 80 : 0));
  setEnv(c, b, d.o32);
  if (withRegs) {
    const s = c.fpu;
    // Registers are stored in stack order, so place them relative to the TOP just loaded.
    for (let i = 0; i < 8; i++) s.regs[s.phys(i)] = loadReg80(b, envLen + 10 * i);
  }
}

// ---- FXSAVE / FXRSTOR ----------------------------------------------------------------------

/** #GP(0) unless the 512-byte image is 16-byte aligned (SDM Vol. 2 FXSAVE, Protected Mode Exceptions). */
function checkFx(c: Cpu, d: Decoded): void {
  if (d.kind[0] !== K.Mem) return;
  if (((c.segBase[d.eaSeg] + d.ea) & 15) !== 0) c.fault(13, c.protectedMode ? 0 : -1);
}

/** FXSAVE's image (the caller has done the CR0 checks). */
export function fxsaveImage(c: Cpu, d: Decoded): void {
  checkFx(c, d);
  const s = c.fpu;
  const b = new Array<number>(160).fill(0);
  put(b, 0, s.fcw, 2);
  put(b, 2, s.status(), 2);
  b[4] = s.abridgedTag();
  put(b, 6, s.fop & 0x7ff, 2);
  put(b, 8, s.fip, 4);
  put(b, 12, s.fcs, 2);
  put(b, 16, s.fdp, 4);
  put(b, 20, s.fds, 2);
  for (let i = 0; i < 8; i++) storeReg80(s.get(i)).forEach((v, k) => (b[32 + 16 * i + k] = v));
  // The whole 512-byte image must be writable even though we only write the first 160 bytes.
  c.checkWrite(d.eaSeg, d.ea, 512);
  writeBytes(c, d.eaSeg, d.ea, b);
}

/** FXRSTOR's image (the caller does the CR0 checks and then recomputes ES). */
export function fxrstorImage(c: Cpu, d: Decoded): void {
  checkFx(c, d);
  c.lin(d.eaSeg, d.ea, 512);
  const b = readBytes(c, d.eaSeg, d.ea, 160);
  const s = c.fpu;
  s.fcw = (get(b, 0, 2) & 0x1f3f) | 0x40;
  s.setStatus(get(b, 2, 2));
  s.empty = ~b[4] & 0xff;
  s.fop = get(b, 6, 2) & 0x7ff;
  s.fip = get(b, 8, 4) >>> 0;
  s.fcs = get(b, 12, 2);
  s.fdp = get(b, 16, 4) >>> 0;
  s.fds = get(b, 20, 2);
  for (let i = 0; i < 8; i++) s.regs[s.phys(i)] = loadReg80(b, 32 + 16 * i);
}
