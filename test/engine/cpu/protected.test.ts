import { describe, expect, it } from 'vitest';
import type { CpuModel } from '../../../engine/cpu/cpu.js';
import { nasm, realMachine, runToHalt, type TestMachine } from './helpers.js';
import { IDENTITY_PAGING, PM_PREAMBLE } from './pm-env.js';
import { runTier } from './jit/programs.js';

function runPm(body: string, model: CpuModel = 'p6', budget = 2_000_000): TestMachine {
  const m = realMachine(model, nasm(PM_PREAMBLE + body));
  runToHalt(m, budget);
  return m;
}

const mark = (m: TestMachine, n: number): number => m.memory.read32(0x50000 + n * 4) >>> 0;

describe('32-bit integer instructions (flat protected mode)', () => {
  it('bit scans, double shifts, extensions, bswap, exchange-and-compare', () => {
    const m = runPm(`
      mov eax, 0x00F00000
      bsf ecx, eax
      bsr edx, eax
      mark 1, ecx
      mark 2, edx
      mov eax, 0x12345678
      mov ebx, 0x9ABCDEF0
      shld eax, ebx, 8
      mark 3, eax
      mov eax, 0x12345678
      mov ebx, 0x9ABCDEF1
      mov cl, 4
      shrd eax, ebx, cl
      mark 4, eax
      mov bl, 0x80
      movsx eax, bl
      movzx ecx, bl
      mark 5, eax
      mark 6, ecx
      mov eax, 0x11223344
      bswap eax
      mark 7, eax
      mov dword [0x60010], 5
      mov eax, 5
      mov ecx, 9
      cmpxchg [0x60010], ecx
      setz bl
      movzx ebx, bl
      mark 8, ebx
      mov edx, [0x60010]
      mark 9, edx
      mov eax, 5
      cmpxchg [0x60010], ecx
      setz bl
      movzx ebx, bl
      mark 10, ebx
      mark 11, eax
      mov eax, 3
      mov ebx, 4
      xadd eax, ebx
      mark 12, eax
      mark 13, ebx
      mov dword [0x60020], 0x11111111
      mov dword [0x60024], 0x22222222
      mov eax, 0x11111111
      mov edx, 0x22222222
      mov ebx, 0xAAAAAAAA
      mov ecx, 0xBBBBBBBB
      cmpxchg8b [0x60020]
      setz al
      movzx eax, al
      mark 14, eax
      mov eax, [0x60024]
      mark 15, eax
      mov eax, 1
      mov ebx, 2
      mov ecx, 7
      cmp eax, ebx
      cmovl eax, ecx
      cmovg ebx, ecx
      mark 16, eax
      mark 17, ebx
      hlt`);
    const expected = [
      20, 23, 0x3456789a, 0x11234567, 0xffffff80, 0x80, 0x44332211, 1, 9, 0, 9, 7, 3, 1, 0xbbbbbbbb, 7, 2,
    ];
    expect(expected.map((_, i) => mark(m, i + 1))).toEqual(expected);
  });

  it('BT family with register bit offsets reaching outside the operand', () => {
    const m = runPm(`
      mov dword [0x5FFFC], 0
      mov dword [0x60000], 0
      mov dword [0x60004], 0x80000001
      mov eax, 63
      bts dword [0x60000], eax
      setc bl
      movzx ebx, bl
      mark 1, ebx
      mov eax, -1
      bts dword [0x60000], eax
      mov ecx, [0x5FFFC]
      mark 2, ecx
      mov eax, 32
      btr dword [0x60000], eax
      mov ecx, [0x60004]
      mark 3, ecx
      mov edx, 0xF0
      btc edx, 36
      mark 4, edx
      hlt`);
    expect([1, 2, 3, 4].map((i) => mark(m, i))).toEqual([1, 0x80000000, 0x80000000, 0xe0]);
  });

  it('64-bit multiply and divide, signed forms', () => {
    const m = runPm(`
      mov eax, 0xFFFFFFFF
      mov ecx, 0xFFFFFFFF
      mul ecx
      mark 1, eax
      mark 2, edx
      div ecx
      mark 3, eax
      mark 4, edx
      mov eax, -3
      imul eax, eax, 7
      mark 5, eax
      mov eax, -100
      cdq
      mov ecx, 7
      idiv ecx
      mark 6, eax
      mark 7, edx
      mov eax, 0x10000
      mov ecx, 0x10000
      imul ecx
      mark 8, eax
      mark 9, edx
      hlt`);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => mark(m, i))).toEqual([
      1, 0xfffffffe, 0xffffffff, 0, (-21) >>> 0, (-14) >>> 0, (-2) >>> 0, 0, 1,
    ]);
  });

  it('string instructions with 32- and 16-bit address size, PUSHAD/POPAD, ENTER/LEAVE', () => {
    const m = runPm(`
      mov dword [0x61000], 0x01020304
      mov dword [0x61004], 0x05060708
      mov esi, 0x61000
      mov edi, 0x62000
      mov ecx, 2
      cld
      rep movsd
      mov eax, [0x62004]
      mark 1, eax
      mark 2, edi
      mov edi, 0xABCD7000
      mov ecx, 0x55550003
      mov al, 0x5A
      a16 rep stosb
      mark 3, edi
      mark 4, ecx
      mov eax, [0x7000]
      mark 5, eax
      mov ebp, 0x12345678
      enter 8, 0
      mov eax, esp
      leave
      mark 6, eax
      mark 7, ebp
      mov eax, 1
      mov ebx, 2
      pushad
      xor eax, eax
      xor ebx, ebx
      popad
      mark 8, ebx
      mov ecx, 0
      mov edx, 5
      jecxz .z
      mov edx, 6
    .z:
      mark 9, edx
      std
      mov esi, 0x62007
      lodsb
      cld
      mark 10, esi
      hlt`);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => mark(m, i))).toEqual([
      0x05060708, 0x62008, 0xabcd7003, 0x55550000, 0x005a5a5a, 0x90000 - 4 - 8, 0x12345678, 2, 5, 0x62006,
    ]);
  });

  it('RDTSC counts retired instructions; RDMSR/WRMSR on known MSRs, #GP on unknown', () => {
    const m = runPm(`
      gate 13, gp, 0x8E
      lidt [idt_desc]
      rdtsc
      mov ebx, eax
      nop
      rdtsc
      sub eax, ebx
      mark 1, eax
      mov ecx, 0x174
      mov eax, 0x1234
      xor edx, edx
      wrmsr
      xor eax, eax
      rdmsr
      mark 2, eax
      mov ecx, 0x1B
      rdmsr
      mark 3, eax
      mov ecx, 0xDEAD
      rdmsr
      hlt
    gp:
      pop eax
      mark 4, 0x600D
      hlt`);
    expect([1, 2, 3, 4].map((i) => mark(m, i))).toEqual([3, 0x1234, 0xfee00900, 0x600d]);
  });
});

