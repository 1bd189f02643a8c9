/**
 * The translator tier leaves every x87, MMX and FXSAVE instruction to the
 * interpreter (spec rows marked `fpu`), while translating the integer code
 * around them: both tiers must end in the same state.
 */
import { describe, expect, it } from 'vitest';
import { nasm } from '../helpers.js';
import { PM_PREAMBLE } from '../pm-env.js';
import { runTier } from '../jit/programs.js';
import { INSN_SPECS } from '../../../../engine/cpu/spec.js';

const LOOP = nasm(PM_PREAMBLE + `
  fninit
  mov ecx, 3000
  xor ebx, ebx
  mov dword [0x60000], 0
.loop:
  add ebx, ecx
  mov [0x60010], ecx
  fild dword [0x60010]
  fmul st0, st0
  fsqrt
  fiadd dword [0x60000]
  fistp dword [0x60000]
  movd mm0, ebx
  paddw mm1, mm0
  emms                      ; MMX leaves every tag valid: x87 code needs EMMS first
  lea edx, [ebx*2+1]
  xor edx, ecx
  dec ecx
  jnz .loop
  movq [0x60020], mm1
  emms
  and esp, ~15
  sub esp, 512
  fxsave [esp]
  mov eax, [esp]
  hlt
`);

describe('x87 and the translator tier', () => {
  it('every fpu row is interpreter-only and both tiers agree on a mixed integer/x87/MMX loop', () => {
    expect(INSN_SPECS.filter((s) => s.fpu).length).toBeGreaterThan(150);
    const interp = runTier(LOOP, { bits: 32, model: 'pentium2' }, false, 1e9, 10_000, 2_000_000);
    const jit = runTier(LOOP, { bits: 32, model: 'pentium2' }, true, 1e9, 10_000, 2_000_000);
    expect(interp.halted).toBe(true);
    expect(jit.n).toBe(interp.n);
    expect(jit.r).toEqual(interp.r);
    expect(jit.ram.equals(interp.ram)).toBe(true);
    // sum of k for k = 1..3000 (sqrt(k²) is exact)
    expect(interp.ram.readUInt32LE(0x60000)).toBe((3000 * 3001) / 2);
    expect(jit.translated).toBeGreaterThan(0);
    expect(jit.translated).toBeLessThan(jit.n);
  });
});
