/**
 * Differential tests aimed at specific translator paths, each asserting from
 * the translator's stats that the path under test really ran:
 *
 *   - SHL/SAL/SHR/SAR of a 32-bit register or memory operand by CL, inlined
 *     (no semantic-function call): counts 0, 1, 31 and counts that the CPU
 *     masks (32, 33, 255), memory operands that straddle a page boundary
 *     (bail-out), and flag consumers (ADC/SBB, SETcc incl. SETO/SETP, Jcc)
 *     right after the shift and after INC/DEC at block entries;
 *   - DIV r/m32 inlined: EDX = 0 and EDX != 0 (two-step exact division),
 *     divisors 0, 1, 2^32-1 and random, quotient overflow (#DE: bail-out,
 *     the interpreter raises it), memory divisors across a page boundary;
 *   - copied dispatch blocks: a bytecode interpreter whose handlers `jmp` to
 *     a short `movzx; jmp [table + reg*4]` block (and a CALL whose callee's
 *     RET ends such a path); handlers touch memory across a page boundary
 *     (bail-outs) and the timer stops them anywhere;
 *   - loops of two or three blocks (`cmp; jcc skip; …; skip: inc; cmp; jb top`,
 *     if/else bodies, a body that ends in `jmp top`): the short blocks are
 *     copied into the loop of the block they jump back to; the copies hold
 *     stores, flag consumers after INC (CF kept), accesses across a page
 *     boundary (bail-outs) and stores into the loop's own code; and
 *     one-block loops closed by CMP, by LOOP after an ADD, or by DEC (with
 *     DEC, CF stays in F across iterations and INC/ADC/SBB read it there);
 *   - shared page checks: several accesses with the same base and index
 *     registers in one block (struct fields, unrolled copies) check the page
 *     once; the later ones only test their offset against it. Displacements
 *     around a page boundary (bail-outs), 8/16/32-bit and read-modify-write
 *     accesses, base registers changed between accesses, and stores through
 *     such a form into the loop's own code;
 *   - REP MOVS/STOS with paging on, steps that span pages: linear pages mapped
 *     to scattered physical pages, sometimes two to one (a copy whose source
 *     and destination share bytes that way goes to the interpreter), pages
 *     not yet dirty or made clean again (the interpreter sets D), byte/word/dword elements across
 *     page boundaries, counts of several 4096-element steps;
 *   - block entries: a timer every K instructions stops regions in the middle
 *     of a block; the interpreter finishes that block and translated code
 *     resumes at the next block start of the same region (no new region per
 *     interrupted EIP).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nasm } from '../helpers.js';
import { PM_PREAMBLE } from '../pm-env.js';
import { Rng } from '../../../../engine/cpu/generator.js';
import { runTier } from './programs.js';
import type { TranslatorStats } from '../../../../engine/cpu/jit/translator.js';

const MODE = { bits: 32, model: 'p6' } as const;

function shiftProgram(seed: number): string {
  const g = new Rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[g.below(a.length)];
  const regs = ['eax', 'edx', 'esi', 'edi'];
  const operand = (): string => (g.below(2) ? pick(regs) : `dword [ebx+${g.below(128)}]`);
  const counts = [0, 0, 1, 1, 2, 7, 31, 32, 33, 63, 255, g.below(256)];
  const consumers = ['adc eax, edx', 'sbb esi, edi', 'seto dl', 'setp al', 'sets dh', 'setz ah', 'setc al', 'seta dl', 'setl ah'];
  const body: string[] = [];
  let label = 0;
  const n = 3 + g.below(10);
  for (let i = 0; i < n; i++) {
    // A flag producer first: with a zero count its lazy state (ADD…LOGIC kinds) survives the shift.
    body.push(`${pick(['add', 'sub', 'and', 'or', 'xor', 'test', 'cmp', 'adc'])} ${pick(regs)}, ${pick(regs)}`);
    body.push(`mov cl, ${pick(counts)}`);
    body.push(`${pick(['shl', 'shr', 'sar', 'sal'])} ${operand()}, cl`);
    // CF is the last bit shifted out; OF of SHR depends on the count (SDM: defined for count 1
    // only; semantics.ts fixes the rest).
    body.push(pick(['adc eax, edx', 'sbb esi, edi', 'setc al', 'seta dl', 'setbe ah', 'adc edi, 0']));
    if (g.below(2)) body.push(pick(['seto dl', 'setno al', 'setl ah', 'setge dh', 'setle dl', 'setg al']));
    switch (g.below(3)) {
      case 0:
        body.push(pick(consumers));
        break;
      case 1: {
        const l = `s${label++}`;
        body.push(`j${pick(['o', 'no', 'c', 'nc', 'z', 'nz', 's', 'p', 'l', 'g', 'be'])} ${l}`, `xor ${pick(regs)}, ${g.next() >>> 0}`, `${l}:`);
        break;
      }
      default:
        // INC/DEC keep CF: after a CL shift the producer is unknown at compile time.
        body.push(`${pick(['inc', 'dec'])} ${pick(regs)}`, pick(consumers));
    }
  }
  const init = regs.map((r) => `mov ${r}, ${g.next() >>> 0}`);
  return `${PM_PREAMBLE}
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov ebx, 0x60000 - 0x40
  ${init.join('\n  ')}
  sti
  mov ebp, ${150 + g.below(300)}
top:
  ${body.join('\n  ')}
  dec ebp
  jnz top
  cli
  hlt
timer_handler:
  inc dword [0x50000]
  iretd
`;
}

function divProgram(seed: number): string {
  const g = new Rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[g.below(a.length)];
  const body: string[] = [];
  const n = 2 + g.below(8);
  for (let i = 0; i < n; i++) {
    const divisor = pick([0, 1, 2, 3, 10, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, g.next() >>> 0, g.below(1000) + 1]);
    // Mostly EDX < divisor (no overflow), sometimes not (#DE).
    const hi = g.below(4) === 0 ? pick([0, 1, g.next() >>> 0, 0xffffffff, divisor, divisor + 1]) : divisor === 0 ? 0 : g.below(2) ? 0 : (g.next() >>> 0) % divisor;
    body.push(`mov edx, ${hi}`, `mov eax, ${pick([0, 1, 0xffffffff, g.next() >>> 0])}`, `mov esi, ${divisor}`);
    // Every DIV is 3 bytes long (the #DE handler skips 3): DS prefix + register form, or [ebx+d8].
    const disp = pick([8, 8, 0x3e]);
    if (g.below(2)) body.push('db 0x3e', 'div esi');
    else body.push(`mov [ebx+${disp}], esi`, `div dword [ebx+${disp}]`);
    body.push(pick(['add edi, eax', 'xor edi, edx', 'adc edi, edx', 'sub edi, eax']));
  }
  return `${PM_PREAMBLE}
  gate 0, de_handler, 0x8E
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov ebx, 0x60000 - 0x40
  xor edi, edi
  sti
  mov ecx, ${100 + g.below(200)}
top:
  ${body.join('\n  ')}
  dec ecx
  jnz top
  cli
  hlt
de_handler:
  add dword [esp], 3
  iretd
timer_handler:
  inc dword [0x50000]
  iretd
`;
}

function vmProgram(seed: number): string {
  const g = new Rng(seed);
  const prog: number[] = [];
  const n = 5 + g.below(40);
  for (let i = 0; i < n; i++) prog.push(g.below(5), g.below(128));
  prog.push(5, 0);
  return `${PM_PREAMBLE}
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov ebx, 0x60000 - 0x40
  mov edi, ${g.next() >>> 0}
  mov edx, ${g.next() >>> 0}
  sti
  mov ebp, ${20 + g.below(60)}
outer:
  mov esi, prog
next:
  movzx eax, byte [esi]
  jmp [ops + eax*4]
op_add:
  movzx ecx, byte [esi+1]
  add edi, ecx
  add esi, 2
  jmp next
op_xor:
  movzx ecx, byte [esi+1]
  xor edx, ecx
  rol edx, 3
  add esi, 2
  jmp next
op_mem:
  movzx ecx, byte [esi+1]
  add [ebx+ecx], edi
  add esi, 2
  jmp next
op_ld:
  movzx ecx, byte [esi+1]
  mov edi, [ebx+ecx]
  add esi, 2
  jmp next
op_call:
  add esi, 2
  call sub
  jmp next
op_end:
  dec ebp
  jnz outer
  cli
  hlt
sub:
  imul edx, edx, 7
  ret
timer_handler:
  inc dword [0x50000]
  iretd
align 4
ops: dd op_add, op_xor, op_mem, op_ld, op_call, op_end
prog: db ${prog.join(', ')}
`;
}

function loopProgram(seed: number): string {
  const g = new Rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[g.below(a.length)];
  const cc = (): string => pick(['z', 'nz', 'c', 'nc', 's', 'ns', 'l', 'ge', 'be', 'a', 'p', 'o']);
  const producer = (): string =>
    pick(['cmp byte [ebx+esi], 0x40', 'test al, 1', 'cmp eax, edx', 'test byte [ebx+esi], 3', 'sub ecx, edx', 'add eax, edi', 'cmp dword [ebx+0x3e], 7']);
  // 0x60000 - 0x40 + 0x3e: a dword that straddles a page boundary (bail-out to the interpreter).
  const op = (): string =>
    pick([
      'add [ebx+esi], al', 'mov [ebx+esi], cl', 'xor eax, edx', 'inc ecx', 'adc edx, eax', 'rol eax, 3', 'sbb edi, ecx',
      'mov dword [ebx+0x3e], eax', 'setc cl', 'add edi, [ebx+esi]',
      // A store into the loop's own code: the immediate of `smc` below.
      ...(g.below(3) === 0 ? ['mov [smc+2], al'] : []),
    ]);
  const ops = (): string => Array.from({ length: 1 + g.below(4) }, op).join('\n  ');
  const step = (): string => `${pick(['inc esi', 'add esi, 1'])}\n  ${pick(['', 'adc edx, 0', 'setc ch', 'sbb eax, 0'])}\n  cmp esi, ${20 + g.below(150)}`;
  const shapes = [
    // A skipped body: the header's Jcc goes to the back-edge block or falls into the body.
    `top: ${producer()}\n  j${cc()} skip\n  ${ops()}\nskip: ${step()}\n  jb top`,
    // If/else: both sides jump back to the header.
    `top: ${producer()}\n  j${cc()} other\n  ${ops()}\n  ${step()}\n  jb top\n  jmp done\nother: ${ops()}\n  ${step()}\n  jb top`,
    // The body ends in an unconditional jump back.
    `top: ${producer()}\n  ${step()}\n  jae done\n  ${ops()}\n  jmp top`,
    // One block looping to itself, its last flag writer a CMP (then CF is not in F at the top,
    // where INC keeps it and ADC/SBB read it).
    `top: ${pick(['inc esi', 'add esi, 1'])}\n  ${pick(['adc edx, 0', 'sbb eax, 0', 'setc ch', 'inc ecx\n  adc edx, 0'])}\n  ${ops()}\n  cmp esi, ${20 + g.below(150)}\n  jb top`,
    // One block looping to itself, closed by LOOP after an ADD (CF varies at the top) or by
    // DEC (CF stays in F across iterations; INC/ADC/SBB at the top read it there).
    `  mov ecx, ${5 + g.below(100)}\ntop: ${pick(['adc edi, 0', 'sbb edx, 0', 'inc esi\n  adc edi, 0', 'setc bl'])}\n  ${ops().replace(/inc ecx|setc cl|mov \[ebx\+esi\], cl/g, 'xor eax, edx')}\n  add eax, 0x9E3779B9\n  ${pick(['loop top', 'dec ecx\n  jnz top'])}`,
  ];
  return `${PM_PREAMBLE}
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov ebx, 0x60000 - 0x40
  mov eax, ${g.next() >>> 0}
  mov edx, ${g.next() >>> 0}
  mov edi, ${g.next() >>> 0}
  xor ecx, ecx
  sti
  mov ebp, ${10 + g.below(40)}
outer:
  xor esi, esi
smc:
  add edx, byte 5
  ${pick(shapes)}
done:
  dec ebp
  jnz outer
  cli
  hlt
timer_handler:
  inc dword [0x50000]
  iretd
`;
}

function sameBaseProgram(seed: number): string {
  const g = new Rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[g.below(a.length)];
  // Over the iterations esi moves across the page boundary at 0x60000 (RAM on both sides) and
  // edi across the end of RAM at 1 MiB (an unmapped page after it): a later access that leaves
  // the page checked first must bail out like the first one would.
  const disp = (): number => pick([0, 1, 2, 4, 8, 0x3c, 0x3e, 0x40, 0x42, 0x7c, -4, -2, 0x300]);
  const mem = (): string => `${pick(['byte', 'word', 'dword'])} [${pick(['esi', 'esi', 'edi', 'edi'])}${((d) => (d < 0 ? `${d}` : `+${d}`))(disp())}]`;
  const reg = (m: string): string => (m.startsWith('byte') ? pick(['al', 'cl', 'dl']) : m.startsWith('word') ? pick(['ax', 'cx', 'dx']) : pick(['eax', 'ecx', 'edx']));
  const access = (): string => {
    const m = mem();
    const r = reg(m);
    return pick([`mov ${r}, ${m}`, `mov ${m}, ${r}`, `add ${m}, ${r}`, `xor ${r}, ${m}`, `cmp ${m}, ${r}`, `inc ${m}`, `adc ${r}, ${m}`]);
  };
  const body: string[] = [];
  const n = 4 + g.below(12);
  for (let i = 0; i < n; i++) {
    body.push(access());
    // Base registers change between accesses now and then: the shared check must be dropped.
    if (g.below(5) === 0) body.push(pick(['add esi, 2', 'sub esi, 2', 'inc esi', 'dec esi', 'xchg esi, edi', 'lea esi, [esi+4]']));
    // A form based on the code: reads and stores into the loop's own page (smc's immediate).
    if (g.below(8) === 0) body.push('add eax, [ebx+8]', 'mov [ebx+2], al');
  }
  return `${PM_PREAMBLE}
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov ebx, smc
  mov eax, ${g.next() >>> 0}
  mov ecx, ${g.next() >>> 0}
  mov edx, ${g.next() >>> 0}
  sti
  mov ebp, ${20 + g.below(60)}
top:
  mov esi, 0x60000 - 0x60
  add esi, ebp
  mov edi, 0x100000 - 0x60
  add edi, ebp
smc:
  add edx, byte 5
  ${body.join('\n  ')}
  dec ebp
  jnz top
  cli
  hlt
timer_handler:
  inc dword [0x50000]
  iretd
`;
}

function pagedRepProgram(seed: number): string {
  const g = new Rng(seed);
  const pick = <T,>(a: readonly T[]): T => a[g.below(a.length)];
  // Linear pages 0x80..0x87 → physical pages 0x90..0x97 in a random order, one pair aliased half the time.
  const perm = [0, 1, 2, 3, 4, 5, 6, 7];
  for (let i = 7; i > 0; i--) {
    const j = g.below(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  if (g.below(2) === 0) perm[5] = perm[1];
  const maps = perm.map((q, i) => `mov dword [0x71000 + ${0x80 + i}*4], ${(0x90 + q) * 0x1000 + 3}`);
  const steps: string[] = [];
  for (let k = 0; k < 2 + g.below(4); k++) {
    const [w, size] = pick([['b', 1], ['w', 2], ['d', 4]] as const);
    const dOff = g.below(0x7000);
    const sOff = g.below(0x7000);
    const room = Math.floor((0x8000 - Math.max(dOff, sOff)) / size);
    const count = Math.min(room, pick([g.below(40), 1000 + g.below(3000), 4096 + g.below(3000)]));
    steps.push(`mov edi, ${0x80000 + dOff}`, `mov esi, ${0x80000 + sOff}`, `mov ecx, ${count}`, `mov eax, ${g.next() >>> 0}`, `rep ${pick(['movs', 'stos'])}${w}`, `add edx, [${0x80000 + g.below(0x7ffc)}]`);
    // Clear a page's accessed and dirty bits: its next write must set D (the interpreter's walk).
    const pg = g.below(8);
    // A read right after fills the TLB with the clean entry, which a translated write must not
    // use. INVLPG is the interpreter's: the JMP is a control transfer, where Cpu.run asks the
    // translator again.
    if (g.below(2) === 0) steps.push(`and dword [0x71000 + ${0x80 + pg}*4], ~0x60`, `invlpg [${0x80000 + pg * 0x1000}]`, `add edx, [${0x80000 + pg * 0x1000 + 8}]`, `jmp .s${k}`, `.s${k}:`);
  }
  return `${PM_PREAMBLE}
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  mov edi, 0x71000
  mov eax, 0x003
  mov ecx, 256
fill:
  stosd
  add eax, 0x1000
  loop fill
  mov dword [0x70000], 0x71003
  ${maps.join('\n  ')}
  mov eax, 0x70000
  mov cr3, eax
  mov eax, cr0
  or eax, ${g.below(2) ? '0x80010000' : '0x80000000'}
  mov cr0, eax
  cld
  xor edx, edx
  sti
  mov ebp, ${24 + g.below(16)}
top:
  ${steps.join('\n  ')}
  dec ebp
  jnz top
  cli
  hlt
timer_handler:
  inc dword [0x50000]
  iretd
`;
}

/** Runs `source` in both tiers; everything but the translator's own counters must agree. */
function sameInBothTiers(source: string, period: number, chunk: number): { stats: ReturnType<typeof runTier>['stats']; translated: number } {
  const code = nasm(source);
  const { ram: ra, stats: _sa, ...sa } = runTier(code, MODE, false, period, chunk);
  const { ram: rb, stats, ...sb } = runTier(code, MODE, true, period, chunk);
  expect({ ...sb, translated: 0 }).toEqual({ ...sa, translated: 0 });
  expect(ra.equals(rb)).toBe(true);
  return { stats, translated: sb.translated };
}

