; Keyboard: reads keys with INT 16h AH=00h and echoes them with the BIOS
; teletype until Enter, then shows the line it read and sends it to COM1.
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
    mov ax, 0x0003
    int 0x10
    mov ah, 0x01            ; hide the cursor: its blink phase is not what this case checks
    mov cx, 0x2000
    int 0x10
    serial_init
    mov si, prompt
    call puts
    mov si, ready
    call serial_puts
    mov di, buffer
.key:
    xor ah, ah
    int 0x16
    cmp al, 13
    je .enter
    test al, al
    jz .key                 ; extended keys carry no character
    cmp di, buffer + 60
    jae .key
    stosb
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp .key
.enter:
    mov byte [di], 0
    mov si, typed
    call puts
    mov si, buffer
    call puts
    mov si, keys_msg
    call serial_puts
    mov si, buffer
    call serial_puts
    mov si, crlf
    call serial_puts
    idle

; puts: print the zero-terminated string at DS:SI with the BIOS teletype.
puts:
    lodsb
    test al, al
    jz .done
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp puts
.done:
    ret

%include "serial_puts.inc"

prompt:   db "Type a line and press Enter:", 13, 10, "> ", 0
typed:    db 13, 10, "You typed: ", 0
ready:    db "READY", 13, 10, 0
keys_msg: db "KEYS: ", 0
crlf:     db 13, 10, 0
buffer:   equ 0x0600
    boot_signature
