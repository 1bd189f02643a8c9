import { describe, expect, it } from 'vitest';
import { IoBus } from '../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../engine/clock/virtual-clock.js';
import { Cpu, type InterruptSource } from '../../../engine/cpu/cpu.js';
import { loadReal, nasm, realMachine, runToHalt } from './helpers.js';

class Line implements InterruptSource {
  pending: number[] = [];
  acks = 0;
  hasInterrupt(): boolean {
    return this.pending.length > 0;
  }
  acknowledge(): number {
    this.acks++;
    return this.pending.shift()!;
  }
}

const IRQ_PROGRAM = `
bits 16
org 0x1000
  mov word [0x20*4], isr
  mov word [0x20*4+2], 0
  mov word [2*4], nmi
  mov word [2*4+2], 0
  sti
  hlt
  mov ax, 0x1111
  cli
  hlt
  hlt
isr:
  inc word [0x3000]
  iret
nmi:
  inc word [0x3002]
  iret
`;

describe('run() contract', () => {
  it('HLT stops run(); a maskable interrupt wakes it when IF=1; with IF=0 only NMI does', () => {
    const line = new Line();
    const m = realMachine('80386', nasm(IRQ_PROGRAM));
    m.cpu.interrupts = line;
    const n1 = m.cpu.run(1000);
    expect(m.cpu.halted).toBe(true);
    expect(n1).toBe(6); // 4 movs, sti, hlt
    expect(m.cpu.run(1000)).toBe(0); // still halted, nothing pending
    line.pending.push(0x20);
    m.cpu.run(1000);
    expect(m.memory.read16(0x3000)).toBe(1);
    expect(m.cpu.getReg16(0)).toBe(0x1111);
    expect(m.cpu.halted).toBe(true); // CLI; HLT
    line.pending.push(0x20);
    expect(m.cpu.run(1000)).toBe(0); // IF=0: stays halted
    expect(line.acks).toBe(1);
    m.cpu.raiseNmi();
    m.cpu.run(1000);
    expect(m.memory.read16(0x3002)).toBe(1);
    expect(m.cpu.halted).toBe(true); // second HLT after IRET from the NMI handler
  });

  it('interrupts are held off for one instruction after STI and MOV SS', () => {
    const line = new Line();
    const m = realMachine('80286', nasm(`
      bits 16
      org 0x1000
        mov word [0x20*4], isr
        mov word [0x20*4+2], 0
        mov bx, 0
        sti
        mov bx, 1       ; executes before the pending interrupt
        mov bx, 2
        hlt
      isr:
        mov [0x3000], bx
        iret`));
    m.cpu.interrupts = line;
    m.cpu.run(3); // the two MOVs to the IVT and MOV BX, 0
    line.pending.push(0x20);
    runToHalt(m, 100);
    expect(m.memory.read16(0x3000)).toBe(1);
  });

  it('stopRequested makes run() return after the current instruction; every retired instruction is one tick', () => {
    const m = realMachine('8086', nasm('bits 16\norg 0x1000\nl: inc ax\njmp l'));
    m.io.register('stopper', 0x99, 1, {});
    const t0 = m.clock.ticks;
    expect(m.cpu.run(500)).toBe(500);
    expect(m.clock.ticks - t0).toBe(500);
    m.clock.schedule(m.clock.ticks + 10, () => (m.cpu.stopRequested = true));
    expect(m.cpu.run(500)).toBe(10);
  });

  it('snapshot round trip: a restored CPU continues exactly like the original', () => {
    const code = nasm(`
      bits 16
      org 0x1000
        mov cx, 5000
        xor ax, ax
      l:
        add ax, cx
        rol ax, 3
        push ax
        pop dx
        xor dx, 0x5a5a
        loop l
        hlt`);
    const a = realMachine('80386', code);
    a.cpu.run(7000);
    const state = a.cpu.saveState();
    const ram = a.memory.ram.slice();
    a.cpu.run(1_000_000);
    const memory = new PhysicalMemory(a.memory.ram.length);
    memory.ram.set(ram);
    const b = new Cpu({ model: '80386', memory, io: new IoBus(), clock: new VirtualClock(1e6) });
    b.loadState(JSON.parse(JSON.stringify(state)));
    b.run(1_000_000);
    expect(b.halted).toBe(true);
    expect(Array.from(b.r)).toEqual(Array.from(a.cpu.r));
    expect(b.eip).toBe(a.cpu.eip);
    expect(b.getFlags()).toBe(a.cpu.getFlags());
  });

  it('a snapshot from another model is refused', () => {
    const a = realMachine('80386', Uint8Array.of(0xf4));
    const b = realMachine('80286', Uint8Array.of(0xf4));
    expect(() => b.cpu.loadState(a.cpu.saveState())).toThrow(/model/);
    loadReal(b, Uint8Array.of(0xf4));
  });
});