describe('paging', () => {
  it('4 KiB and 4 MiB pages, A/D bits, #PF with CR2 and error code, WP', () => {
    const m = runPm(`
      ${IDENTITY_PAGING}
      mov dword [0x70004], 0x800087
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov eax, 0x70000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80010000
      mov cr0, eax
      mov dword [0x400010], 0xCAFEBABE
      mov dword [0xC0001000], 0x1234
      mov eax, [0x72004]
      mark 5, eax
      and dword [0x71000 + 0x64*4], ~2
      invlpg [0x64000]
      mov dword [0x64000], 0x77
      mov eax, [0x71000 + 0x64*4]
      mark 6, eax
      mov eax, cr0
      and eax, 0x7FFFFFFF
      mov cr0, eax
      hlt
    pf:
      pop ebx
      mov eax, cr2
      mov ecx, [0x50100]
      mov [0x50104 + ecx*8], eax
      mov [0x50108 + ecx*8], ebx
      inc dword [0x50100]
      test ebx, 1
      jz .notpresent
      shr eax, 12
      or dword [0x71000 + eax*4], 2
      shl eax, 12
      invlpg [eax]
      iretd
    .notpresent:
      mov dword [0x72004], 0x63007
      mov dword [0x70000 + 0x300*4], 0x72007
      iretd`);
    const mem = m.memory;
    expect(mem.read32(0x800010) >>> 0).toBe(0xcafebabe);
    expect(mem.read32(0x63000)).toBe(0x1234);
    expect(mem.read32(0x64000)).toBe(0x77);
    expect(mem.read32(0x50100)).toBe(2);
    expect(mem.read32(0x50104) >>> 0).toBe(0xc0001000);
    expect(mem.read32(0x50108)).toBe(2); // not present, write, supervisor
    expect(mem.read32(0x5010c)).toBe(0x64000);
    expect(mem.read32(0x50110)).toBe(3); // protection, write
    expect(mark(m, 5) & 0x60).toBe(0x60); // accessed + dirty
    expect(mark(m, 6) & 0x62).toBe(0x62);
    expect(mem.read32(0x70004) & 0x20).toBe(0x20); // 4 MiB PDE accessed
  });
});

