; Printer through the BIOS: initialises LPT1 with INT 17h AH=01h and prints a
; short page with INT 17h AH=00h, ending in a form feed; then reports on COM1.
%include "common.inc"
    org 0x7C00
    bits 16
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    cld
    sti
    xor dx, dx              ; printer 0 = LPT1
    mov ah, 0x01
    int 0x17
    mov si, page
.next:
    lodsb
    test al, al
    jz .done
    xor dx, dx
    mov ah, 0x00
    int 0x17
    jmp .next
.done:
    serial_init
    mov si, done_msg
    call serial_puts
    idle

%include "serial_puts.inc"

page:     db "COMPATIBILITY LAB PRINTER TEST (BIOS)", 13, 10
          db "The quick brown fox jumps over the lazy dog.", 13, 10, 12, 0
done_msg: db "PRINT OK", 13, 10, 0
    boot_signature
