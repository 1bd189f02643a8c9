/**
 * Differential test against QEMU (TCG, -cpu pentium3): a small boot program runs a
 * deterministic stream of 32-bit ALU and string operations (with REP, segment
 * and address-size prefixes) on pseudo-random operands and
 * writes each result and its defined flags (undefined ones masked per the
 * SDM) to the debug port 0xE9. The same bytes run on our CPU in real mode;
 * the two transcripts must match exactly.
 */
import { describe, expect, it } from 'vitest';
import { QEMU_GUEST_SUBROUTINES, nasm, qemuAvailable, realMachine, runInQemu, runToHalt } from './helpers.js';

const SHIFT_CL = (insn: string): string => `push cx\nmov cl, dl\n${insn}\npop cx`;

// [instruction(s) computing on EAX (=EBX), ECX, EDX (= ECX & 31)], defined-flags mask
const OPS: [string, number][] = [
  ['add eax, ecx', 0x8d5],
  ['sub eax, ecx', 0x8d5],
  ['stc\nadc eax, ecx', 0x8d5],
  ['stc\nsbb eax, ecx', 0x8d5],
  ['and eax, ecx', 0x8c5],
  ['or ax, cx', 0x8c5],
  ['xor eax, ecx', 0x8c5],
  ['neg eax', 0x8d5],
  ['inc eax', 0x8d5],
  ['dec ax', 0x8d5],
  ['cmp al, cl', 0x8d5],
  [SHIFT_CL('shl eax, cl'), 0x0c5],
  [SHIFT_CL('shr eax, cl'), 0x0c5],
  [SHIFT_CL('sar eax, cl'), 0x0c5],
  [SHIFT_CL('rol eax, cl'), 0x001],
  [SHIFT_CL('ror ax, cl'), 0x001],
  [SHIFT_CL('rcl eax, cl'), 0x001],
  [SHIFT_CL('rcr ax, cl'), 0x001],
  ['shl eax, 1', 0x8c5],
  ['shr ax, 1', 0x8c5],
  ['sar al, 1', 0x8c5],
  ['rcl eax, 1', 0x801],
  ['imul eax, ecx', 0x801],
  ['imul cx', 0x801],
  ['mul ecx', 0x801],
  ['bt eax, ecx', 0x001],
  ['bts eax, edx', 0x001],
  ['btc ax, 3', 0x001],
  ['bsf eax, ecx', 0x040],
  ['bsr eax, ecx', 0x040],
  [SHIFT_CL('shld eax, ecx, cl'), 0x0c5],
  ['shrd eax, ecx, 7', 0x0c5],
  ['shld ax, cx, 5', 0x0c5],
  ['daa', 0x0d5],
  ['das', 0x0d5],
  ['aaa', 0x011],
  ['aas', 0x011],
  ['aam 10', 0x0c4],
  ['aad 10', 0x0c4],
  ['cmpxchg ecx, edx', 0x8d5],
  ['xadd eax, ecx', 0x8d5],
  ['movsx eax, cl', 0],
  ['movzx eax, cx', 0],
  ['bswap eax', 0],
  ['cbw\ncwde\ncdq\nxor eax, edx', 0],
  ['setg al\nsetbe ah', 0],
  // String instructions (DS = ES = FS = 0x2000, filled with pseudo-random bytes); counts come from EBX
  // (EDX is clobbered by MUL/CDQ above); flags survive LEA/MOV/POP.
  ['push ecx\nmov esi, 0x100\nmov edi, 0x180\nmov ecx, ebx\nand ecx, 31\ncld\nrep movsb\nlea eax, [esi+edi*2]\nlea eax, [eax+ecx*8]\npop ecx', 0x8d5],
  ['mov eax, [0x180]', 0],
  ['push ecx\nmov esi, 0x340\nmov edi, 0x3c0\nmov ecx, ebx\nand ecx, 31\nstd\na32 rep movsw\ncld\nlea eax, [esi+edi*2]\nlea eax, [eax+ecx*8]\npop ecx', 0x8d5],
  ['mov eax, [0x3a0]', 0],
  ['push ecx\nmov esi, 0xABCD0400\nmov edi, 0x12340400\nmov ecx, ebx\nand ecx, 31\nor ecx, 0x55550000\nrep a16 cmpsb\nlea eax, [esi+edi*2]\nlea eax, [eax+ecx*8]\npop ecx', 0x8d5],
  ['push ecx\nmov esi, 0x500\nmov edi, 0x500\nmov ecx, ebx\nand ecx, 31\nmov byte [0x510], 0\nrepne a32 cmpsd\nlea eax, [esi+edi*2]\nlea eax, [eax+ecx*8]\npop ecx', 0x8d5],
  ['push ecx\nmov edi, 0x600\nmov ecx, 64\nmov al, bl\nrepne scasb\nlea eax, [edi+ecx*4]\npop ecx', 0x8d5],
  ['push ecx\nmov edi, 0xFFFF0700\nmov ecx, ebx\nand ecx, 31\nmov eax, ebx\na16 rep stosd\nlea eax, [edi+ecx*4]\npop ecx', 0x8d5],
  ['mov eax, [0x708]', 0],
  ['mov esi, 0x800\nfs lodsd\nlea eax, [eax+esi]', 0],
  ['mov esi, 0x900\nmov edi, 0x980\nes movsd\nmov eax, [0x980]', 0],
  ['mov edi, 0xa00\nmov ax, 0x1234\nstosw\nstd\nstosb\ncld\nmov eax, [0x9fe]\nlea eax, [eax+edi]', 0],
  // Bit operations on memory with register offsets reaching before and after the operand.
  ['push ecx\nmov ecx, ebx\nand ecx, 0x3ff\nbtc dword [0xc00], ecx\nneg ecx\nbts word [0xc80], cx\nmov eax, [0xc00]\npop ecx', 0x001],
  ['mov eax, [0xbfc]\nxor eax, [0xc04]', 0],
  ['imul eax, ecx, -7', 0x801],
  ['cmovo eax, ecx\ncmovs ax, dx', 0],
  ['push ebx\nmov bx, 0x40\nxlatb\npop ebx', 0],
  ['push ebp\nenter 12, 0\nmov eax, esp\nleave\nxor eax, ebp\npop ebp', 0],
  ['pushad\nxor eax, eax\nmov ebx, 1\npopad\nlea eax, [eax+ebx]', 0],
];

