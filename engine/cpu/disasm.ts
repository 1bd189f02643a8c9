/**
 * Intel-syntax disassembler, derived from the spec table: the mnemonic comes
 * from the decoded row and each operand is printed from its decoded kind.
 * Output is NASM-flavoured (`add word [bx+si+0x12], ax`, `jmp 0x1234`).
 */
import { decode, Decoded, DecodeFault, K, modelTables, type DecodeHost } from './decoder.js';
import type { CpuModel } from './spec.js';

const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SEG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?6', '?7'];
const SIZE_NAME: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword', 6: 'fword', 8: 'qword', 10: 'tword' };

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

function memText(d: Decoded, size: number): string {
  const parts: string[] = [];
  const names = d.a32 ? R32 : R16;
  if (d.eaBase >= 0) parts.push(names[d.eaBase]);
  if (d.eaIndex >= 0) parts.push(names[d.eaIndex] + (d.eaScale ? '*' + (1 << d.eaScale) : ''));
  let disp = d.eaDisp;
  if (!d.a32 && d.eaBase >= 0) disp = (disp << 16) >> 16;
  let inner = parts.join('+');
  if (parts.length === 0) inner = hex(d.a32 ? disp >>> 0 : disp & 0xffff);
  else if (disp !== 0) inner += disp < 0 ? '-' + hex(-disp) : '+' + hex(disp);
  const seg = d.seg >= 0 ? SEG[d.seg] + ':' : '';
  const sz = SIZE_NAME[size];
  return (sz ? sz + ' ' : '') + '[' + seg + inner + ']';
}

function regName(n: number, size: number): string {
  return size === 1 ? R8[n] : size === 2 ? R16[n] : R32[n];
}

/** Disassemble the already-decoded instruction `d` that starts at `eip`. */
export function disassemble(d: Decoded, eip: number): string {
  if (d.fault !== DecodeFault.None) return '(bad)';
  const s = d.spec;
  const ops: string[] = [];
  for (let i = 0; i < d.nargs; i++) {
    const sz = d.size[i];
    switch (d.kind[i]) {
      case K.Reg:
        ops.push(regName(d.regNo[i], sz || 2));
        break;
      case K.Mem:
        ops.push(memText(d, sz));
        break;
      case K.Imm:
        ops.push(hex(i === 0 || d.kind[0] !== K.Imm ? d.imm : d.imm2));
        break;
      case K.Seg:
        ops.push(SEG[d.regNo[i]]);
        break;
      case K.Cr:
        ops.push('cr' + d.regNo[i]);
        break;
      case K.Dr:
        ops.push('dr' + d.regNo[i]);
        break;
      case K.Tr:
        ops.push('tr' + d.regNo[i]);
        break;
      case K.St:
        ops.push('st' + d.regNo[i]);
        break;
      case K.Mm:
        ops.push('mm' + d.regNo[i]);
        break;
      case K.Rel: {
        const next = eip + d.len;
        ops.push(hex((next + d.imm) & (d.o32 ? 0xffffffff : 0xffff)));
        break;
      }
      case K.Far:
        ops.push(hex(d.imm2) + ':' + hex(d.imm));
        break;
      case K.StrSrc:
      case K.StrDst:
        break;
    }
  }
  let mn = s.mn;
  const strSize = d.nargs > 0 && (d.kind[0] === K.StrSrc || d.kind[0] === K.StrDst || d.kind[1] === K.StrSrc || d.kind[1] === K.StrDst);
  if (strSize) {
    const sz = d.size[0] === 1 || d.size[1] === 1 ? 1 : d.o32 ? 4 : 2;
    mn += sz === 1 ? 'b' : sz === 2 ? 'w' : 'd';
    ops.length = 0;
  }
  let prefix = '';
  if (d.lock) prefix += 'lock ';
  if (d.rep === 0xf3) prefix += strSize && (s.mn === 'cmps' || s.mn === 'scas') ? 'repe ' : 'rep ';
  if (d.rep === 0xf2) prefix += 'repne ';
  if (d.seg >= 0 && !ops.some((o) => o.includes('['))) prefix += SEG[d.seg] + ' ';
  return prefix + mn + (ops.length ? ' ' + ops.join(', ') : '');
}

/** Disassemble raw bytes as `model` code (16-bit unless `big`). */
export function disassembleBytes(bytes: ArrayLike<number>, model: CpuModel, eip = 0, big = false): { text: string; length: number } {
  const host: DecodeHost = {
    fetchCode: (off: number) => {
      const i = (off - eip) >>> 0;
      return i < bytes.length ? bytes[i] : 0;
    },
    reg32: () => 0,
    codeBig: big,
  };
  const d = new Decoded();
  decode(modelTables(model), host, eip, d);
  return { text: disassemble(d, eip), length: d.len };
}
