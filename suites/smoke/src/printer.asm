; Printer: prints a short page, ending in a form feed, on LPT1 through the
; port registers (IBM PC Technical Reference, "Printer Adapter"): wait until
; BUSY# (status bit 7) reads 1, latch the byte into the data register, pulse
; STROBE (control bit 0). Then reports on COM1.
%include "common.inc"
LPT1 equ 0x378
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
    mov si, page
.next:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, LPT1 + 1
.busy:
    in al, dx
    test al, 0x80
    jz .busy
    mov dx, LPT1
    mov al, ah
    out dx, al
    mov dx, LPT1 + 2
    mov al, 0x0D            ; SELECT IN, INIT# high, STROBE asserted
    out dx, al
    mov al, 0x0C            ; STROBE released
    out dx, al
    jmp .next
.done:
    serial_init
    mov si, done_msg
    call serial_puts
    idle

%include "serial_puts.inc"

page:     db "COMPATIBILITY LAB PRINTER TEST", 13, 10
          db "------------------------------", 13, 10
          db "The quick brown fox jumps over the lazy dog.", 13, 10
          db "0123456789", 13, 10, 12, 0
done_msg: db "PRINT OK", 13, 10, 0
    boot_signature