/**
 * fast-check over programs from `gen` (seed), each run in both tiers with a random timer period
 * and run-slice size and required to agree; returns the sum of the translator counter `stat`
 * over all runs, and of the instructions that ran translated.
 */
function overPrograms(gen: (seed: number) => string, stat: keyof TranslatorStats): { count: number; translated: number } {
  let count = 0;
  let translated = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 40, max: 900 }), fc.integer({ min: 1, max: 5000 }), (seed, period, chunk) => {
      const { stats, translated: t } = sameInBothTiers(gen(seed), period, chunk);
      count += stats?.[stat] ?? 0;
      translated += t;
    }),
    { numRuns: Number(process.env.JIT_DIFF_RUNS ?? 30) },
  );
  return { count, translated };
}

describe('translator fast paths = interpreter', () => {
  // Each path must run (its counter above 0) — except DIV, whose every instance must be inline
  // (no semantic-function call compiled).
  it.each([
    ['copied dispatch blocks (bytecode interpreter)', vmProgram, 'tailCopies', true],
    ['loops of two or three blocks (copied into the loop of the block they jump back to)', loopProgram, 'loopCopies', true],
    ['shared page checks for accesses with the same base registers', sameBaseProgram, 'sharedChecks', true],
    ['REP MOVS/STOS steps across pages with paging on', pagedRepProgram, 'pagedRepSplits', true],
    ['inline DIV r/m32', divProgram, 'genericCompiled', false],
  ] as const)('%s', (_title, gen, stat, ran) => {
    const { count, translated } = overPrograms(gen, stat);
    expect(translated).toBeGreaterThan(0);
    if (ran) expect(count).toBeGreaterThan(0);
    else expect(count).toBe(0);
  }, 120_000);

  it('inline shifts by CL, and block entries after mid-block timer stops', () => {
    let generic = 0;
    let entries = 0;
    let translated = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 40, max: 400 }), fc.integer({ min: 1, max: 5000 }), (seed, period, chunk) => {
        const { stats, translated: t } = sameInBothTiers(shiftProgram(seed), period, chunk);
        generic += stats?.genericCompiled ?? 0;
        entries += stats?.blockEntries ?? 0;
        translated += t;
        // One loop (one or two pages, split in a few regions by the compiler's size limits) and the
        // timer handler: interrupted blocks do not add regions (one per interrupted EIP would be dozens;
        // some programs make 9 without that, e.g. seed 5, period 134, chunk 725).
        expect(stats?.regionsCompiled ?? 0).toBeLessThanOrEqual(12);
      }),
      { numRuns: Number(process.env.JIT_DIFF_RUNS ?? 30) },
    );
    expect(translated).toBeGreaterThan(0);
    // Every shift by CL was compiled inline…
    expect(generic).toBe(0);
    // …and regions were re-entered at inner blocks.
    expect(entries).toBeGreaterThan(0);
  }, 120_000);
});
