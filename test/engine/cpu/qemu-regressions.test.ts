/**
 * Regression tests for CPU bugs found by the random QEMU differential test
 * (scripts/cpu-qemu-diff.ts). Each case is the smallest sequence that showed the
 * difference, checked against the SDM rather than against QEMU.
 */
import { describe, expect, it } from 'vitest';
import { nasm, realMachine, runToHalt } from './helpers.js';
import { PM_PREAMBLE } from './pm-env.js';

const mark = (m: ReturnType<typeof realMachine>, n: number): number => m.memory.read32(0x50000 + n * 4) >>> 0;

describe('bugs found by the QEMU differential test', () => {
  it('POPFD does not load RF (or VM): an exception frame after it shows RF = 0 (SDM Vol. 2 POPF)', () => {
    const m = realMachine('p6', nasm(PM_PREAMBLE + `
      gate 0, de, 0x8E
      lidt [idt_desc]
      push dword 0x00030cd7     ; RF, VM, OF, DF and the arithmetic flags set in the image
      popfd
      mov ecx, 0
      div ecx                   ; #DE: the handler sees EFLAGS as the fault left it
      hlt
    de:
      mov eax, [esp+8]
      mark 1, eax
      hlt`));
    runToHalt(m, 100000);
    // Neither RF nor VM came from the popped image; every other bit did.
    expect(mark(m, 1)).toBe(0x00000cd7);
  });
});
