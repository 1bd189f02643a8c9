import { describe, expect, it } from 'vitest';
import { nasm, realMachine, runToHalt } from './helpers.js';
import { PM_PREAMBLE } from './pm-env.js';
import { disassembleBytes } from '../../../engine/cpu/disasm.js';
import { IoBus } from '../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../engine/clock/virtual-clock.js';
import { Cpu, type CpuModel } from '../../../engine/cpu/cpu.js';

function run16(model: CpuModel, body: string) {
  const m = realMachine(model, nasm(`bits 16\norg 0x1000\n${body}\nhlt\n`));
  runToHalt(m, 100000);
  return m;
}

describe('CPU model differences (real mode)', () => {
  it('PUSH SP: new SP on 8086/80186, old SP on 80286+', () => {
    for (const [model, delta] of [['8086', 2], ['80186', 2], ['80286', 0], ['80386', 0]] as const) {
      const m = run16(model, 'mov sp, 0x7000\npush sp\npop ax');
      expect(m.cpu.getReg16(0), model).toBe(0x7000 - delta);
    }
  });

  it('shift counts: 8086 uses all 8 bits, 80186+ mask to 5', () => {
    const a = run16('8086', 'mov ax, 1\nmov cl, 33\nshl ax, cl');
    expect(a.cpu.getReg16(0)).toBe(0);
    const b = run16('80186', 'mov ax, 1\nmov cl, 33\nshl ax, cl');
    expect(b.cpu.getReg16(0)).toBe(2);
  });

  it('FLAGS bits 12-15: 1 on 8086, 0 on 286 real mode, IOPL settable on 386', () => {
    const body = 'push word 0xfeff\npopf\npushf\npop ax'; // all but TF
    expect(run16('80186', body).cpu.getReg16(0) & 0xf000).toBe(0xf000);
    expect(run16('80286', body).cpu.getReg16(0) & 0xf000).toBe(0);
    expect(run16('80386', body).cpu.getReg16(0) & 0xf000).toBe(0x7000);
  });

  it('8086 has no #UD; 80186+ raise INT 6 with the faulting IP', () => {
    const src = `
      mov word [6*4], handler
      mov word [6*4+2], 0
      db 0x0f, 0xff     ; undefined on 186; POP CS + garbage on 8086 is avoided below
      mov bx, 1
      hlt
    handler:
      pop ax            ; pushed IP
      mov bx, 2
      hlt`;
    const m = run16('80186', src);
    expect(m.cpu.getReg16(3)).toBe(2);
    const code = nasm(`bits 16\norg 0x1000\n${src}`);
    const ud = code.indexOf(0x0f);
    expect(m.cpu.getReg16(0)).toBe(0x1000 + ud);
    // 8086: D6 (SALC) and 8F /1 are defined, no exception.
    const e = run16('8086', 'stc\ndb 0xd6\nmov bx, 1');
    expect(e.cpu.getReg8(0)).toBe(0xff);
    expect(e.cpu.getReg16(3)).toBe(1);
  });

  it('divide error: 8086 pushes the next IP, 80286 the faulting IP', () => {
    const src = `
      mov word [0], handler
      mov word [2], 0
      xor dx, dx
      mov ax, 5
      xor cx, cx
    fault:
      div cx
    after:
      hlt
    handler:
      pop bx
      hlt`;
    const code = nasm(`bits 16\norg 0x1000\n${src}`);
    const divAt = 0x1000 + code.findIndex((b, i) => b === 0xf7 && code[i + 1] === 0xf1);
    expect(run16('8086', src).cpu.getReg16(3)).toBe(divAt + 2);
    expect(run16('80286', src).cpu.getReg16(3)).toBe(divAt);
  });

  it('CPUID only where it exists, truthful family and no FPU bit', () => {
    const body = 'db 0x66\nxor ax, ax\ninc ax\ncpuid';
    const p = run16('pentium', body);
    expect((p.cpu.r[0] >> 8) & 0xf).toBe(5);
    expect(p.cpu.r[2] & 1).toBe(0);
    expect(p.cpu.r[2] & (1 << 4)).not.toBe(0); // TSC
    const p6 = run16('p6', body);
    expect((p6.cpu.r[0] >> 8) & 0xf).toBe(6);
    expect(p6.cpu.r[2] & (1 << 15)).not.toBe(0); // CMOV
    // 80386: CPUID is #UD.
    const src = `mov word [6*4], h\nmov word [6*4+2], 0\ncpuid\nmov bx, 1\nhlt\nh: mov bx, 2`;
    expect(run16('80386', src).cpu.getReg16(3)).toBe(2);
  });

  it('address bus width per model', () => {
    for (const [model, mask] of [['8086', 0xfffff], ['80286', 0xffffff], ['80386', 0xffffffff]] as const) {
      const memory = new PhysicalMemory(1 << 20);
      new Cpu({ model, memory, io: new IoBus(), clock: new VirtualClock(1e6) });
      expect(memory.addressMask >>> 0).toBe(mask);
    }
  });

  it('reset state: CS:IP at the reset vector per model', () => {
    const memory = new PhysicalMemory(1 << 20);
    const c386 = new Cpu({ model: '80386', memory, io: new IoBus(), clock: new VirtualClock(1e6) });
    expect(c386.seg[1]).toBe(0xf000);
    expect(c386.segBase[1]).toBe(0xffff0000);
    expect(c386.eip).toBe(0xfff0);
    const c86 = new Cpu({ model: '8086', memory: new PhysicalMemory(1 << 20), io: new IoBus(), clock: new VirtualClock(1e6) });
    expect((c86.segBase[1] + c86.eip) >>> 0).toBe(0xffff0);
  });

  it('reset state: descriptor-table registers have base 0 and limit FFFFh (SDM Vol. 3 Table 9-1)', () => {
    const c = new Cpu({ model: 'p6', memory: new PhysicalMemory(1 << 20), io: new IoBus(), clock: new VirtualClock(1e6) });
    expect([c.gdtrBase, c.gdtrLimit, c.idtrBase, c.idtrLimit]).toEqual([0, 0xffff, 0, 0xffff]);
    expect([c.ldtr, c.ldtrBase, c.ldtrLimit, c.tr, c.trBase, c.trLimit]).toEqual([0, 0, 0xffff, 0, 0, 0xffff]);
    // Observable from real mode: SIDT stores the reset limit.
    const m = run16('80386', 'sidt [0x500]');
    expect(m.memory.read16(0x500)).toBe(0xffff);
  });

  it('the reset LDTR is usable (LSL of an LDT selector reads linear 0); after LLDT 0 it is not', () => {
    // LDT entry 1 at linear 8: a data segment with limit 0x1234.
    const m = realMachine('p6', nasm(PM_PREAMBLE + `
      mov dword [8], 0x00001234
      mov dword [12], 0x00009200
      mov eax, 0x0c              ; index 1, TI = 1
      xor ebx, ebx
      lsl ebx, eax
      setz cl
      mark 1, ebx
      movzx ecx, cl
      mark 2, ecx
      xor ax, ax
      lldt ax
      mov eax, 0x0c
      lsl ebx, eax
      setz cl
      movzx ecx, cl
      mark 3, ecx
      hlt`));
    runToHalt(m, 100000);
    const mk = (n: number) => m.memory.read32(0x50000 + n * 4);
    expect(mk(1)).toBe(0x1234);
    expect(mk(2)).toBe(1);
    expect(mk(3)).toBe(0);
  });

  it('every retired instruction adds exactly one tick; REP counts once per chunk', () => {
    const m = run16('80386', 'mov cx, 100\nmov di, 0x2000\nrep stosb\nnop');
    // mov, mov, rep stosb, nop, hlt
    expect(m.clock.ticks).toBe(5);
  });

  it('trap flag: one debug trap (INT 1) after each instruction, with the next IP pushed', () => {
    const m = run16('80386', `
      mov word [4], handler
      mov word [6], 0
      mov si, 0
      pushf
      pop ax
      or ax, 0x100
      push ax
      popf          ; TF takes effect after the next instruction
      nop
      nop
      pushf
      pop ax
      and ax, 0xfeff
      push ax
      popf
      hlt
    handler:
      inc si
      iret`);
    // Traps after: nop, nop, pushf, pop, and, push, popf (TF still set while popf executes).
    expect(m.cpu.getReg16(6)).toBe(7);
  });

  it('self-modifying code is seen by the next execution (decoded-instruction cache validates bytes)', () => {
    const m = run16('80386', `
      mov cx, 3
      xor bx, bx
    again:
    patch:
      add bx, 1          ; 83 C3 01: the immediate is rewritten below
      inc byte [patch + 2]
      loop again`);
    expect(m.cpu.getReg16(3)).toBe(1 + 2 + 3);
  });

  it('8086 REP prefix negates the IDIV quotient (documented hardware quirk)', () => {
    const m = run16('8086', 'mov ax, 100\ncwd\nmov cx, 7\nrep idiv cx');
    expect(m.cpu.getReg16(0)).toBe((-14) & 0xffff);
    const n = run16('80286', 'mov ax, 100\ncwd\nmov cx, 7\nrep idiv cx');
    expect(n.cpu.getReg16(0)).toBe(14);
  });
});

