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

  it('V86 with IOPL < 3: INT n is #GP(0), INT3 and INTO reach the IDT and fail the gate DPL check (SDM Vol. 2 INT n)', () => {
    // Three runs of the same V86 program, each ending at a different software interrupt.
    const run = (insn: string): [number, number] => {
      const m = realMachine('p6', nasm(PM_PREAMBLE + `
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      gate 13, monitor, 0x8E    ; #GP
      gate 3, wrong, 0x8E       ; DPL 0 gates: never reached from V86 at CPL 3
      gate 4, wrong, 0x8E
      gate 0x21, wrong, 0x8E
      lidt [idt_desc]
      push dword 0
      push dword 0
      push dword 0
      push dword 0
      push dword 0
      push dword 0x7000
      push dword 0x20802         ; VM, OF, IOPL 0
      push dword (v86code - $$ + 0x1000) >> 4
      push dword 0
      iretd
    monitor:
      mov ax, 0x10
      mov ds, ax
      mov eax, [esp]             ; error code
      mark 1, eax
      mov eax, [esp + 4]         ; EIP
      mark 2, eax
      hlt
    wrong:
      mov ax, 0x10
      mov ds, ax
      mark 1, 0xbad
      hlt
    align 16
    bits 16
    v86code:
      ${insn}
      hlt`));
      runToHalt(m, 100000);
      return [mark(m, 1), mark(m, 2)];
    };
    expect(run('int 0x21')[0]).toBe(0);
    expect(run('int3')[0]).toBe(3 * 8 + 2);
    expect(run('into')[0]).toBe(4 * 8 + 2);
    // The fault reports the interrupt instruction itself (offset 0 of the V86 code).
    expect(run('int3')[1]).toBe(0);
  });
});
