/**
 * Lazy arithmetic flags for translated code.
 *
 * A translated ALU instruction does not compute OF/SF/ZF/AF/PF/CF; it records
 * the operation kind, its operands and result in four locals (lo, la, lb, lr,
 * plus lc for the carry-in of ADC/SBB). Flags are computed here only where
 * something reads them: a Jcc whose producer is not known statically, a
 * generic (interpreted) instruction, a region exit. The formulas are the ones
 * of the interpreter's `add`/`sub`/`logic` (semantics.ts), so the materialised
 * EFLAGS are bit-identical (SDM Vol. 1 §3.4.3.1 defines the status flags).
 *
 * `lo` = kind * 8 + operand size in bytes; 0 means "F holds the flags".
 * Each kind reads only some operands, and generated code sets only those:
 * ADD/SUB la, lb, lr; ADC/SBB also lc; LOGIC lr; INC/DEC la, lr (the other
 * operand is 1). The rest hold stale values and must not be read.
 */
import { PARITY } from '../faults.js';
import { CF, PF, AF, ZF, SF, OF } from '../spec.js';

export const L_ADD = 1;
export const L_ADC = 2;
export const L_SUB = 3;
export const L_SBB = 4;
export const L_LOGIC = 5;
export const L_INC = 6;
export const L_DEC = 7;

const ARITH = OF | SF | ZF | AF | PF | CF;

function sign(size: number): number {
  return size === 1 ? 0x80 : size === 2 ? 0x8000 : 0x80000000;
}
function mask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

/** Full EFLAGS from the lazy state (F supplies every non-arithmetic bit, and CF for INC/DEC). */
export function lazyFlags(lo: number, la: number, lb: number, lr: number, lc: number, F: number): number {
  if (lo === 0) return F;
  const kind = lo >> 3;
  const size = lo & 7;
  // Generated code keeps values as int32; the carry/borrow tests need them unsigned.
  la >>>= 0;
  lb >>>= 0;
  lr >>>= 0;
  const sg = sign(size);
  let f = (lr & sg ? SF : 0) | (lr === 0 ? ZF : 0) | PARITY[lr & 0xff];
  switch (kind) {
    case L_ADD:
    case L_ADC:
      f |= (la ^ lb ^ lr) & AF;
      if (la + lb + (kind === L_ADC ? lc : 0) > mask(size)) f |= CF;
      if (((la ^ lr) & (lb ^ lr) & sg) !== 0) f |= OF;
      break;
    case L_SUB:
    case L_SBB:
      f |= (la ^ lb ^ lr) & AF;
      if (la < lb + (kind === L_SBB ? lc : 0)) f |= CF;
      if (((la ^ lb) & (la ^ lr) & sg) !== 0) f |= OF;
      break;
    case L_LOGIC:
      break;
    case L_INC:
      f |= (la ^ 1 ^ lr) & AF;
      if (((la ^ lr) & (1 ^ lr) & sg) !== 0) f |= OF;
      f |= F & CF;
      break;
    default:
      // L_DEC
      f |= (la ^ 1 ^ lr) & AF;
      if (((la ^ 1) & (la ^ lr) & sg) !== 0) f |= OF;
      f |= F & CF;
      break;
  }
  return (F & ~ARITH) | f;
}

/** Just CF (for ADC/SBB/INC/DEC emission). */
export function lazyCf(lo: number, la: number, lb: number, lr: number, lc: number, F: number): number {
  if (lo === 0) return F & CF;
  la >>>= 0;
  lb >>>= 0;
  switch (lo >> 3) {
    case L_ADD:
      return la + lb > mask(lo & 7) ? CF : 0;
    case L_ADC:
      return la + lb + lc > mask(lo & 7) ? CF : 0;
    case L_SUB:
      return la < lb ? CF : 0;
    case L_SBB:
      return la < lb + lc ? CF : 0;
    case L_LOGIC:
      return 0;
    default:
      return F & CF;
  }
}

/** Condition `cc` (Jcc encoding 0–15, SDM Vol. 2 Jcc) over materialised flags; mirrors semantics.ts `cond`. */
export function condOf(cc: number, f: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = (f & OF) !== 0;
      break;
    case 1:
      r = (f & CF) !== 0;
      break;
    case 2:
      r = (f & ZF) !== 0;
      break;
    case 3:
      r = (f & (CF | ZF)) !== 0;
      break;
    case 4:
      r = (f & SF) !== 0;
      break;
    case 5:
      r = (f & PF) !== 0;
      break;
    case 6:
      r = ((f & SF) !== 0) !== ((f & OF) !== 0);
      break;
    default:
      r = (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0);
  }
  return (cc & 1) !== 0 ? !r : r;
}
