import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoBus } from '../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../engine/clock/virtual-clock.js';
import { Cpu, ATTR_PRESENT, type CpuModel } from '../../../engine/cpu/cpu.js';

let dir: string | undefined;

/** Assemble NASM source (flat binary) in a temp dir. */
export function nasm(source: string): Uint8Array {
  dir ??= mkdtempSync(join(tmpdir(), 'cpu-nasm-'));
  const src = join(dir, `t${Math.abs(hash(source))}.asm`);
  const out = src.replace(/\.asm$/, '.bin');
  writeFileSync(src, source);
  execFileSync('nasm', ['-f', 'bin', '-o', out, src], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(out));
}

/**
 * NASM subroutines of the QEMU differential guests: `rnd` (the next pseudo-random EAX from
 * the seed in ESI) and `out32` (EAX as eight hex digits to port 0xE9).
 */
export const QEMU_GUEST_SUBROUTINES = `rnd:
  mov eax, esi
  imul eax, eax, 1103515245
  add eax, 12345
  mov esi, eax
  push ecx
  mov ecx, eax
  shr ecx, 7
  xor eax, ecx
  pop ecx
  ret
out32:
  push eax
  push cx
  mov cx, 8
.h:
  rol eax, 4
  push eax
  and al, 0x0f
  add al, '0'
  cmp al, '9'
  jbe .d
  add al, 7
.d:
  out 0xe9, al
  pop eax
  loop .h
  pop cx
  pop eax
  ret
`;

/** Whether qemu-system-i386 can be run. */
export function qemuAvailable(): boolean {
  try {
    execFileSync('qemu-system-i386', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Boot a real-mode guest (`body`, assembled at 0x8000) from a floppy on qemu-system-i386
 * with `-cpu cpuModel`: a one-sector loader reads it in through INT 13h. Returns what the
 * guest wrote to port 0xE9; the guest ends by writing 0 to the debug-exit port 0xF4.
 */
export function runInQemu(body: Uint8Array, cpuModel: string, timeoutMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-qemu-'));
  const img = new Uint8Array(1474560);
  const loader = nasm(`
bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ax, 0x0200 + ${Math.ceil(body.length / 512)}
  mov bx, 0x8000
  mov cx, 0x0002
  xor dh, dh
  int 0x13
  jmp 0x0000:0x8000
times 510-($-$$) db 0
dw 0xaa55`);
  img.set(loader, 0);
  img.set(body, 512);
  writeFileSync(join(dir, 'fd.img'), img);
  const outFile = join(dir, 'e9.txt');
  try {
    execFileSync(
      'qemu-system-i386',
      ['-display', 'none', '-no-reboot', '-cpu', cpuModel, '-debugcon', `file:${outFile}`, '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-drive', `file=${join(dir, 'fd.img')},format=raw,if=floppy`],
      { stdio: 'pipe', timeout: timeoutMs },
    );
  } catch (e) {
    // isa-debug-exit with value 0 makes QEMU exit with status 1: the expected way out.
    if ((e as { status?: number }).status !== 1) throw e;
  }
  return readFileSync(outFile, 'latin1');
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export interface TestMachine {
  cpu: Cpu;
  memory: PhysicalMemory;
  io: IoBus;
  clock: VirtualClock;
  /** Bytes written to port 0xE9 (debug output). */
  out: number[];
}

/** A CPU with RAM, real mode, code loaded at 0000:`org`, SS:SP = 0000:0x8000. */
export function realMachine(model: CpuModel, code: Uint8Array, org = 0x1000, ramBytes = 16 * 1024 * 1024): TestMachine {
  const memory = new PhysicalMemory(ramBytes);
  const io = new IoBus();
  const clock = new VirtualClock(1_000_000);
  const out: number[] = [];
  io.register('debug', 0xe9, 1, { write8: (_p, v) => out.push(v) });
  const cpu = new Cpu({ model, memory, io, clock });
  const m = { cpu, memory, io, clock, out };
  loadReal(m, code, org);
  return m;
}

/** Reset `m`'s CPU to real mode with `code` at 0000:`org` and SS:SP = 0000:0x8000 (reuses the machine). */
export function loadReal(m: TestMachine, code: Uint8Array, org = 0x1000): void {
  const { cpu, memory } = m;
  cpu.reset();
  memory.writeBytes(org, code);
  for (let s = 0; s < 4; s++) {
    cpu.seg[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13);
  }
  cpu.eip = org;
  cpu.r[4] = 0x8000;
}

/** Run until HLT (or the budget); returns retired instructions. */
export function runToHalt(m: TestMachine, budget = 1_000_000): number {
  let n = 0;
  while (!m.cpu.halted && n < budget && !m.cpu.tripleFaulted) n += m.cpu.run(Math.min(10000, budget - n));
  return n;
}