describe('paging: reserved bits', () => {
  // A 4 MiB PDE with bit 13 set (reserved without PSE-36): the CPU faults with
  // RSVD (error code bit 3) and P = 1; the handler clears the bit and retries.
  const body = `
      ${IDENTITY_PAGING}
      mov dword [0x70004], 0x802087          ; 4 MiB page at 8 MiB, bit 13 set
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov eax, 0x70000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
      mov dword [0x400020], 0x5EB7
      mov eax, cr0
      and eax, 0x7FFFFFFF
      mov cr0, eax
      hlt
    pf:
      pop ebx
      mark 1, ebx
      mov eax, cr2
      mark 2, eax
      and dword [0x70004], ~0x2000
      iretd`;
  it('PTEs and page-table PDEs have no checked reserved bits (SDM Vol. 3 Table 5-10)', () => {
    // PTE bit 7 (PAT on later CPUs), PDE bit 7 with CR4.PSE clear and the ignored bits 11:9.
    const m = runPm(`
      ${IDENTITY_PAGING}
      or dword [0x71000 + 0x60*4], 0xE80
      or dword [0x70000], 0xE80
      mov eax, 0x70000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
      mov dword [0x60010], 0x600D
      mov eax, cr0
      and eax, 0x7FFFFFFF
      mov cr0, eax
      hlt
    pf:
      pop ebx
      mark 1, ebx
      hlt`, 'p6');
    expect(mark(m, 1)).toBe(0);
    expect(m.memory.read32(0x60010)).toBe(0x600d);
  });

  it.each(['pentium', 'p6'] as const)('a set reserved bit in a 4 MiB PDE is a #PF with RSVD (%s)', (model) => {
    const m = runPm(body, model);
    expect(mark(m, 1)).toBe(0x0b); // RSVD | write | present
    expect(mark(m, 2)).toBe(0x400020);
    expect(m.memory.read32(0x800020)).toBe(0x5eb7);
  });
});

describe('paging: #PF ranks above #AC', () => {
  // SDM Vol. 3 §6.9 Table 6-2: a data page fault outranks an alignment check on the
  // same access. Page 0x60 is not present and page 0x61 read-only; the misaligned
  // ring-3 accesses to them fault with #PF first, and only after the handler fixes
  // the entry with #AC, which leaves the entries' A/D flags as they were: the access
  // never happened.
  const body = `
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      gate 17, ac, 0x8E
      gate 0x81, done, 0xEE
      ${IDENTITY_PAGING}
      and dword [0x71000 + 0x60*4], ~1
      and dword [0x71000 + 0x61*4], ~2
      mov eax, 0x70000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80050000                 ; PG, AM, WP
      mov cr0, eax
      iret_to_ring3 ring3, 0x40002       ; EFLAGS.AC
    ring3:
      mov ax, 0x23
      mov ds, ax
      mov dword [0x50200], r1
      mov eax, [0x60002]
    r1:
      mov dword [0x50200], r2
      mov [0x61001], eax
    r2:
      int 0x81
    pf:
      pop ebx
      mov ecx, [0x50100]
      mov [0x50104 + ecx*8], ebx
      mov eax, cr2
      mov [0x50108 + ecx*8], eax
      inc dword [0x50100]
      shr eax, 12
      or dword [0x71000 + eax*4], 3
      shl eax, 12
      invlpg [eax]
      iretd
    ac:
      pop eax
      inc dword [0x50210]
      mov eax, [0x50200]
      mov [esp], eax
      iretd
    done:
      mov ax, 0x10
      mov ds, ax
      mov eax, cr0
      and eax, 0x7FFFFFFF
      mov cr0, eax
      hlt`;
  it('misaligned ring-3 accesses to a not-present and a read-only page', () => {
    const m = runPm(body, 'p6');
    const mem = m.memory;
    expect(mem.read32(0x50100)).toBe(2);
    expect([mem.read32(0x50104), mem.read32(0x50108)]).toEqual([0x4, 0x60002]); // user read, not present
    expect([mem.read32(0x5010c), mem.read32(0x50110)]).toEqual([0x7, 0x61001]); // user write, protection
    expect(mem.read32(0x50210)).toBe(2); // then #AC on each
    expect(mem.read32(0x71000 + 0x60 * 4) & 0x60).toBe(0); // neither access set A or D
    expect(mem.read32(0x71000 + 0x61 * 4) & 0x60).toBe(0);
  });
});

