import { describe, expect, it } from 'vitest';
import { nasm, realMachine, runToHalt } from './helpers.js';

describe('80286 protected mode', () => {
  it('LMSW enters protected mode; 286 descriptors, 16-bit interrupt gate, segment limit #GP', () => {
    const m = realMachine(
      '80286',
      nasm(`
      bits 16
      org 0x1000
        lgdt [gdtr]
        lidt [idtr]
        smsw ax
        or ax, 1
        lmsw ax
        jmp 0x08:pm
      pm:
        mov ax, 0x10
        mov ds, ax
        mov ss, ax
        mov sp, 0x8000
        mov ax, 0x18          ; small data segment: base 0x20000, limit 0x0F
        mov es, ax
        mov byte [es:0x0F], 0x5A
        mov word [es:0x0F], 0x1234   ; crosses the limit → #GP(0)
        hlt
      gp:
        pop ax                ; error code
        mov [0x3000], ax
        mov [0x3002], sp
        smsw [0x3004]
        hlt
      align 8
      gdt:
        dq 0
        dw 0xFFFF, 0x0000, 0x9A00, 0   ; 0x08 code, base 0, limit 64K
        dw 0xFFFF, 0x0000, 0x9200, 0   ; 0x10 data, base 0
        dw 0x000F, 0x0000, 0x9202, 0   ; 0x18 data, base 0x20000, limit 0x0F
      gdt_end:
      gdtr: dw gdt_end - gdt - 1
            dd gdt
      idtr: dw 14*8 - 1
            dd idt
      align 8
      idt:
        times 13 dq 0
        dw gp, 0x08, 0x8600, 0         ; vector 13: 286 interrupt gate
      `),
    );
    runToHalt(m, 1000);
    expect(m.cpu.protectedMode).toBe(true);
    expect(m.memory.read8(0x2000f)).toBe(0x5a);
    expect(m.memory.read16(0x3000)).toBe(0); // #GP error code
    expect(m.memory.read16(0x3002)).toBe(0x8000 - 6); // IP, CS, FLAGS pushed as words
    expect(m.memory.read16(0x3004) & 1).toBe(1);
    expect(m.memory.read16(0x20010)).toBe(0); // the faulting word store wrote nothing
  });
});
