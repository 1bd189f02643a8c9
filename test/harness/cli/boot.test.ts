import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { PNG } from 'pngjs';
import { assemble, floppyImage } from '../../helpers/nasm.js';

const root = join(import.meta.dirname, '../../..');
const lab = (...args: string[]) => execa('node', ['bin/lab.js', ...args], { cwd: root, reject: false, stripFinalNewline: false });

// A boot sector that prints on screen and COM1, posts codes to port 0x80, then halts.
const program = `bits 16
org 0x7c00
  jmp 0:start
start:
  xor ax, ax
  mov ds, ax
  mov si, msg
.t: lodsb
  or al, al
  jz .s
  mov ah, 0x0e
  int 0x10
  jmp .t
.s: mov dx, 0x3f8
  mov si, ser
.u: lodsb
  or al, al
  jz .p
  out dx, al
  jmp .u
.p: mov al, 0x12
  out 0x80, al
  mov al, 0x34
  out 0x80, al
  cli
  hlt
msg: db "BOOT CLI TEST", 0
ser: db "SERIAL-LINE", 13, 10, 0
times 510-($-$$) db 0
dw 0xaa55
`;

// Echoes COM1 input upper-cased until '!', then prints DONE and halts.
const echo = `bits 16
org 0x7c00
  jmp 0:start
start:
  mov dx, 0x3fd
.w: in al, dx
  test al, 1
  jz .w
  mov dx, 0x3f8
  in al, dx
  cmp al, '!'
  je .done
  and al, 0xdf
  out dx, al
  mov dx, 0x3fd
  jmp .w
.done:
  mov si, done
.d: mov al, [cs:si]
  or al, al
  jz .h
  out dx, al
  inc si
  jmp .d
.h: cli
  hlt
done: db "DONE", 0
times 510-($-$$) db 0
dw 0xaa55
`;

/** The keyboard boot program of test/fixtures/boot-programs (prompts "Type:", echoes keys until Enter). */
function keyboardProgram(): string {
  const fixtures = join(root, 'test/fixtures/boot-programs');
  return readFileSync(join(fixtures, 'keyboard.asm'), 'utf8').replace(/^%include "([\w.-]+)"$/gm, (_, file: string) => readFileSync(join(fixtures, file), 'utf8'));
}

let dir: string;
let img: string;
let echoImg: string;
beforeAll(async () => {
  await execa('npm', ['run', 'build', '--silent'], { cwd: root });
  dir = mkdtempSync(join(tmpdir(), 'lab-boot-cli-'));
  img = floppyImage(assemble(program), dir);
  echoImg = floppyImage(assemble(echo), mkdtempSync(join(tmpdir(), 'lab-boot-echo-')));
});

describe('lab boot --type-after', () => {
  it('holds the keys until the prompt is on screen, so they survive SeaBIOS resetting the keyboard', async () => {
    const kb = floppyImage(assemble(keyboardProgram()), mkdtempSync(join(tmpdir(), 'lab-boot-kb-')));
    const txt = join(dir, 'kb.txt');
    const r = await lab('boot', '--fda', kb, '--firmware', 'seabios', '--type', 'dir a:\n', '--type-after', 'Type:', '--until-text', 'KEYBOARD OK', '--max-instructions', '200000000', '--text', txt);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(readFileSync(txt, 'utf8')).toContain('Type: dir a:');
  });

  it('is a usage error without --type', async () => {
    const r = await lab('boot', '--fda', img, '--type-after', 'Type:');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--type-after needs --type');
  });
});

describe('lab boot', () => {
  it('exits 0 when --until-text is met and writes the screenshot, text and stats', async () => {
    const png = join(dir, 'shot.png');
    const txt = join(dir, 'screen.txt');
    const r = await lab('boot', '--fda', img, '--until-text', 'BOOT CLI TEST', '--screenshot', png, '--text', txt, '--stats');
    expect(r.exitCode).toBe(0);
    const stats = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(stats.reason).toBe('until');
    expect(stats.instructions).toBeGreaterThan(0);
    expect(readFileSync(txt, 'utf8')).toContain('BOOT CLI TEST');
    const decoded = PNG.sync.read(readFileSync(png));
    expect([decoded.width, decoded.height]).toEqual([720, 400]);
  });

  it('streams COM1 to stdout with --serial - and logs port writes', async () => {
    const log = join(dir, 'post.bin');
    const r = await lab('boot', '--fda', img, '--serial', '-', '--port-log', '0x80:' + log);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('SERIAL-LINE\r\n');
    expect([...readFileSync(log)]).toEqual([0x12, 0x34]);
  });

  it('exits 1 when the budget runs out before the condition', async () => {
    const r = await lab('boot', '--fda', img, '--until-text', 'NEVER SHOWN', '--virtual-ms', '50');
    expect(r.exitCode).toBe(1);
  });

  it('exits 2 with one line for a missing image, a bad firmware file and a bad option value', async () => {
    for (const args of [
      ['--fda', join(dir, 'missing.img')],
      ['--fda', img, '--firmware', join(dir, 'no-such-rom.bin')],
      ['--fda', img, '--memory', 'lots'],
      ['--fda', img, '--boot', 'x,y'],
    ]) {
      const r = await lab('boot', ...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const missing = await lab('boot', '--fda', join(dir, 'missing.img'));
    expect(missing.stderr).toContain('missing.img: image not found');
  });

  it('never writes the image unless --persist is given', async () => {
    const before = readFileSync(img);
    await lab('boot', '--fda', img, '--virtual-ms', '100');
    expect(readFileSync(img).equals(before)).toBe(true);
    expect(existsSync(img)).toBe(true);
  });

  it('--realtime paces virtual time to the wall clock and feeds stdin to COM1', async () => {
    // Pacing is behaviour, not speed: 300 virtual ms can never finish in less than ~300 wall ms.
    const t0 = performance.now();
    const idle = await lab('boot', '--fda', echoImg, '--realtime', '--virtual-ms', '300');
    expect(idle.exitCode).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    const r = await execa('node', ['bin/lab.js', 'boot', '--fda', echoImg, '--realtime', '--serial', '-', '--until-serial', 'DONE', '--virtual-ms', '60000'], {
      cwd: root,
      reject: false,
      input: 'abc!',
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('ABCDONE');
  });
});