function program(iterations: number): string {
  // ESI holds the generator state and EDI is free: both are preserved around each operation.
  const ops = OPS.map(
    ([insn, mask]) => `push esi\npush edi\nmov eax, ebx\n${insn}\npop edi\npop esi\npushfd\ncall out32\npop eax\nand eax, ${mask}\ncall out32\n`,
  ).join('');
  return `
bits 16
org 0x7c00
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7000
  mov esi, 0x12345678
  mov ax, 0x2000
  mov ds, ax
  mov es, ax
  mov fs, ax
  xor di, di
  mov cx, 0x400
fill:
  call rnd
  stosd
  loop fill
  mov cx, ${iterations}
iter:
  push cx
  call rnd
  mov ebx, eax
  call rnd
  mov ecx, eax
  mov edx, eax
  and edx, 0x1f
${ops}
  pop cx
  dec cx
  jnz near iter
  mov al, 0x0a
  out 0xe9, al
  mov al, 0
  out 0xf4, al
  hlt
${QEMU_GUEST_SUBROUTINES}`;
}

describe('differential test against QEMU', () => {
  it('32-bit ALU results and defined flags match qemu-system-i386', () => {
    expect(qemuAvailable(), 'qemu-system-i386 must be installed (CI installs it)').toBe(true);
    const body = nasm(program(24).replace('org 0x7c00', 'org 0x8000'));
    const theirs = runInQemu(body, 'pentium3', 60_000);
    const m = realMachine('p6', body, 0x8000, 1 << 20);
    const ours: number[] = [];
    m.io.register('exit', 0xf4, 1, { write8: () => (m.cpu.stopRequested = true) });
    runToHalt(m, 5_000_000);
    for (const b of m.out) ours.push(b);
    const oursText = String.fromCharCode(...ours);
    expect(theirs.length).toBe(24 * OPS.length * 16 + 1);
    expect(oursText.length).toBe(theirs.length);
    // Compare per operation for a readable failure.
    const rec = 16;
    for (let i = 0; i < theirs.length - 1; i += rec) {
      const op = OPS[(i / rec) % OPS.length][0].replace(/\n/g, '; ');
      expect(`${op}: ${oursText.slice(i, i + rec)}`).toBe(`${op}: ${theirs.slice(i, i + rec)}`);
    }
  });
});
