/**
 * Constants shared by the CPU modules: the fault sentinel, exception vectors,
 * descriptor-cache attribute bits and the parity table. Kept apart from
 * cpu.ts so semantics.ts and mmu.ts can import them without an import cycle.
 */
import { PF } from './spec.js';

/** The sentinel thrown by fault(); caught in step(). */
export const FAULT = { fault: true };

/** Iterations of a REP string instruction per retired step (see file header). */
export const REP_CHUNK = 4096;

// Exception vectors (SDM Vol. 3 §6.3.1).
export const EX_DE = 0;
export const EX_DB = 1;
export const EX_NMI = 2;
export const EX_BP = 3;
export const EX_OF = 4;
export const EX_BR = 5;
export const EX_UD = 6;
export const EX_NM = 7;
export const EX_DF = 8;
export const EX_TS = 10;
export const EX_NP = 11;
export const EX_SS = 12;
export const EX_GP = 13;
export const EX_PF = 14;
export const EX_AC = 17;

/** Descriptor-cache attribute bits kept in segAttr (low byte = access byte, SDM Vol. 3 §3.4.5). */
export const ATTR_BIG = 0x4000; // D/B
export const ATTR_GRAN = 0x8000;
export const ATTR_PRESENT = 0x80;

export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = (b & 1) === 0 ? PF : 0;
}
