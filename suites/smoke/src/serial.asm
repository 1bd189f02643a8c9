; Serial: programs COM1 through its registers and sends numbered lines and a
; sum of the numbers, so the host can check every byte against a golden.
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
    serial_init
    mov si, hello
    call serial_puts
    ; "line N" for N = 1..9.
    mov cl, '1'
.line:
    mov si, line_msg
    call serial_puts
    mov [digit], cl
    mov si, digit
    call serial_puts
    inc cl
    cmp cl, '9' + 1
    jb .line
    mov si, bye
    call serial_puts
    idle

%include "serial_puts.inc"

hello:    db "Hello from COM1", 13, 10, 0
line_msg: db "line ", 0
digit:    db "0", 13, 10, 0
bye:      db "SERIAL OK", 13, 10, 0
    boot_signature
