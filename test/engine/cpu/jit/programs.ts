/**
 * Random-program generator and runner for the translator differential tests
 * (see differential.test.ts).
 */
import { IoBus } from '../../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../../engine/clock/virtual-clock.js';
import { Cpu, ATTR_PRESENT, type CpuModel, type InterruptSource } from '../../../../engine/cpu/cpu.js';
import { Translator, type TranslatorStats } from '../../../../engine/cpu/jit/translator.js';
import { Rng } from '../../../../engine/cpu/generator.js';
import { PM_PREAMBLE } from '../pm-env.js';

/** Timer line: raises vector `vector` every `period` ticks (scheduled on the CPU's clock). */
export class Timer implements InterruptSource {
  pending = false;
  taken = 0;
  constructor(
    private readonly clock: VirtualClock,
    private readonly period: number,
    private readonly vector: number,
  ) {
    this.arm();
  }
  private arm(): void {
    this.clock.schedule(this.clock.ticks + this.period, () => {
      this.pending = true;
      this.arm();
    });
  }
  hasInterrupt(): boolean {
    return this.pending;
  }
  acknowledge(): number {
    this.pending = false;
    this.taken++;
    return this.vector;
  }
}

export interface Mode {
  bits: 16 | 32;
  model: CpuModel;
  /**
   * 32-bit only: run with paging on, at this CPL. Data pages around the loop's base are
   * remapped (aliasing another page), read-only, not present and (ring 3) supervisor-only;
   * the #PF handler grants the access and INVLPGs, and the loop edits page-table entries.
   */
  paging?: 0 | 3;
}

