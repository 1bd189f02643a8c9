/**
 * Guest programs (NASM, real mode unless noted) exercising the pentium2
 * model's x87 FPU through the CPU: arithmetic and stores, condition codes,
 * FCOMI/FCMOV, stack faults, #NM (CR0.EM/TS/MP), #MF versus FERR#/IRQ13,
 * FSTENV/FSAVE images and CPUID.
 */
import { describe, expect, it } from 'vitest';
import { nasm, realMachine, runToHalt, type TestMachine } from '../helpers.js';
import { PM_PREAMBLE } from '../pm-env.js';
import { FpuErrorF0 } from '../../../../engine/devices/fpu-error-f0.js';
import { disassembleBytes } from '../../../../engine/cpu/disasm.js';

function run(body: string, model: 'pentium2' | 'p6' | 'pentium' = 'pentium2'): TestMachine {
  const m = realMachine(model, nasm(`bits 16\norg 0x1000\n${body}\nhlt`));
  if (process.env.DBG) m.cpu.enableTrace(80);
  runToHalt(m, 200_000);
  if (process.env.DBG) for (const t of m.cpu.trace()) console.log(t.eip.toString(16), t.text);
  return m;
}

function f64(m: TestMachine, a: number): number {
  return new DataView(m.memory.ram.buffer, m.memory.ram.byteOffset).getFloat64(a, true);
}
function tword(m: TestMachine, a: number): string {
  const hi = m.memory.read16(a + 8);
  let lo = '';
  for (let i = 7; i >= 0; i--) lo += m.memory.read8(a + i).toString(16).padStart(2, '0');
  return `${hi.toString(16).padStart(4, '0')}:${lo}`;
}

