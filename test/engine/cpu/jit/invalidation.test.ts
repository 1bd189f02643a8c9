/**
 * Self-modifying code and the translator's invalidation granularity: a
 * store into a 64-byte line that translated code came from kills exactly the
 * regions built from that line (translator.ts), not every region of the page.
 *
 * The guest runs two loops on one page, 60 times each in turn: loop A is
 * plain, loop B rewrites its own ADD immediate on every pass. B's region dies
 * at each store (and B's entry ends up with the interpreter), A's region must
 * survive all of it: A runs translated in every phase after its warm-up.
 * Both tiers must end in the same state.
 */
import { describe, expect, it } from 'vitest';
import { nasm } from '../helpers.js';
import { PM_PREAMBLE } from '../pm-env.js';
import { runTier } from './programs.js';

const MODE = { bits: 32, model: 'p6' } as const;
const PASSES = 200;
const PHASES = 60;

const SOURCE = `${PM_PREAMBLE}
  gate 0x20, timer_handler, 0x8E
  lidt [idt_desc]
  xor eax, eax
  xor edx, edx
  mov esi, ${PHASES}
phase:
  mov ecx, ${PASSES}
a_loop:
  add eax, ecx
  dec ecx
  jnz a_loop
  dec esi
  jz finish
  mov ecx, ${PASSES}
  mov ebx, b_loop
  jmp ebx                                ; indirect: A's region does not take in B's code
  align 256
b_loop:
b_patch:
  add edx, strict dword 1
  mov [b_patch + 2], cl
  dec ecx
  jnz b_loop
  jmp phase
finish:
  hlt
timer_handler:
  iretd
`;

describe('translator invalidation is exact to 64-byte lines', () => {
  it("a loop that rewrites its own code leaves another loop's region on the same page alive", () => {
    const code = nasm(SOURCE);
    const a = runTier(code, MODE, false, 1e9, 1e6);
    const { ram: rb, stats, ...b } = runTier(code, MODE, true, 1e9, 1e6);
    const { ram: ra, stats: _s, ...aa } = a;
    expect({ ...b, translated: 0 }).toEqual({ ...aa, translated: 0 });
    expect(ra.equals(rb)).toBe(true);
    expect(a.halted).toBe(true);
    // Loop A retires PHASES × PASSES × 3 instructions. Were B's stores to kill A's region too,
    // A would be compiled again in every phase and left to the interpreter after 32 kills.
    expect(b.translated).toBeGreaterThan(0.9 * PHASES * PASSES * 3);
    // A is compiled once; B's entry is rebuilt until it has been killed 32 times.
    expect(stats!.regionsCompiled).toBeLessThan(PHASES - 10);
  });
});