/** Random program text for `mode` from `seed`. */
export function program(seed: number, mode: Mode): string {
  const g = new Rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[g.below(a.length)];
  const is32 = mode.bits === 32;
  const rich = mode.model !== '8086';
  const r32 = ['eax', 'edx', 'esi', 'edi'];
  const r16 = ['ax', 'dx', 'si', 'di'];
  const r8 = ['al', 'dl', 'ah', 'dh'];
  const src32 = [...r32, 'ecx', 'ebx'];
  const src16 = [...r16, 'cx', 'bx'];
  const alu = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];
  const shifts = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'sal'];
  const ccs = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
  const base = is32 ? 'ebx' : 'bx';
  const imm = (): number => pick([0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, g.next()]);
  const size = (): 8 | 16 | 32 => (is32 || rich ? pick([8, 16, 32] as const) : pick([8, 16] as const));
  const reg = (s: number, src = false): string => (s === 8 ? pick(r8) : s === 16 ? pick(src ? src16 : r16) : pick(src ? src32 : r32));
  const mem = (s: number): string => `${s === 8 ? 'byte' : s === 16 ? 'word' : 'dword'} [${base}${g.below(2) ? '+' : '-'}${g.below(128)}]`;
  const mask = (s: number, v: number): number => (s === 8 ? v & 0xff : s === 16 ? v & 0xffff : v >>> 0);
  let label = 0;
  const patches: string[] = [];
  // Page-table edits between accesses (SDM Vol. 3 §4.10: without INVLPG the TLB may keep the
  // old translation, and both tiers must keep exactly the same one). Ring 3 may write the
  // tables (they are user pages here) but cannot INVLPG or load CR3.
  const pageTableEdit = (): string[] => {
    // Mostly the two pages the loop's memory operands use (EBX ± 127 around 0x60000).
    const page = g.below(4) === 0 ? 0x61 + g.below(2) : 0x5f + g.below(2);
    const pte = `dword [0x71000 + ${page}*4]`;
    // Ring 3 mostly takes pages away from itself (supervisor-only), which only the timer's flush applies.
    const edit = mode.paging === 3 && g.below(2) === 0 ? `and ${pte}, ~4` : pick([`and ${pte}, ~2`, `and ${pte}, ~0x40`, `and ${pte}, ~0x20`, `xor ${pte}, 0x8000`, `and ${pte}, ~1`, `or ${pte}, 7`]);
    // Then often a read of that page followed by a write to it: the read fills the TLB without
    // the dirty / writable rights the write needs, so the write must walk again (or fault).
    const near = (): string => (page === 0x5f ? `ebx-${1 + g.below(60)}` : `ebx+${64 + g.below(60)}`);
    // The JMP starts a new block: after the read bails to the interpreter, the write runs translated.
    const l = `pt${label++}`;
    const touch = page <= 0x60 && g.below(2) === 0 ? [`mov ${pick(r32)}, [${near()}]`, `jmp ${l}`, `${l}:`, `mov [${near()}], ${pick(src32)}`] : [];
    if (mode.paging === 3) return [edit, ...touch];
    const flush = g.below(4) === 0 ? ['push eax', 'mov eax, cr3', 'mov cr3, eax', 'pop eax'] : [`invlpg [${page * 0x1000 + g.below(4096)}]`];
    return [edit, ...flush, ...touch];
  };
  const flagOp = (): string => {
    const s = size();
    return g.below(2) ? `${pick(['cmp', 'test', 'sub', 'add', 'and', 'xor'])} ${reg(s)}, ${reg(s, true)}` : `cmp ${reg(s)}, ${mask(s, imm())}`;
  };
  const op = (depth: number): string[] => {
    if (mode.paging !== undefined && g.below(5) === 0) return pageTableEdit();
    const s = size();
    const pickOp = g.below(rich ? 23 : 18);
    switch (!rich && pickOp === 17 ? 21 : pickOp) {
      case 0:
      case 1:
        return [`${pick(alu)} ${reg(s)}, ${reg(s, true)}`];
      case 2:
        return [`${pick(alu)} ${reg(s)}, ${mask(s, imm())}`];
      case 3:
        return [g.below(2) ? `${pick(alu)} ${mem(s)}, ${reg(s, true)}` : `${pick(alu)} ${reg(s)}, ${mem(s)}`];
      case 4:
        return [`${pick(['inc', 'dec', 'neg', 'not'])} ${g.below(3) ? reg(s) : mem(s)}`];
      case 5:
        return [`${pick(shifts)} ${reg(s)}, ${rich ? g.below(40) : 1}`];
      case 6:
        return [`${pick(shifts)} ${g.below(3) ? reg(s) : mem(s)}, cl`];
      case 7:
        return [`mov ${reg(s)}, ${g.below(2) ? mem(s) : mask(s, imm())}`];
      case 8:
        return [`mov ${mem(s)}, ${reg(s, true)}`];
      case 9: {
        const l = `skip${label++}`;
        return [flagOp(), `j${pick(ccs)} ${l}`, ...op(depth + 1), `${l}:`];
      }
      case 10:
        return depth < 1 ? [`call sub${g.below(2)}`] : ['nop'];
      case 11: {
        const w = is32 ? reg(32) : reg(16);
        return [`push ${is32 ? pick(src32) : pick(src16)}`, ...op(depth + 1), `pop ${w}`];
      }
      case 12: {
        // DIV by a register that is sometimes 0: #DE, handler skips the 2-byte DIV.
        const d = is32 ? 'esi' : 'si';
        return [`and ${d}, ${pick([0, 1, 3, 0xff, 0xffff])}`, is32 ? 'xor edx, edx' : 'xor dx, dx', `div ${d}`];
      }
      case 13: {
        // With paging, mostly page-table edits instead: a page whose code is patched 32 times
        // is left to the interpreter (translator.ts VOLATILE_AFTER), and these loops should run translated.
        if (mode.paging !== undefined && g.below(4) !== 0) return pageTableEdit();
        // Self-modifying: store into the immediate of a patchable instruction in this loop.
        const p = `patch${patches.length}`;
        patches.push(p);
        return [`${p}: add ${is32 ? 'edx' : 'dx'}, strict byte 5`, `mov [${p}+2], ${pick(['al', 'dl', 'ah'])}`];
      }
      case 14:
        return [`xchg ${reg(s)}, ${g.below(2) ? reg(s) : mem(s)}`];
      case 15:
        return [`lea ${is32 ? reg(32) : reg(16)}, [${base}+${is32 ? 'esi*2+' : 'si+'}${g.below(1000)}]`];
      case 16:
        return [pick(['clc', 'stc', 'cmc', is32 ? 'cdq' : 'cwd', 'cbw', 'nop'])];
      case 17:
        return [`set${pick(ccs)} ${g.below(2) ? reg(8) : mem(8)}`];
      case 18:
        return [`imul ${is32 ? reg(32) : reg(16)}, ${is32 ? reg(32, true) : reg(16, true)}, ${g.below(256) - 128}`];
      case 19:
        return s === 8 ? [`movzx ${is32 ? reg(32) : reg(16)}, ${reg(8)}`] : [`movsx ${is32 ? reg(32) : reg(16)}, ${g.below(2) || !is32 ? 'byte' : 'word'} [${base}+${g.below(64)}]`];
      case 20:
        // Unmapped physical memory (reads 0xFF): the translator must leave it to the interpreter.
        if (mode.paging !== undefined) return pageTableEdit();
        return is32 ? [`mov ${reg(32)}, [0xfff00000]`] : ['nop'];
      case 21: {
        // REP STOS / REP MOVS over the data area (page boundary at 0x60000 / 0x6000), both
        // directions, overlapping copies included.
        const w = pick(['b', 'w', is32 ? 'd' : 'w']);
        const [si, di, cx] = is32 ? ['esi', 'edi', 'ecx'] : ['si', 'di', 'cx'];
        const sOff = g.below(2) ? 0 : g.below(80) - 40;
        const dOff = g.below(3) === 0 ? sOff + g.below(4) : g.below(160) - 80;
        return [`push ${si}`, `push ${di}`, `push ${cx}`, `mov ${si}, ${base}`, `add ${si}, ${sOff}`, `mov ${di}, ${base}`, `add ${di}, ${dOff}`,
          `mov ${cx}, ${is32 && g.below(6) === 0 ? 4097 + g.below(1200) : pick([0, g.below(70), g.below(70)])}`, g.below(4) === 0 ? 'std' : 'cld', `rep ${pick(['movs', 'stos'])}${w}`, 'cld', `pop ${cx}`, `pop ${di}`, `pop ${si}`];
      }
      default:
        return [`imul ${is32 ? reg(32) : reg(16)}, ${g.below(2) ? reg(is32 ? 32 : 16, true) : mem(is32 ? 32 : 16)}`];
    }
  };
  const body: string[] = [];
  const n = 4 + g.below(20);
  for (let i = 0; i < n; i++) body.push(...op(0));
  const subs = [0, 1].map((i) => [`sub${i}:`, ...Array.from({ length: 1 + g.below(4) }, () => op(1)).flat(), 'ret']);
  const iters = 20 + g.below(200);
  // Half the programs put the loop across the 0x2000 page boundary (two-page regions).
  const pad = g.below(2) === 0 ? `times 0x1000 - ${g.below(120)} - ($ - $$) nop` : '';
  const init = (is32 ? r32 : r16).map((r) => `mov ${r}, ${mask(is32 ? 32 : 16, imm())}`);
  if (is32 && mode.paging !== undefined) {
    const ring3 = mode.paging === 3;
    return `${PM_PREAMBLE}
  gate 0, de_handler, 0x8E
  gate 0x20, timer_handler, 0x8E
  gate 14, pf_handler, 0x8E
  gate 0x81, done, 0xEE
  lidt [idt_desc]
  mov dword [0x30004], 0x88000
  mov dword [0x30008], 0x10
  mov ax, 0x28
  ltr ax
  mov edi, 0x71000
  mov eax, 0x007
  mov ecx, 1024
fill:
  stosd
  add eax, 0x1000
  loop fill
  mov dword [0x70000], 0x71007
  mov dword [0x71000 + 0x5f*4], 0x67007     ; aliases page 0x67
  and dword [0x71000 + 0x60*4], ~2          ; read-only
  and dword [0x71000 + 0x61*4], ~1          ; not present
  and dword [0x71000 + 0x62*4], ~4          ; supervisor
  mov eax, 0x70000
  mov cr3, eax
  mov eax, cr0
  or eax, ${g.below(2) ? '0x80010000' : '0x80000000'}  ; PG, and CR0.WP half the time
  mov cr0, eax
  ${ring3 ? 'iret_to_ring3 entry, 0x202' : 'sti'}
entry:
  ${ring3 ? 'mov ax, 0x23\n  mov ds, ax\n  mov es, ax' : ''}
  mov ebx, 0x60000 - 0x40
  ${init.join('\n  ')}
  mov ecx, ${iters}
  jmp top
  ${pad}
top:
  ${body.join('\n  ')}
  dec ecx
  jnz top
  int 0x81
  ${subs.flat().join('\n  ')}
de_handler:
  add dword [esp], 2
  iretd
timer_handler:
  inc dword [ss:0x50000]                    ; SS: from ring 3, DS may be null
  ${ring3 ? `push eax
  mov eax, cr3                              ; ring 3 cannot flush the TLB: its page-table edits
  mov cr3, eax                              ; take effect here, and the ring-0 reads below fill
  mov eax, [ss:0x5ff80]                     ; the TLB from entries that may be supervisor-only
  mov eax, [ss:0x60040]
  pop eax` : ''}
  iretd
pf_handler:
  push eax
  inc dword [ss:0x50004]
  mov eax, cr2
  shr eax, 12
  or dword [ss:0x71000 + eax*4], 7
  shl eax, 12
  invlpg [eax]
  pop eax
  add esp, 4
  iretd
done:
  cli
  hlt
`;
  }
  if (is32) {
    return `${PM_PREAMBLE}
  gate 0, de_handler, 0x8E
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov ebx, 0x60000 - 0x40
  ${init.join('\n  ')}
  sti
  mov ecx, ${iters}
  jmp top
  ${pad}
top:
  ${body.join('\n  ')}
  dec ecx
  jnz top
  cli
  hlt
  ${subs.flat().join('\n  ')}
de_handler:
  add dword [esp], 2
  iretd
timer_handler:
  inc dword [0x50000]
  iretd
`;
  }
  return `bits 16
org 0x1000
  mov word [0], de_handler
  mov word [2], 0
  mov word [0x20*4], timer_handler
  mov word [0x20*4+2], 0
  mov bx, 0x6000 - 0x40
  ${init.join('\n  ')}
  sti
  mov cx, ${iters}
  jmp top
  ${pad}
top:
  ${body.join('\n  ')}
  dec cx
  jnz top
  cli
  hlt
  ${subs.flat().join('\n  ')}
de_handler:
  push bp
  mov bp, sp
  ${mode.model === '8086' ? '' : 'add word [bp+2], 2'}
  pop bp
  iret
timer_handler:
  inc word [0x5000]
  iret
`;
}