describe('x87 arithmetic through the CPU', () => {
  it('loads, arithmetic in every form, stores to m32/m64/m80 and integers', () => {
    const m = run(`
      fninit
      fld qword [d3]        ; 3.0
      fld dword [f05]       ; 0.5, 3.0
      fmul st0, st1         ; 1.5
      fadd qword [d3]       ; 4.5
      fsub st1, st0         ; ST1 = 3 - 4.5 = -1.5
      fdivr st0, st1        ; -1.5 / 4.5
      fstp qword [0x600]
      fild word [i7]        ; 7
      fidiv dword [i2]      ; 3.5
      fistp word [0x610]    ; round to even: 4
      fld1
      fld1
      faddp st1, st0        ; 2
      fsqrt
      fstp tword [0x620]
      fldpi
      fstp dword [0x630]
      fld qword [d3]
      fchs
      fabs
      fsubr dword [f05]      ; 0.5 - 3
      fistp dword [0x640]    ; -2.5 → -2 (nearest even)
      fstp qword [0x650]     ; -1.5 left on the stack
      fnstsw ax
      mov [0x660], ax
      jmp done
      d3: dq 3.0
      f05: dd 0.5
      i7: dw 7
      i2: dd 2
      done:
    `);
    expect(f64(m, 0x600)).toBe(-1.5 / 4.5);
    expect(m.memory.read16(0x610)).toBe(4);
    expect(tword(m, 0x620)).toBe('3fff:b504f333f9de6484');
    expect(m.memory.read32(0x630)).toBe(0x40490fdb);
    expect(m.memory.read32(0x640) | 0).toBe(-2);
    expect(f64(m, 0x650)).toBe(-1.5);
    expect(m.memory.read16(0x660) & 0x3800).toBe(0); // TOP back to 0
    expect(m.memory.read16(0x660) & 0x20).toBe(0x20); // PE from sqrt / fldpi store
  });

  it('precision and rounding control: 1/3 at 24 bits, rounded down and up', () => {
    const m = run(`
      fninit
      fldcw [cw24]
      fld1
      fidiv word [three]
      fstp tword [0x600]
      fldcw [cwdown]
      fld1
      fidiv word [three]
      fstp tword [0x610]
      fldcw [cwup]
      fld1
      fidiv word [three]
      fstp tword [0x620]
      jmp done
      cw24: dw 0x007f
      cwdown: dw 0x077f
      cwup: dw 0x0b7f
      three: dw 3
      done:
    `);
    expect(tword(m, 0x600)).toBe('3ffd:aaaaab0000000000');
    expect(tword(m, 0x610)).toBe('3ffd:aaaaaaaaaaaaaaaa');
    expect(tword(m, 0x620)).toBe('3ffd:aaaaaaaaaaaaaaab');
  });

  it('FCOM + FNSTSW AX + SAHF and FCOMI/FCMOVcc take the branches the comparison says', () => {
    const m = run(`
      fninit
      fld1
      fldz                   ; ST0 = 0, ST1 = 1
      fcom st1
      fnstsw ax
      sahf
      mov byte [0x600], 0
      jae .no
      mov byte [0x600], 1    ; 0 < 1: C0 → CF
      .no:
      fcomi st0, st1
      setb [0x601]
      fucomip st0, st1       ; pops: ST0 = 1
      sete [0x602]
      fldz
      fxch st1               ; ST0 = 1, ST1 = 0
      stc
      fcmovb st0, st1        ; CF=1 → ST0 = 0
      ftst
      fnstsw ax
      mov [0x604], ax
      fxam
      fnstsw ax
      mov [0x606], ax
    `);
    expect(m.memory.read8(0x600)).toBe(1);
    expect(m.memory.read8(0x601)).toBe(1);
    expect(m.memory.read8(0x602)).toBe(0);
    expect(m.memory.read16(0x604) & 0x4500).toBe(0x4000); // C3: equal to zero
    expect(m.memory.read16(0x606) & 0x4700).toBe(0x4000); // FXAM: zero class (C3=1, C2=0, C0=0)
  });

  it('stack underflow and overflow give IE+SF with C1 and the QNaN indefinite (masked)', () => {
    const m = run(`
      fninit
      fadd st0, st1          ; both empty
      fnstsw ax
      mov [0x600], ax
      fstp tword [0x610]
      fninit
      mov cx, 9
      .l: fld1
      loop .l
      fnstsw ax
      mov [0x602], ax
      fstp tword [0x620]
    `);
    expect(m.memory.read16(0x600) & 0x2ff).toBe(0x41); // SF + IE, C1 = 0
    expect(tword(m, 0x610)).toBe('ffff:c000000000000000');
    expect(m.memory.read16(0x602) & 0x2ff).toBe(0x241); // C1 = 1: overflow
    expect(tword(m, 0x620)).toBe('ffff:c000000000000000');
  });

  it('zero-divide (masked) gives a signed infinity; invalid 0/0 the indefinite; FPREM gives quotient bits', () => {
    const m = run(`
      fninit
      fld1
      fchs
      fldz
      fdivp st1, st0       ; -1/0
      fstp qword [0x600]
      fnstsw ax
      mov [0x608], ax
      fldz
      fldz
      fdivp st1, st0
      fstp tword [0x610]
      fild word [three]
      fild word [seventeen]
      fprem                ; 17 mod 3 = 2, q = 5 (101b: C0=1, C3=0, C1=1)
      fnstsw ax
      mov [0x620], ax
      fistp word [0x622]
      jmp done
      three: dw 3
      seventeen: dw 17
      done:
    `);
    expect(f64(m, 0x600)).toBe(-Infinity);
    expect(m.memory.read16(0x608) & 0x3f).toBe(0x04);
    expect(tword(m, 0x610)).toBe('ffff:c000000000000000');
    expect(m.memory.read16(0x620) & 0x4700).toBe(0x0300);
    expect(m.memory.read16(0x622)).toBe(2);
  });

  it('transcendentals: FSIN/FCOS/FPATAN/FYL2X/F2XM1 are close to the true values; FSIN out of range sets C2', () => {
    const m = run(`
      fninit
      fld qword [x]
      fsin
      fstp qword [0x600]
      fld qword [x]
      fcos
      fstp qword [0x608]
      fld1
      fld1
      fpatan               ; atan2(1, 1)
      fstp qword [0x610]
      fld1
      fild word [eight]
      fyl2x                ; 1 * log2(8)
      fstp qword [0x618]
      fld qword [half]
      f2xm1
      fstp qword [0x620]
      fld qword [huge]
      fsin
      fnstsw ax
      mov [0x628], ax
      jmp done
      x: dq 0.5
      half: dq 0.5
      huge: dq 1.0e30
      eight: dw 8
      done:
    `);
    expect(f64(m, 0x600)).toBeCloseTo(Math.sin(0.5), 15);
    expect(f64(m, 0x608)).toBeCloseTo(Math.cos(0.5), 15);
    expect(f64(m, 0x610)).toBeCloseTo(Math.PI / 4, 15);
    expect(f64(m, 0x618)).toBe(3);
    expect(f64(m, 0x620)).toBeCloseTo(Math.SQRT2 - 1, 15);
    expect(m.memory.read16(0x628) & 0x400).toBe(0x400);
  });
});

