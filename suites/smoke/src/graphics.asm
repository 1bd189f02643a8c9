; Graphics: VGA mode 13h (320x200, 256 colours) through INT 10h AX=0013h,
; then draws straight into A000:0000 — sixteen colour bars across the top
; half, a grey ramp (palette 16-31) below them and a white frame — and
; reports on COM1.
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
    mov ax, 0x0013
    int 0x10
    mov ax, 0xA000
    mov es, ax
    ; Rows 0-99: bar i (20 pixels wide) in colour i.
    xor di, di
    mov dx, 100
.bar_row:
    xor bl, bl
.bar:
    mov al, bl
    mov cx, 20
    rep stosb
    inc bl
    cmp bl, 16
    jb .bar
    dec dx
    jnz .bar_row
    ; Rows 100-179: the default palette's grey ramp, colours 16-31, 20 pixels each.
    mov dx, 80
.ramp_row:
    mov bl, 16
.ramp:
    mov al, bl
    mov cx, 20
    rep stosb
    inc bl
    cmp bl, 32
    jb .ramp
    dec dx
    jnz .ramp_row
    ; A white (15) frame around rows 180-199.
    mov di, 180 * 320
    mov al, 15
    mov cx, 320
    rep stosb
    mov di, 199 * 320
    mov cx, 320
    rep stosb
    mov di, 181 * 320
    mov dx, 18
.sides:
    mov byte [es:di], 15
    mov byte [es:di + 319], 15
    add di, 320
    dec dx
    jnz .sides
    serial_init
    mov si, done_msg
    call serial_puts
    idle

%include "serial_puts.inc"

done_msg: db "GFX OK", 13, 10, 0
    boot_signature