describe('disassembler', () => {
  const cases: [number[], string, CpuModel, boolean?][] = [
    [[0x00, 0xe1], 'add cl, ah', '8086'],
    [[0x8b, 0x46, 0xfe], 'mov ax, word [bp-0x2]', '8086'],
    [[0xf3, 0xa5], 'rep movsw', '8086'],
    [[0x66, 0x0f, 0xb6, 0xc3], 'movzx eax, bl', '80386'],
    [[0x8b, 0x44, 0x8d, 0x10], 'mov eax, dword [ebp+ecx*4+0x10]', '80386', true],
    [[0xea, 0x00, 0x10, 0x00, 0xf0], 'jmpf 0xf000:0x1000', '8086'],
    [[0x0f, 0xa2], 'cpuid', 'pentium'],
    [[0x0f, 0x22, 0xc0], 'mov cr0, eax', '80386'],
  ];
  for (const [bytes, text, model, big] of cases) {
    it(`${bytes.map((b) => b.toString(16)).join(' ')} → ${text}`, () => {
      const r = disassembleBytes(bytes, model, 0, big ?? false);
      expect(r.text).toBe(text);
      expect(r.length).toBe(bytes.length);
    });
  }
  it('undefined opcodes disassemble as (bad) on 186+', () => {
    expect(disassembleBytes([0x0f, 0xff], '80286').text).toBe('(bad)');
  });
});

