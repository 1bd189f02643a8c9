; Text mode: clears an 80x25 colour text screen, prints a banner through the
; BIOS teletype (INT 10h AH=0Eh) and a row of attribute blocks written
; straight into video memory at B800:0000, then reports on COM1.
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
    mov ax, 0x0003          ; mode 3: 80x25 16-colour text
    int 0x10
    mov ah, 0x01            ; hide the cursor so the screen does not blink
    mov cx, 0x2000
    int 0x10
    mov si, banner
.tty:
    lodsb
    test al, al
    jz .attrs
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp .tty
.attrs:
    ; Row 3: the 16 background colours, each as "  " with attribute (c << 4) | 15.
    mov ax, 0xB800
    mov es, ax
    mov di, (3 * 80 + 2) * 2
    xor cx, cx
.colour:
    mov ah, cl
    shl ah, 4
    or ah, 0x0F
    mov al, '0'
    add al, cl
    cmp al, '9'
    jbe .digit
    add al, 'A' - '9' - 1
.digit:
    stosw
    mov al, ' '
    stosw
    inc cx
    cmp cx, 16
    jb .colour
    serial_init
    mov si, done_msg
    call serial_puts
    idle

%include "serial_puts.inc"

banner:   db "Compatibility lab smoke test: text mode", 13, 10, "Line two: 0123456789 !@#$%^&*()", 13, 10, 0
done_msg: db "TEXT OK", 13, 10, 0
    boot_signature