describe('x87 exceptions and CR0', () => {
  const ivt = (vec: number, label: string): string => `mov word [${vec * 4}], ${label}\nmov word [${vec * 4 + 2}], 0\n`;

  it('#NM: CR0.TS or CR0.EM on an ESC opcode; WAIT only with MP and TS; MMX is #UD with EM (SDM Vol. 3 Table 2-2)', () => {
    const m = run(`
      ${ivt(7, 'nm')}
      ${ivt(6, 'ud')}
      fninit                 ; the power-on FCW (0040h) unmasks everything and all registers are full
      mov eax, cr0
      or al, 0x08            ; TS
      mov cr0, eax
      fld1                   ; #NM, handler clears TS and returns to retry
      wait                   ; TS but no MP: no fault
      mov eax, cr0
      or al, 0x0a            ; MP + TS
      mov cr0, eax
      wait                   ; #NM
      mov eax, cr0
      and al, 0xf5
      or al, 0x04            ; EM
      mov cr0, eax
      fldz                   ; #NM (handler clears EM)
      mov eax, cr0
      or al, 0x04
      mov cr0, eax
      paddb mm0, mm1         ; #UD with EM
      jmp done
      nm:
        inc byte [0x600]
        clts
        mov eax, cr0
        and al, 0xfb
        mov cr0, eax
        iret
      ud:
        inc byte [0x601]
        mov eax, cr0
        and al, 0xfb
        mov cr0, eax
        iret
      done:
      fnstsw ax
      mov [0x602], ax
    `);
    expect(m.memory.read8(0x600)).toBe(3);
    expect(m.memory.read8(0x601)).toBe(1);
    expect(m.memory.read16(0x602) & 0x3800).toBe(0); // MMX ran after #UD: TOP = 0
  });

  const unmaskedZeroDivide = `
      fninit
      fldcw [cw]
      fld1
      fldz
      fdivp st1, st0       ; unmasked ZE: ES set, stack unchanged
      fnstsw ax
      mov [0x604], ax
      fwait                ; the pending exception is delivered here
      mov byte [0x606], 1
      jmp done
      cw: dw 0x037b        ; ZE unmasked
  `;

  it('CR0.NE = 1: a pending unmasked exception is #MF (vector 16) at the next waiting instruction', () => {
    const m = run(`
      ${ivt(16, 'mf')}
      mov eax, cr0
      or al, 0x20
      mov cr0, eax
      ${unmaskedZeroDivide}
      mf:
        inc byte [0x600]
        mov [0x608], sp
        fnclex
        iret
      done:
    `);
    expect(m.memory.read8(0x600)).toBe(1);
    expect(m.memory.read16(0x604) & 0x8084).toBe(0x8084); // B, ES, ZE
    expect(m.memory.read8(0x606)).toBe(1);
  });

  it('CR0.NE = 0: FERR# raises IRQ13 through the port-F0h latch; the handler writes F0h and the instruction proceeds', () => {
    const src = nasm(`bits 16\norg 0x1000\n
      ${ivt(0x75, 'irq13')}
      sti
      ${unmaskedZeroDivide}
      irq13:
        inc byte [0x600]
        out 0xf0, al          ; clear the latch, assert IGNNE#
        iret
      done:
      fnstsw ax
      mov [0x60a], ax
      hlt`);
    const m = realMachine('pentium2', src);
    let line = false;
    const dev = new FpuErrorF0({ io: m.io, memory: m.memory, clock: m.clock, irq: { raise: () => (line = true), lower: () => (line = false) } }, { onClear: () => (m.cpu.fpu.ignne = m.cpu.ferr) });
    m.cpu.onFerr = (on) => dev.ferr(on);
    m.cpu.interrupts = { hasInterrupt: () => line, acknowledge: () => 0x75 };
    runToHalt(m, 200_000);
    expect(m.memory.read8(0x600)).toBe(1);
    expect(m.memory.read8(0x606)).toBe(1);
    // The error is still recorded (only FNCLEX clears it); IGNNE# let FWAIT through.
    expect(m.memory.read16(0x60a) & 0x8084).toBe(0x8084);
  });
});