describe('CPUID identity and advertised features', () => {
  const cpuid1 = 'db 0x66\nxor ax, ax\ninc ax\ncpuid';

  it('signatures: P54C for pentium, Pentium Pro for p6 (neither is an MMX part); EDX at reset agrees', () => {
    for (const [model, sig] of [['pentium', 0x525], ['p6', 0x619]] as const) {
      const m = run16(model, cpuid1);
      expect(m.cpu.r[0] >>> 0, model).toBe(sig);
      expect(m.cpu.r[2] & (1 << 23), `${model} must not claim MMX`).toBe(0);
      const fresh = new Cpu({ model, memory: new PhysicalMemory(1 << 20), io: new IoBus(), clock: new VirtualClock(1e6) });
      expect(fresh.r[2] >>> 0, `${model} EDX after reset`).toBe(sig);
    }
    const p = run16('pentium', cpuid1);
    expect((p.cpu.r[0] >> 4) & 0xf).toBe(2); // model 2 = P54C
    // i486: an FPU-less Intel486 SX (family 4, model 2), not a DX part.
    const i4 = run16('i486', cpuid1);
    expect((i4.cpu.r[0] >>> 4) & 0xff).toBe(0x42);
    expect(i4.cpu.r[2] & 1).toBe(0);
    const p6 = run16('p6', cpuid1);
    expect((p6.cpu.r[0] >> 4) & 0xf).toBe(1); // model 1 = Pentium Pro
  });

  it('feature bits: PGE/MTRR/CMOV only on p6; none of FPU, VME, MMX, APIC, SSE', () => {
    const p = run16('pentium', cpuid1).cpu.r[2];
    const p6 = run16('p6', cpuid1).cpu.r[2];
    const never = (1 << 0) | (1 << 1) | (1 << 9) | (1 << 23) | (1 << 24) | (1 << 25);
    expect(p & never).toBe(0);
    expect(p6 & never).toBe(0);
    expect(p & ((1 << 12) | (1 << 13) | (1 << 15))).toBe(0);
    expect(p6 & ((1 << 12) | (1 << 13) | (1 << 15))).toBe((1 << 12) | (1 << 13) | (1 << 15));
  });

  it('MTRR (advertised on p6): MTRRcap, MTRRdefType, variable and fixed range MSRs read and write back', () => {
    const m = realMachine('p6', nasm(PM_PREAMBLE + `
      mov ecx, 0xfe
      rdmsr
      mark 0, eax
      mov ecx, 0x2ff
      mov eax, 0xc06
      xor edx, edx
      wrmsr
      xor eax, eax
      rdmsr
      mark 1, eax
      mov ecx, 0x201
      mov eax, 0xfc000800
      mov edx, 0xf
      wrmsr
      xor eax, eax
      xor edx, edx
      rdmsr
      mark 2, eax
      mark 3, edx
      mov ecx, 0x250
      mov eax, 0x06060606
      mov edx, 0x06060606
      wrmsr
      xor eax, eax
      rdmsr
      mark 4, eax
      hlt`));
    runToHalt(m, 100000);
    const mark = (n: number): number => m.memory.read32(0x50000 + n * 4) >>> 0;
    expect(mark(0) & 0xff).toBe(8); // VCNT: 8 variable ranges
    expect(mark(0) & 0x100).toBe(0x100); // FIX: fixed ranges supported
    expect(mark(1)).toBe(0xc06);
    expect(mark(2)).toBe(0xfc000800);
    expect(mark(3)).toBe(0xf);
    expect(mark(4)).toBe(0x06060606);
  });

  // Paging set-up shared by the PGE tests: identity-map 4 MiB with 4 KiB pages; page 0x80 is global.
  const PAGING = `
      mov edi, 0x71000
      mov eax, 0x003
      mov ecx, 1024
    .fill:
      stosd
      add eax, 0x1000
      loop .fill
      mov dword [0x71000 + 0x80*4], 0x80103   ; G | RW | P
      mov dword [0x70000], 0x71003
      mov dword [0x80000], 0x11111111
      mov dword [0x81000], 0x22222222
      mov dword [0x82000], 0x33333333
      mov eax, 0x70000
      mov cr3, eax
      mov eax, cr0
      or eax, 0x80000000
      mov cr0, eax
  `;

  it('CR4.PGE: global translations survive MOV to CR3, non-global ones do not; clearing PGE flushes them', () => {
    const m = realMachine('p6', nasm(PM_PREAMBLE + `
      mov eax, cr4
      or eax, 0x80
      mov cr4, eax
      ${PAGING}
      mov eax, [0x80000]              ; caches the global page
      mov eax, [0x82000]              ; caches a non-global page
      mov dword [0x71000 + 0x80*4], 0x81103
      mov dword [0x71000 + 0x82*4], 0x81003
      mov eax, cr3
      mov cr3, eax
      mov eax, [0x80000]
      mark 1, eax                     ; stale global translation: still 0x80000
      mov eax, [0x82000]
      mark 2, eax                     ; re-walked: now 0x81000
      mov eax, cr4
      and eax, ~0x80
      mov cr4, eax                    ; PGE change flushes globals (SDM Vol. 3 §4.10.4.1)
      mov eax, [0x80000]
      mark 3, eax
      mov eax, cr4
      or eax, 0x80
      mov cr4, eax
      mov eax, [0x80000]              ; cache it again (now maps 0x81000, global)
      invlpg [0x80000]                ; INVLPG drops global entries too
      mov dword [0x71000 + 0x80*4], 0x82103
      mov eax, [0x80000]
      mark 4, eax
      hlt`));
    runToHalt(m, 200000);
    const mark = (n: number): number => m.memory.read32(0x50000 + n * 4) >>> 0;
    expect(mark(1)).toBe(0x11111111);
    expect(mark(2)).toBe(0x22222222);
    expect(mark(3)).toBe(0x22222222);
    expect(mark(4)).toBe(0x33333333);
  });

  it('without CR4.PGE the G bit is ignored: MOV to CR3 flushes every translation', () => {
    const m = realMachine('p6', nasm(PM_PREAMBLE + `
      ${PAGING}
      mov eax, [0x80000]
      mov dword [0x71000 + 0x80*4], 0x81103
      mov eax, cr3
      mov cr3, eax
      mov eax, [0x80000]
      mark 1, eax
      hlt`));
    runToHalt(m, 200000);
    expect(m.memory.read32(0x50000 + 4) >>> 0).toBe(0x22222222);
  });

  it('CR4.PGE is reserved on the Pentium (#GP), which does not advertise PGE', () => {
    const m = realMachine('pentium', nasm(PM_PREAMBLE + `
      gate 13, gp, 0x8E
      lidt [idt_desc]
      mark 1, 0
      mov eax, 0x80
      mov cr4, eax
      hlt
    gp:
      mark 1, 0xd
      hlt`));
    runToHalt(m, 100000);
    expect(m.memory.read32(0x50004)).toBe(0xd);
  });
});
