/**
 * NASM preamble for protected-mode tests: enters 32-bit protected mode with
 * flat ring-0/ring-3 segments, an IDT at 0x20000 (limit set by the body via
 * the `gate` macro + `lidt [idt_desc]`), a 32-bit TSS at 0x30000 (GDT 0x28),
 * stack at 0x90000. The body follows `pm32:` in 32-bit code.
 * Results are stored with `mark n, value` at 0x50000 + 4*n.
 */
export const PM_PREAMBLE = `
bits 16
org 0x1000
  cli
  lgdt [gdt_desc]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp 0x08:pm32

%macro gate 3 ; vector, handler, type/attr byte (8E int gate, 8F trap, EE/EF dpl3)
  mov eax, %2
  mov word [0x20000 + %1*8], ax
  mov word [0x20000 + %1*8 + 2], 0x08
  mov byte [0x20000 + %1*8 + 4], 0
  mov byte [0x20000 + %1*8 + 5], %3
  shr eax, 16
  mov word [0x20000 + %1*8 + 6], ax
%endmacro

%macro mark 2
  mov dword [0x50000 + %1*4], %2
%endmacro

%macro iret_to_ring3 2 ; entry, EFLAGS: IRETD to 0x1B:entry with SS:ESP = 0x23:0x80000
  push dword 0x23
  push dword 0x80000
  push dword %2
  push dword 0x1B
  push dword %1
  iretd
%endmacro

align 8
gdt:
  dq 0
  dq 0x00CF9A000000FFFF   ; 0x08 code32 ring 0
  dq 0x00CF92000000FFFF   ; 0x10 data ring 0
  dq 0x00CFFA000000FFFF   ; 0x18 code32 ring 3
  dq 0x00CFF2000000FFFF   ; 0x20 data ring 3
  dq 0x0000890300002100   ; 0x28 TSS32 base 0x30000 limit 0x2100 (byte 2 of base at +4 = 0x03)
  dq 0x0000890400000067   ; 0x30 second TSS32 base 0x40000
  dq 0x000F9A000000FFFF   ; 0x38 code16 ring 0, base 0, limit 1M
  dq 0                    ; 0x40 free (call gate slot)
  dq 0                    ; 0x48 free
gdt_end:
gdt_desc:
  dw gdt_end - gdt - 1
  dd gdt
idt_desc:
  dw 256*8 - 1
  dd 0x20000

bits 32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov fs, ax
  mov gs, ax
  mov esp, 0x90000
`;

/**
 * Paging set-up for a test body (after PM_PREAMBLE): the #PF handler `pf` in
 * the IDT, a page table at 0x71000 identity-mapping linear 0–4 MiB (user,
 * writable) and PDE 0 of a page directory at 0x70000 pointing at it. The body
 * then adds PDEs, loads CR3 (0x70000) and sets CR0.PG.
 */
export const IDENTITY_PAGING = `
      gate 14, pf, 0x8E
      lidt [idt_desc]
      mov edi, 0x71000
      mov eax, 0x007
      mov ecx, 1024
    .fill:
      stosd
      add eax, 0x1000
      loop .fill
      mov dword [0x70000], 0x71007
`;