describe('x87 state images', () => {
  it('FNSAVE (32-bit protected mode layout) and FRSTOR round-trip, with pointers and full tags', () => {
    const m = realMachine('pentium2', nasm(PM_PREAMBLE + `
      fninit
      fld1
      fldz
      fld dword [val]
      fnsave [0x60000]
      fnstsw ax
      mov [0x50000], ax
      frstor [0x60000]
      fstp dword [0x50010]
      fnstsw ax
      mov [0x50004], ax
      hlt
      val: dd 2.5
    `));
    runToHalt(m, 200_000);
    const r = (o: number): number => m.memory.read32(0x60000 + o);
    expect(r(0) & 0xffff).toBe(0x037f);
    expect((r(4) >> 11) & 7).toBe(5); // TOP = 5 after three pushes
    // Tags of physical registers 5 (2.5: valid), 6 (0: zero), 7 (1: valid), 0-4 empty.
    expect(r(8) & 0xffff).toBe(0x13ff);
    expect(r(16) & 0xffff).toBe(0x08); // FCS
    expect((r(16) >>> 16) & 0x7ff).toBe(0x105); // FOP of FLD m32: D9 05
    expect(r(24) & 0xffff).toBe(0x10); // FDS
    // ST(0) first: 2.5 = 4000:a000000000000000
    expect(m.memory.read16(0x60000 + 28 + 8)).toBe(0x4000);
    expect(m.memory.read16(0x50000)).toBe(0); // FNSAVE reinitialised: TOP 0
    expect(new DataView(m.memory.ram.buffer).getFloat32(0x50010, true)).toBe(2.5);
    expect((m.memory.read16(0x50004) >> 11) & 7).toBe(6);
  });

  it('FNSTENV in the 16-bit real-mode layout stores 20-bit instruction and operand pointers', () => {
    const m = run(`
      mov ax, 0x0100
      mov ds, ax
      fninit
      fld dword [0x10]       ; DS=0100h: operand at linear 0x1010
      fnstenv [0x200]
      xor ax, ax
      mov ds, ax
    `);
    const b = 0x1200;
    expect(m.memory.read16(b)).toBe(0x037f | 0x3f);
    // FIP: linear address of the FLD (CS=0) and FOP D9 06 in the low 11 bits of word 4.
    const fipLo = m.memory.read16(b + 6);
    expect(fipLo).toBeGreaterThan(0x1000);
    expect(m.memory.read16(b + 8) & 0x7ff).toBe(0x106);
    expect(m.memory.read16(b + 10)).toBe(0x1010);
    expect(m.memory.read16(b + 12) >> 12).toBe(0);
  });

  it('FXSAVE/FXRSTOR: the 512-byte layout, abridged tag, no state change, #GP when misaligned', () => {
    const m = run(`
      ${'mov word [13*4], gp\nmov word [13*4+2], 0'}
      fninit
      fld1
      fldpi
      fxsave [0x2000]
      fninit
      fxrstor [0x2000]
      fstp qword [0x600]
      fxsave [0x2008]       ; misaligned: #GP
      mov byte [0x610], 1
      jmp done
      gp:
        inc byte [0x611]
        add word [esp], 5   ; skip the 5-byte FXSAVE
        iret
      done:
    `);
    expect(m.memory.read16(0x2000)).toBe(0x037f);
    expect((m.memory.read16(0x2002) >> 11) & 7).toBe(6);
    expect(m.memory.read8(0x2004)).toBe(0xc0); // physical 6 and 7 in use
    expect(m.memory.read32(0x2018)).toBe(0); // MXCSR written as 0 (no SSE)
    expect(m.memory.read16(0x2020 + 8)).toBe(0x4000); // ST0 = pi
    expect(m.memory.read16(0x2030 + 8)).toBe(0x3fff); // ST1 = 1
    expect(f64(m, 0x600)).toBe(Math.PI);
    expect(m.memory.read8(0x611)).toBe(1);
    expect(m.memory.read8(0x610)).toBe(1);
  });

  it('the iPXE byte sequence 0F AE 06 C0 1E (fxsave [0x1ec0]) runs in real mode on pentium2 and is #UD on p6', () => {
    const code = `mov word [6*4], ud\nmov word [6*4+2], 0\nfxsave [0x1ec0]\nmov byte [0x600], 1\nhlt\nud: mov byte [0x600], 2\nhlt`;
    expect(run(code, 'pentium2').memory.read8(0x600)).toBe(1);
    expect(run(code, 'p6').memory.read8(0x600)).toBe(2);
  });
});