export interface Outcome {
  n: number;
  ticks: number;
  taken: number;
  r: number[];
  eip: number;
  flags: number;
  seg: number[];
  halted: boolean;
  ram: Buffer;
  translated: number;
  /** The translator's counters (jit only). */
  stats?: TranslatorStats;
}

export function runTier(code: Uint8Array, mode: Mode, jit: boolean, period: number, chunk: number, limit = 400_000): Outcome {
  const memory = new PhysicalMemory(1 << 20);
  const clock = new VirtualClock(1e6);
  const cpu = new Cpu({ model: mode.model, memory, io: new IoBus(), clock });
  const timer = new Timer(clock, period, 0x20);
  cpu.interrupts = timer;
  const tr = jit ? new Translator(cpu) : undefined;
  cpu.translator = tr;
  memory.writeBytes(0x1000, code);
  for (let s = 0; s < 6; s++) {
    cpu.seg[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segAttr[s] = ATTR_PRESENT | (s === 1 ? 0x1b : 0x13);
  }
  cpu.eip = 0x1000;
  cpu.r[4] = 0x8000;
  let n = 0;
  while (!cpu.halted && !cpu.tripleFaulted && n < limit) n += cpu.run(Math.min(chunk, limit - n));
  return {
    n,
    ticks: clock.ticks,
    taken: timer.taken,
    r: Array.from(cpu.r),
    eip: cpu.eip,
    flags: cpu.getFlags(),
    seg: [...cpu.seg, ...cpu.segBase, ...cpu.segLimit, ...cpu.segAttr],
    halted: cpu.halted,
    ram: Buffer.from(memory.ram),
    translated: tr?.stats.translatedInsns ?? 0,
    ...(tr !== undefined ? { stats: { ...tr.stats } } : {}),
  };
}

