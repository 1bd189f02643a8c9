/**
 * What the built-in BIOS needs from the CPU: the caller's registers.
 *
 * BIOS services are implemented on the host (high-level emulation). Each
 * interrupt vector points at a small stub in the BIOS ROM whose first
 * instruction is `OUT trap, AL`; the trap handler reads and writes the
 * caller's registers through this view while the CPU is stopped inside that
 * OUT instruction. Keeping the view this narrow lets the same BIOS run on
 * either CPU tier.
 */
export const enum R {
  AX = 0,
  CX = 1,
  DX = 2,
  BX = 3,
  SP = 4,
  BP = 5,
  SI = 6,
  DI = 7,
}

export const enum S {
  ES = 0,
  CS = 1,
  SS = 2,
  DS = 3,
  FS = 4,
  GS = 5,
}

export interface BiosCpu {
  /** Full 32-bit general register (E820 and VBE use EAX/EBX/ECX/EDX). */
  get32(r: R): number;
  set32(r: R, value: number): void;
  /** Segment selector; in real mode the base is selector × 16. */
  getSeg(s: S): number;
  /** Load a segment register with real-mode semantics (base = value × 16). */
  setSegReal(s: S, value: number): void;
  /** Offset of the next instruction within CS. */
  getIp(): number;
  getFlags(): number;
  setFlags(value: number): void;
}