describe('pentium2 model identity', () => {
  it('CPUID: family 6 model 5, FPU MMX FXSR SEP CMOV TSC MSR CX8, nothing we lack (PAT, PSE-36, SSE)', () => {
    const m = run('mov eax, 1\ncpuid');
    expect(m.cpu.r[0]).toBe(0x652);
    const edx = m.cpu.r[2];
    for (const bit of [0, 4, 5, 8, 11, 15, 23, 24]) expect((edx >> bit) & 1, `bit ${bit}`).toBe(1);
    for (const bit of [16, 17, 25, 26]) expect((edx >> bit) & 1, `bit ${bit}`).toBe(0);
    expect(run('mov eax, 1\ncpuid', 'p6').cpu.r[2] & ((1 << 23) | (1 << 24) | 1)).toBe(0);
  });

  it('reset leaves the x87 in its power-on state (FCW 0040h, FTW all valid zero)', () => {
    const m = run('fnstcw [0x600]\nfnstenv [0x610]');
    expect(m.memory.read16(0x600)).toBe(0x0040);
    expect(m.memory.read16(0x610 + 4)).toBe(0x5555);
  });

  it('CPU snapshots carry the x87 state (registers, TOP, tags, control/status words, pointers)', () => {
    const m = run('fninit\nfldpi\nfld1\nfldcw [0x700]\nfld dword [0x710]');
    const state = JSON.parse(JSON.stringify(m.cpu.saveState())) as ReturnType<typeof m.cpu.saveState>;
    const other = realMachine('pentium2', new Uint8Array([0xf4]));
    other.cpu.loadState(state);
    expect(other.cpu.fpu.save()).toEqual(m.cpu.fpu.save());
    expect(other.cpu.fpu.status()).toBe(m.cpu.fpu.status());
    expect(other.cpu.fpu.tagWord()).toBe(m.cpu.fpu.tagWord());
  });

  it('the disassembler prints x87 and MMX forms in Intel syntax', () => {
    const d = (...b: number[]): string => disassembleBytes(b, 'pentium2').text;
    expect(d(0xd8, 0xc1)).toBe('fadd st0, st1');
    expect(d(0xdc, 0xe9)).toBe('fsub st1, st0');
    expect(d(0xde, 0xf9)).toBe('fdivp st1, st0');
    expect(d(0xd9, 0xeb)).toBe('fldpi');
    expect(d(0xdf, 0xe0)).toBe('fnstsw ax');
    expect(d(0xdb, 0x2e, 0x00, 0x06)).toBe('fld tword [0x600]');
    expect(d(0xdd, 0x36, 0x00, 0x06)).toBe('fnsave [0x600]');
    expect(d(0x0f, 0xae, 0x06, 0xc0, 0x1e)).toBe('fxsave [0x1ec0]');
    expect(d(0x0f, 0xfc, 0xc1)).toBe('paddb mm0, mm1');
    expect(d(0x0f, 0x71, 0xd0, 0x03)).toBe('psrlw mm0, 0x3');
    expect(d(0xd9, 0xe8)).toBe('fld1');
    expect(disassembleBytes([0xd9, 0xe8], 'p6').text).toBe('esc ax');
  });
});
