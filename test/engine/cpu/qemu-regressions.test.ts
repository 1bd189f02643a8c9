/**
 * Regression tests for CPU bugs found by the random QEMU differential test
 * (scripts/cpu-qemu-diff.ts). Each case is the smallest sequence that showed the
 * difference, checked against the SDM rather than against QEMU.
 */
import { describe, expect, it } from 'vitest';
import { nasm, realMachine, runToHalt } from './helpers.js';
import { IDENTITY_PAGING, PM_PREAMBLE } from './pm-env.js';

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

/**
 * Paging environment for the cases the paged modes (pg, pg3) of the differential test
 * found: the first 4 MiB identity-mapped through the page table at 0x71000 (user,
 * writable), CR0.WP = 1, and a #PF handler that records CR2 (mark 1), the error code
 * (2), the faulting EIP (3), the EFLAGS in the frame (4), ESI (5), EDI (6) and ECX (7).
 * Each body adjusts PTEs of pages 0x63000–0x66000 (then INVLPG) before the access.
 */
const PAGED = `
      ${IDENTITY_PAGING}
      mov eax, 0x70000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80010000
      mov cr0, eax
      jmp body
    pf:
      push eax
      mov eax, cr2
      mark 1, eax
      mov eax, [esp + 4]
      mark 2, eax
      mov eax, [esp + 8]
      mark 3, eax
      mov eax, [esp + 16]
      mark 4, eax
      mark 5, esi
      mark 6, edi
      mark 7, ecx
      hlt
    body:
`;

function runPaged(body: string): ReturnType<typeof realMachine> {
  const m = realMachine('p6', nasm(PM_PREAMBLE + PAGED + body + '\n      mark 1, 0x600d\n      hlt'));
  runToHalt(m, 200000);
  return m;
}

describe('paging bugs found by the QEMU differential test (modes pg, pg3)', () => {
  it('a read-modify-write whose store faults leaves EFLAGS and the source register as before the instruction (SDM Vol. 3 §6.5)', () => {
    for (const insn of ['add [0x64000], ebx', 'shl dword [0x64000], 1', 'xadd [0x64000], ebx', 'bts dword [0x64000], 3', 'shrd [0x64000], ebx, 5', 'sbb byte [0x64000], bl']) {
      const m = runPaged(`
      mov dword [0x64000], 0
      and dword [0x71000 + 0x64*4], ~2   ; read-only; with CR0.WP ring 0 may not write it either
      invlpg [0x64000]
      mov ebx, 0x7fffffff
      xor eax, eax                       ; ZF, PF set; CF, OF, SF clear
      ${insn}
      mark 8, ebx`);
      expect([mark(m, 1), mark(m, 2), mark(m, 4) & 0x8d5], insn).toEqual([0x64000, 3, 0x44]);
      expect(m.cpu.r[3] >>> 0, insn).toBe(0x7fffffff);
    }
  });

  it('an access crossing into a supervisor page at CPL 3 faults with U/S = 1; the page-table walk uses the CPL, not implicit supervisor rights (SDM Vol. 3 §4.6, §4.7)', () => {
    const m = runPaged(`
      and dword [0x71000 + 0x66*4], ~4   ; supervisor-only
      invlpg [0x66000]
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      iret_to_ring3 ring3, 0x2
    ring3:
      mov ax, 0x23
      mov ds, ax
      mov eax, [0x65ffe]`);
    expect([mark(m, 1), mark(m, 2)]).toEqual([0x66000, 4 | 1]);
  });

  it('the PDE accessed flag is set even when the PTE it leads to is not present (SDM Vol. 3 §4.8)', () => {
    const m = runPaged(`
      mov edi, 0x72000
      xor eax, eax
      mov ecx, 1024
      rep stosd
      mov dword [0x70004], 0x72007       ; PDE 1: page table of not-present PTEs, A clear
      mov eax, cr3
      mov cr3, eax
      mov eax, [0x400123]`);
    expect([mark(m, 1), mark(m, 2)]).toEqual([0x400123, 0]);
    expect(m.memory.read32(0x70004) & 0x20).toBe(0x20);
  });

  it('MOVS and CMPS leave ESI and EDI at the faulting element when the store or the second read faults (SDM Vol. 3 §6.5)', () => {
    const movs = runPaged(`
      and dword [0x71000 + 0x64*4], ~2
      invlpg [0x64000]
      mov esi, 0x63000
      mov edi, 0x64000
      cld
      movsd`);
    expect([mark(movs, 1), mark(movs, 2), mark(movs, 5), mark(movs, 6)]).toEqual([0x64000, 3, 0x63000, 0x64000]);
    const cmps = runPaged(`
      mov dword [0x71000 + 0x65*4], 0   ; not present
      invlpg [0x65000]
      mov esi, 0x65000
      mov edi, 0x63000
      mov ecx, 3
      cld
      repe cmpsd`);
    expect([mark(cmps, 1), mark(cmps, 2), mark(cmps, 5), mark(cmps, 6), mark(cmps, 7)]).toEqual([0x65000, 0, 0x65000, 0x63000, 3]);
  });

  it('stores split across a page boundary check both pages first: no partial write, CR2 = first byte of the faulting page (CMPXCHG8B, MOV dword)', () => {
    for (const insn of ['cmpxchg8b [0x63ffc]', 'mov dword [0x63ffe], 0x11223344']) {
      const m = runPaged(`
      and dword [0x71000 + 0x64*4], ~2
      invlpg [0x64000]
      mov dword [0x63ff8], 0x55555555
      mov dword [0x63ffc], 0xaaaaaaaa
      mov eax, 0xaaaaaaaa               ; CMPXCHG8B: EDX:EAX equal to the qword, so it stores ECX:EBX
      mov edx, [0x64000]
      mov ebx, 1
      mov ecx, 2
      ${insn}`);
      expect([mark(m, 1), mark(m, 2)], insn).toEqual([0x64000, 3]);
      expect([m.memory.read32(0x63ff8) >>> 0, m.memory.read32(0x63ffc) >>> 0], insn).toEqual([0x55555555, 0xaaaaaaaa]);
    }
  });

  it('SHLD/SHRD with a count of 0 still read the destination, like the other shifts: #PF on a not-present page', () => {
    const m = runPaged(`
      mov dword [0x71000 + 0x65*4], 0
      invlpg [0x65000]
      shld dword [0x65010], eax, 0`);
    expect([mark(m, 1), mark(m, 2)]).toEqual([0x65010, 0]);
  });
});