describe('privilege levels, gates and the TSS', () => {
  it('ring 3 via IRET, INT gates with stack switch, #GP on CLI, I/O bitmap, call gate', () => {
    const m = runPm(`
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov word [0x30066], 0x68
      mov byte [0x30068 + 0x80/8], 1
      mov byte [0x30068 + 0x2000], 0xFF
      mov ax, 0x28
      ltr ax
      gate 13, gp, 0x8E
      gate 0x80, svc, 0xEE
      gate 0x81, done, 0xEE
      lidt [idt_desc]
      ; call gate at 0x40: DPL 3 → 0x08:cg
      mov eax, cg
      mov [gdt + 0x40], ax
      mov word [gdt + 0x42], 0x08
      mov word [gdt + 0x44], 0xEC00
      shr eax, 16
      mov [gdt + 0x46], ax
      iret_to_ring3 ring3, 0x2
    ring3:
      mov ax, 0x23
      mov ds, ax
      mov es, ax
      int 0x80
      mov dword [0x50200], r3a
      cli
    r3a:
      mov al, 0x42
      out 0xE9, al
      mov dword [0x50200], r3b
      out 0x80, al
    r3b:
      call 0x43:0
      mov eax, cs
      mark 7, eax
      int 0x81
    svc:
      mov eax, [esp + 4]
      mark 1, eax
      mov eax, esp
      mark 2, eax
      iretd
    gp:
      pop eax
      mov ecx, [0x50210]
      mov [0x50214 + ecx*4], eax
      inc dword [0x50210]
      mov eax, [0x50200]
      mov [esp], eax
      iretd
    cg:
      mov eax, cs
      mark 5, eax
      mov eax, [esp + 12]
      mark 6, eax
      retf
    done:
      mark 8, 0xD0
      hlt`);
    expect(mark(m, 1)).toBe(0x1b); // CS pushed by INT from ring 3
    expect(mark(m, 2)).toBe(0x88000 - 20); // ring-0 stack from TSS.ESP0: SS ESP EFLAGS CS EIP
    expect(m.memory.read32(0x50210)).toBe(2); // two #GPs: CLI and OUT 0x80
    expect(m.memory.read32(0x50214)).toBe(0);
    expect(m.out).toEqual([0x42]);
    expect(mark(m, 5)).toBe(0x08);
    expect(mark(m, 6)).toBe(0x23); // caller SS on the inner stack
    expect(mark(m, 7)).toBe(0x1b);
    expect(mark(m, 8)).toBe(0xd0);
    expect(m.cpu.cpl).toBe(0);
  });

  it('virtual-8086 mode: real-mode addressing, IOPL-sensitive CLI traps to the monitor', () => {
    const m = runPm(`
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      gate 13, monitor, 0x8E
      lidt [idt_desc]
      push dword 0
      push dword 0
      push dword 0
      push dword 0
      push dword 0
      push dword 0x7000
      push dword 0x20002
      push dword (v86code - $$ + 0x1000) >> 4
      push dword 0
      iretd
    monitor:
      mov ax, 0x10            ; entering from V86 nulls DS/ES/FS/GS
      mov ds, ax
      mov eax, [esp + 12]
      mark 1, eax
      mov eax, [esp + 8]
      mark 2, eax
      mov eax, [esp]
      mark 3, eax
      hlt
    align 16
    bits 16
    v86code:
      mov ax, 0x1234
      mov [0x100], ax
      mov bx, 0x0700
      mov ds, bx
      mov [0x10], ax
      cli
      hlt`);
    expect(mark(m, 1) & 0x20000).toBe(0x20000);
    expect(mark(m, 3)).toBe(0); // error code
    expect(mark(m, 2) << 4).toBeGreaterThan(0x1000); // V86 CS (paragraph of the code)
    expect(m.memory.read16(0x100)).toBe(0x1234);
    expect(m.memory.read16(0x7010)).toBe(0x1234);
  });

  it('task switch through JMP to a TSS', () => {
    const m = runPm(`
      mov ax, 0x28
      ltr ax
      mov dword [0x40020], task2
      mov dword [0x40024], 2
      mov dword [0x40038], 0x86000
      mov dword [0x40028], 0xAAAA
      mov word [0x4004C], 0x08
      mov word [0x40048], 0x10
      mov word [0x40050], 0x10
      mov word [0x40054], 0x10
      mov word [0x40058], 0x10
      mov word [0x4005C], 0x10
      mov ebx, 0x5555
      jmp 0x30:0
    back:
      hlt
    task2:
      str ax
      movzx eax, ax
      mark 1, eax
      mark 2, ebx
      mov eax, [gdt + 0x30 + 4]
      mark 3, eax
      mov eax, [gdt + 0x28 + 4]
      mark 4, eax
      mov eax, [0x30020]
      mark 5, eax
      mov eax, [0x30034]
      mark 6, eax
      hlt`);
    expect(mark(m, 1)).toBe(0x30);
    expect(mark(m, 2)).toBe(0); // EBX from the new TSS
    expect((mark(m, 3) >> 8) & 0xf).toBe(0xb); // new TSS busy
    expect((mark(m, 4) >> 8) & 0xf).toBe(0x9); // old TSS no longer busy
    expect(mark(m, 6)).toBe(0x5555); // old EBX saved in the old TSS
    expect(m.cpu.eip).toBeGreaterThan(0x1000);
  });

  it('#AC(0): misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC, in both tiers', () => {
    // SDM Vol. 3 §6.15 Interrupt 17. The handler records the error code and the
    // faulting address, then resumes at the address stored in [0x50200].
    const body = `
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      gate 17, ac, 0x8E
      gate 0x81, done, 0xEE
      lidt [idt_desc]
      mov eax, cr0
      or eax, 0x40000                    ; CR0.AM
      mov cr0, eax
      mov eax, [0x60001]                 ; CPL 0: never checked
      iret_to_ring3 ring3, 0x40002                 ; EFLAGS.AC
    ring3:
      mov ax, 0x23
      mov ds, ax
      mov es, ax
      mov ecx, 40                        ; repeated so the translator would compile it
    again:
      mov eax, [0x60004]                 ; aligned dword: fine
      mov ax, [0x60006]                  ; aligned word: fine
      mov al, [0x60007]                  ; bytes are never misaligned
      mov dword [0x50200], r1
      mov eax, [0x60002]                 ; misaligned dword: #AC(0)
    r1:
      mov dword [0x50200], r2
      mov [0x60003], ax                  ; misaligned word store: #AC(0), nothing written
    r2:
      dec ecx
      jnz again
      pushfd
      and dword [esp], ~0x40000          ; AC off: misaligned is fine again
      popfd
      mov eax, [0x60002]
      int 0x81
    ac:
      pop eax
      mov ebx, [0x50210]
      mov [0x50220 + ebx*4], eax
      inc dword [0x50210]
      mov eax, [0x50200]
      mov [esp], eax
      iretd
    done:
      mov ax, 0x10
      mov ds, ax
      mov eax, [0x50210]
      mark 1, eax
      movzx eax, word [0x60003]
      mark 2, eax
      hlt`;
    const m = runPm(body);
    expect(mark(m, 1)).toBe(80); // two faults per pass
    for (let i = 0; i < 80; i++) expect(m.memory.read32(0x50220 + i * 4)).toBe(0);
    expect(mark(m, 2)).toBe(0); // the faulting store never landed
    const code = nasm(PM_PREAMBLE + body);
    const interp = runTier(code, { bits: 32, model: 'p6' }, false, 1e9, 10_000);
    const jit = runTier(code, { bits: 32, model: 'p6' }, true, 1e9, 10_000);
    expect(jit.halted).toBe(true);
    expect(jit.r).toEqual(interp.r);
    expect(jit.n).toBe(interp.n);
    expect(jit.ram.equals(interp.ram)).toBe(true);
    // The i386 has no AC flag: the same program runs without a fault.
    expect(mark(runPm(body, '80386'), 1)).toBe(0);
  });

  it('SYSEXIT to ring 3 and SYSENTER back, with the flat CS/SS pairs from IA32_SYSENTER_CS; #GP(0) cases', () => {
    // SDM Vol. 2B SYSENTER/SYSEXIT. The preamble's GDT has the layout they assume:
    // 0x08 code0, 0x10 data0, 0x18 code3, 0x20 data3.
    const m = runPm(`
      mov dword [0x30004], 0x88000       ; TSS ring-0 stack for the #GP from ring 3
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      gate 13, gp, 0x8E
      lidt [idt_desc]
      mov dword [0x50200], s1
      sysenter                           ; SYSENTER_CS = 0: #GP(0)
    s1:
      xor edx, edx
      mov ecx, 0x174
      mov eax, 0x08
      wrmsr
      mov ecx, 0x175
      mov eax, 0x8F000
      wrmsr
      mov ecx, 0x176
      mov eax, kernel
      wrmsr
      mov ecx, 0x80000                   ; ring-3 stack
      mov edx, user                      ; ring-3 entry
      sti
      sysexit
    user:
      mov ax, 0x23                       ; SYSEXIT loads only CS and SS
      mov ds, ax
      mov es, ax
      mov eax, cs
      mark 1, eax
      mov eax, ss
      mark 2, eax
      mov eax, esp
      mark 3, eax
      mov dword [0x50200], u1
      sysexit                            ; CPL 3: #GP(0)
    u1:
      sysenter
    kernel:
      mov ax, 0x10
      mov ds, ax
      mov eax, cs
      mark 4, eax
      mov eax, ss
      mark 5, eax
      mov eax, esp
      mark 6, eax
      pushfd
      pop eax
      mark 7, eax
      mov eax, [0x50210]
      mark 8, eax
      hlt
    gp:
      pop eax
      mov ebx, [0x50210]
      mov [0x50220 + ebx*4], eax
      inc dword [0x50210]
      mov eax, [0x50200]
      mov [esp], eax
      iretd`);
    expect([mark(m, 1), mark(m, 2), mark(m, 3)]).toEqual([0x1b, 0x23, 0x80000]);
    expect([mark(m, 4), mark(m, 5), mark(m, 6)]).toEqual([0x08, 0x10, 0x8f000]);
    expect(mark(m, 7) & 0x200).toBe(0); // SYSENTER clears IF
    expect(mark(m, 8)).toBe(2); // two #GP(0)
    expect(m.memory.read32(0x50220)).toBe(0);
    expect(m.memory.read32(0x50224)).toBe(0);
  });

  it('SYSENTER is #UD before the P6', () => {
    const m = runPm(`
      gate 6, ud, 0x8E
      lidt [idt_desc]
      sysenter
      hlt
    ud:
      mark 1, 6
      hlt`, 'pentium');
    expect(mark(m, 1)).toBe(6);
  });

  it('#NP with a selector error code; RETF to ring 3 nulls more-privileged data segments', () => {
    const m = runPm(`
      mov dword [0x30004], 0x88000
      mov dword [0x30008], 0x10
      mov ax, 0x28
      ltr ax
      gate 11, np, 0x8E
      gate 0x81, done, 0xEE
      lidt [idt_desc]
      ; 0x40: data segment, not present
      mov dword [gdt + 0x40], 0x0000FFFF
      mov dword [gdt + 0x44], 0x00CF1200
      mov dword [0x50200], after_np
      mov ax, 0x40
      mov fs, ax
    after_np:
      ; RETF from ring 0 to ring 3 with DS = ring-0 data: DS must become null.
      mov ax, 0x10
      mov ds, ax
      mov es, ax
      push dword 0x23
      push dword 0x80000
      push dword 0x1B
      push dword ring3
      retf
    ring3:
      mov ecx, ds
      mov ebx, es
      int 0x81
    np:
      pop eax
      mark 1, eax
      mov eax, [0x50200]
      mov [esp], eax
      iretd
    done:
      mov ax, 0x10
      mov ds, ax
      mark 2, ecx
      mark 3, ebx
      hlt`);
    expect(mark(m, 1)).toBe(0x40); // error code = selector
    expect(mark(m, 2) & 0xfffc).toBe(0);
    expect(mark(m, 3) & 0xfffc).toBe(0);
  });

  it('segment type checks: writes through code or read-only segments and reads through execute-only code raise #GP(0)', () => {
    // SDM Vol. 3 §5.4.1. Each faulting access stores its resume address at
    // [0x50200]; the #GP handler counts faults and records the error codes.
    const body = `
      gate 13, gp, 0x8E
      lidt [idt_desc]
      mov dword [gdt + 0x40], 0x0000FFFF   ; 0x40: read-only data, flat
      mov dword [gdt + 0x44], 0x00CF9000
      mov dword [gdt + 0x48], 0x0000FFFF   ; 0x48: execute-only code32, flat
      mov dword [gdt + 0x4C], 0x00CF9800
      mov dword [0x60000], 0x11111111
      mov ax, 0x40
      mov fs, ax
      mov es, ax
      mov ebp, 40                        ; repeated so the translator compiles the loop
    again:
      mov eax, [fs:0x60000]              ; reading a read-only segment is fine
      mark 1, eax
      mov dword [0x50200], r1
      mov dword [fs:0x60000], 0x22222222 ; write through read-only data: #GP(0)
    r1:
      mov eax, [cs:0x60000]              ; reading a readable code segment is fine
      mark 2, eax
      mov dword [0x50200], r2
      mov [cs:0x60000], eax              ; write through code: #GP(0)
    r2:
      mov edi, 0x60000
      mov ecx, 4
      mov dword [0x50200], r3
      mov eax, 0x33333333
      rep stosd                          ; string store through read-only ES: #GP(0), nothing stored
    r3:
      mark 3, edi
      mark 4, ecx
      mov dword [0x50200], r4
      add dword [fs:0x60000], 1          ; read-modify-write: #GP(0) before the write
    r4:
      dec ebp
      jnz again
      jmp 0x48:xo
    xo:
      mov dword [0x50200], r5
      mov eax, [cs:0x60000]              ; read through execute-only code: #GP(0)
    r5:
      jmp 0x08:back
    back:
      mov ax, 0x10
      mov es, ax
      mov eax, [0x60000]
      mark 5, eax
      mov eax, [0x50210]
      mark 6, eax
      hlt
    gp:
      pop eax                            ; error code
      push ecx
      mov ecx, [0x50210]
      mov [0x50220 + ecx*4], eax
      inc dword [0x50210]
      pop ecx
      mov eax, [0x50200]
      mov [esp], eax
      iretd`;
    const m = runPm(body);
    expect(mark(m, 1)).toBe(0x11111111);
    expect(mark(m, 2)).toBe(0x11111111);
    expect(mark(m, 3)).toBe(0x60000); // EDI untouched by the faulting STOSD
    expect(mark(m, 4)).toBe(4);
    expect(mark(m, 5)).toBe(0x11111111); // no faulting write landed
    expect(mark(m, 6)).toBe(4 * 40 + 1); // four faults per pass, one through execute-only code
    for (let i = 0; i < 4 * 40 + 1; i++) expect(m.memory.read32(0x50220 + i * 4)).toBe(0);
    // The translator tier reaches the same state (generated code has no type checks: it must bail).
    const code = nasm(PM_PREAMBLE + body);
    const interp = runTier(code, { bits: 32, model: 'p6' }, false, 1e9, 10_000);
    const jit = runTier(code, { bits: 32, model: 'p6' }, true, 1e9, 10_000);
    expect(jit.halted).toBe(true);
    expect(jit.translated).toBeGreaterThan(0);
    expect(jit.r).toEqual(interp.r);
    expect(jit.n).toBe(interp.n);
    expect(jit.ram.equals(interp.ram)).toBe(true);
  });

  it('triple fault is reported to the machine, not thrown', () => {
    let reported = 0;
    const m = realMachine('80386', nasm(PM_PREAMBLE + `
      lidt [zero_idt]
      int3
      hlt
    zero_idt:
      dw 0
      dd 0`));
    m.cpu.onTripleFault = () => reported++;
    runToHalt(m, 10000);
    expect(reported).toBe(1);
    expect(m.cpu.tripleFaulted).toBe(true);
  });
});
