import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../engine/machine.js';
import { EngineInputError } from '../../engine/errors.js';
import { assemble, floppyImage } from '../helpers/nasm.js';

const PRELUDE = `bits 16
org 0x7c00
  jmp 0:start
print:            ; DS:SI asciz -> teletype
  lodsb
  or al, al
  jz .d
  mov ah, 0x0e
  mov bx, 0x0007
  int 0x10
  jmp print
.d: ret
`;
const TAIL = `times 510-($-$$) db 0
dw 0xaa55
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-machine-'));
});

function image(body: string, name: string): string {
  return floppyImage(assemble(PRELUDE + body + TAIL), dir, name);
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('Machine with the built-in BIOS', () => {
  it('boots a floppy and shows BIOS teletype, serial, printer and debug-console output', async () => {
    const img = image(
      `start:
  xor ax, ax
  mov ds, ax
  mov si, hello
  call print
  mov si, e9
.e: lodsb
  or al, al
  jz .s
  out 0xe9, al
  jmp .e
.s: mov ah, 0         ; INT 14h init COM1 9600 8N1
  mov al, 0xe3
  xor dx, dx
  int 0x14
  mov si, ser
.s2: lodsb
  or al, al
  jz .p
  mov ah, 1
  xor dx, dx
  int 0x14
  jmp .s2
.p: mov si, prn
.p2: lodsb
  or al, al
  jz .h
  mov ah, 0
  xor dx, dx
  int 0x17
  jmp .p2
.h: cli
  hlt
hello: db "Hello, lab", 13, 10, 0
e9: db "debug", 0
ser: db "SERIAL OK", 0
prn: db "PRINTED", 13, 10, 0
`,
      'hello.img',
    );
    const m = await Machine.create({ fda: { path: img } });
    const r = m.run({ maxVirtualMs: 2000 });
    expect(r.reason).toBe('halted');
    expect(m.text()).toContain('compat-lab BIOS');
    expect(m.text()).toContain('Hello, lab');
    expect(m.debugConsole.text()).toBe('debug');
    expect(m.serial[0].text()).toBe('SERIAL OK');
    expect(m.printer.text()).toBe('PRINTED\r\n');
    expect(m.log).toContain('booting from floppy');
    m.dispose();
  });

  it('keeps the base image byte-identical while the guest writes to its disk', async () => {
    const img = image(
      `start:
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov di, 0x8000      ; fill a sector with 0x5A
  mov cx, 512
  mov al, 0x5a
  rep stosb
  mov ax, 0x0301      ; write 1 sector: C0 H0 S2
  mov cx, 0x0002
  xor dx, dx
  mov bx, 0x8000
  int 0x13
  jc .fail
  mov di, 0x9000
  mov cx, 512
  xor al, al
  rep stosb
  mov ax, 0x0201      ; read it back
  mov cx, 0x0002
  xor dx, dx
  mov bx, 0x9000
  int 0x13
  jc .fail
  cmp byte [0x91ff], 0x5a
  jne .fail
  mov si, ok
  call print
  cli
  hlt
.fail:
  mov si, bad
  call print
  cli
  hlt
ok: db "RW OK", 0
bad: db "RW FAIL", 0
`,
      'rw.img',
    );
    const before = sha(img);
    const m = await Machine.create({ fda: { path: img } });
    expect(m.run({ maxVirtualMs: 2000 }).reason).toBe('halted');
    expect(m.text()).toContain('RW OK');
    m.dispose();
    expect(sha(img)).toBe(before);
  });

  it('advances the BIOS tick count from the virtual PIT and wakes HLT with IRQ 0', async () => {
    const img = image(
      `start:
  xor ax, ax
  mov ds, ax
  sti
  mov ah, 0
  int 0x1a
  mov bx, dx
  add bx, 18          ; about one second of 18.2 Hz ticks
.w: hlt
  mov ah, 0
  int 0x1a
  cmp dx, bx
  jb .w
  mov si, done
  call print
  cli
  hlt
done: db "ONE SECOND", 0
`,
      'tick.img',
    );
    const m = await Machine.create({ fda: { path: img } });
    const r = m.run({ maxVirtualMs: 5000 });
    expect(r.reason).toBe('halted');
    expect(m.text()).toContain('ONE SECOND');
    // Halted time is skipped, not executed: about a second of virtual time for few instructions.
    expect(m.virtualTimeMs).toBeGreaterThan(950);
    expect(m.virtualTimeMs).toBeLessThan(1100);
    expect(m.instructions).toBeLessThan(200_000);
    m.dispose();
  });

  it('powers off through APM', async () => {
    const img = image(
      `start:
  mov ax, 0x5301
  xor bx, bx
  int 0x15
  mov ax, 0x5307
  mov bx, 1
  mov cx, 3
  int 0x15
  jmp $
`,
      'apm.img',
    );
    const m = await Machine.create({ fda: { path: img } });
    expect(m.run({ maxVirtualMs: 1000 }).reason).toBe('power-off');
    m.dispose();
  });

  const counter = `start:
  xor ax, ax
  mov ds, ax
  mov ax, 0xb800
  mov es, ax
  xor cx, cx
.l: inc cx
  mov di, 3840
  mov ax, cx
  mov bx, 4
.d: rol ax, 4
  push ax
  and al, 15
  add al, '0'
  cmp al, '9'
  jbe .p
  add al, 7
.p: mov ah, 0x1f
  stosw
  pop ax
  dec bx
  jnz .d
  jmp .l
`;

  it('gives bit-identical screens for identical runs', async () => {
    const img = image(counter, 'count.img');
    const shots: string[] = [];
    for (let i = 0; i < 2; i++) {
      const m = await Machine.create({ fda: { path: img } });
      m.run({ maxInstructions: 300_000 });
      shots.push(createHash('sha256').update(m.screen().data).digest('hex'));
      m.dispose();
    }
    expect(shots[0]).toBe(shots[1]);
  });

  it('continues bit-identically from a snapshot', async () => {
    const img = image(counter, 'count2.img');
    const a = await Machine.create({ fda: { path: img } });
    a.run({ maxInstructions: 200_000 });
    const snap = a.snapshot();
    a.run({ maxInstructions: 123_457 });
    const b = await Machine.restore(snap);
    b.run({ maxInstructions: 123_457 });
    expect(b.instructions).toBe(a.instructions);
    expect(b.virtualTimeMs).toBe(a.virtualTimeMs);
    expect(b.text()).toBe(a.text());
    expect(Buffer.from(b.screen().data).equals(Buffer.from(a.screen().data))).toBe(true);
    expect(Buffer.from(b.memory.ram).equals(Buffer.from(a.memory.ram))).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('reports a missing image and a bad config as input errors', async () => {
    await expect(Machine.create({ fda: { path: join(dir, 'nope.img') } })).rejects.toThrow(EngineInputError);
    await expect(Machine.create({ fda: { path: join(dir, 'nope.img') } })).rejects.toThrow(/nope\.img: image not found/);
    await expect(Machine.create({ memoryMB: -1 })).rejects.toThrow(/memoryMB/);
  });

  it('says so when nothing is bootable', async () => {
    const m = await Machine.create({});
    expect(m.run({ maxVirtualMs: 1000 }).reason).toBe('halted');
    expect(m.text()).toContain('No bootable device');
    m.dispose();
  });
});
