import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DualPic } from '../../../engine/devices/pic8259.js';
import { makeMachine } from './helpers.js';

function setup(opts: { autoEoi?: boolean; ltim?: boolean } = {}) {
  const m = makeMachine(undefined, undefined, { sharedMemory: true });
  const pic = new DualPic(m.ctx);
  const icw1 = 0x11 | (opts.ltim ? 0x08 : 0);
  const icw4 = 0x01 | (opts.autoEoi ? 0x02 : 0);
  m.io.write8(0x20, icw1);
  m.io.write8(0x21, 0x08);
  m.io.write8(0x21, 0x04);
  m.io.write8(0x21, icw4);
  m.io.write8(0xa0, icw1);
  m.io.write8(0xa1, 0x70);
  m.io.write8(0xa1, 0x02);
  m.io.write8(0xa1, icw4);
  return { m, pic, io: m.io };
}

/** Fixed-priority order of the cascaded pair: 0, 1, 8–15, 3–7. */
const PRIORITY = [0, 1, 8, 9, 10, 11, 12, 13, 14, 15, 3, 4, 5, 6, 7];
const vectorOf = (irq: number) => (irq < 8 ? 0x08 + irq : 0x70 + irq - 8);

describe('DualPic (8259A pair)', () => {
  it('delivers a master IRQ with the ICW2 vector and blocks lower levels until EOI', () => {
    const { pic, io } = setup();
    pic.raise(0);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x08);
    expect(io.read8(0x20) & 1).toBe(0); // IRR cleared (edge)
    io.write8(0x20, 0x0b); // OCW3: read ISR
    expect(io.read8(0x20)).toBe(0x01);
    pic.raise(4);
    expect(pic.hasInterrupt()).toBe(false); // IR0 in service blocks IR4
    io.write8(0x20, 0x20); // non-specific EOI
    expect(io.read8(0x20)).toBe(0x00);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x0c);
  });

  it('routes slave IRQs through IR2 and needs EOI on both chips', () => {
    const { pic, io } = setup();
    pic.raise(12);
    expect(pic.acknowledge()).toBe(0x74);
    io.write8(0x20, 0x0b);
    io.write8(0xa0, 0x0b);
    expect(io.read8(0x20)).toBe(0x04);
    expect(io.read8(0xa0)).toBe(0x10);
    pic.lower(12);
    pic.raise(12);
    expect(pic.hasInterrupt()).toBe(false);
    io.write8(0xa0, 0x20);
    io.write8(0x20, 0x20);
    expect(pic.acknowledge()).toBe(0x74);
  });

  it('maps raise(2) to IRQ 9 as on the AT bus', () => {
    const { pic } = setup();
    pic.raise(2);
    expect(pic.acknowledge()).toBe(0x71);
  });

  it('honours IMR (OCW1) and reads it back', () => {
    const { pic, io } = setup();
    io.write8(0x21, 0xfd); // mask everything except IRQ1
    expect(io.read8(0x21)).toBe(0xfd);
    pic.raise(0);
    expect(pic.hasInterrupt()).toBe(false);
    pic.raise(1);
    expect(pic.acknowledge()).toBe(0x09);
  });

  it('returns the spurious IRQ7 / IRQ15 vectors when the request vanishes (level mode)', () => {
    const { pic, io } = setup();
    io.write8(0x4d0, 0x20); // IRQ5 level
    io.write8(0x4d1, 0x02); // IRQ9 level
    pic.raise(5);
    expect(pic.hasInterrupt()).toBe(true);
    pic.lower(5);
    expect(pic.acknowledge()).toBe(0x0f);
    io.write8(0x20, 0x0b);
    expect(io.read8(0x20)).toBe(0); // spurious IRQ7 sets no ISR bit
    expect(io.read8(0x4d0)).toBe(0x20);
    // Spurious on the slave: the master latched IR2 but the slave lost its request.
    pic.raise(9);
    expect(pic.hasInterrupt()).toBe(true);
    pic.lower(9);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x77);
    expect(pic.registers.isr).toBe(0x0004); // master IR2 in service, slave nothing
    io.write8(0x20, 0x20);
    expect(pic.hasInterrupt()).toBe(false);
  });

  it('masks reserved ELCR bits (IRQ 0,1,2,8,13 are always edge)', () => {
    const { io } = setup();
    io.write8(0x4d0, 0xff);
    io.write8(0x4d1, 0xff);
    expect(io.read8(0x4d0)).toBe(0xf8);
    expect(io.read8(0x4d1)).toBe(0xde);
  });

  it('re-requests a level-triggered line that is still high after EOI', () => {
    const { pic, io } = setup({ ltim: true });
    pic.raise(3);
    expect(pic.acknowledge()).toBe(0x0b);
    io.write8(0x20, 0x20);
    expect(pic.hasInterrupt()).toBe(true);
    pic.lower(3);
    expect(pic.hasInterrupt()).toBe(false);
  });

  it('edge mode needs a new rising edge; ICW1 resets the edge latch', () => {
    const { pic, io } = setup();
    pic.raise(3);
    pic.acknowledge();
    io.write8(0x20, 0x20);
    expect(pic.hasInterrupt()).toBe(false);
    pic.raise(4);
    io.write8(0x20, 0x11); // re-init while IR4 is high and latched
    io.write8(0x21, 0x08);
    io.write8(0x21, 0x04);
    io.write8(0x21, 0x01);
    expect(pic.hasInterrupt()).toBe(false);
    pic.lower(4);
    pic.raise(4);
    expect(pic.acknowledge()).toBe(0x0c);
  });

  it('auto-EOI leaves ISR clear', () => {
    const { pic, io } = setup({ autoEoi: true });
    pic.raise(1);
    expect(pic.acknowledge()).toBe(0x09);
    io.write8(0x20, 0x0b);
    expect(io.read8(0x20)).toBe(0);
    pic.raise(0);
    expect(pic.acknowledge()).toBe(0x08);
  });

  it('back-to-back slave requests in auto-EOI mode are both delivered', () => {
    const { pic } = setup({ autoEoi: true });
    pic.raise(10);
    pic.raise(11);
    expect(pic.acknowledge()).toBe(0x72);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x73);
    expect(pic.hasInterrupt()).toBe(false);
  });

  it('specific EOI clears only the named level', () => {
    const { pic, io } = setup();
    pic.raise(4);
    pic.acknowledge();
    pic.raise(1);
    io.write8(0x20, 0x0c); // poll: acknowledges IR1 on the read
    expect(io.read8(0x20)).toBe(0x81);
    io.write8(0x20, 0x0b);
    expect(io.read8(0x20)).toBe(0x12);
    io.write8(0x20, 0x64); // specific EOI level 4
    expect(io.read8(0x20)).toBe(0x02);
  });

  it('poll mode returns 0x80|level and acts as an acknowledge; 0 when idle', () => {
    const { pic, io } = setup();
    io.write8(0x20, 0x0c);
    expect(io.read8(0x20)).toBe(0x00);
    pic.raise(6);
    io.write8(0x20, 0x0c);
    expect(io.read8(0x21)).toBe(0x86);
    expect(io.read8(0x21)).toBe(0x00); // back to IMR
    io.write8(0x20, 0x0b);
    expect(io.read8(0x20)).toBe(0x40);
  });

  it('rotate on non-specific EOI makes the serviced level lowest priority', () => {
    const { pic, io } = setup();
    pic.raise(1);
    pic.raise(5);
    expect(pic.acknowledge()).toBe(0x09);
    io.write8(0x20, 0xa0); // rotate on non-specific EOI: IR1 becomes lowest
    pic.lower(1);
    pic.raise(1);
    // now order is 2,3,...,7,0,1: IR5 beats IR1
    expect(pic.acknowledge()).toBe(0x0d);
    io.write8(0x20, 0xc7); // set priority: IR7 lowest again
    io.write8(0x20, 0x20);
    expect(pic.acknowledge()).toBe(0x09);
  });

  it('special mask mode lets lower levels in while a masked level is in service', () => {
    const { pic, io } = setup();
    pic.raise(2 + 1); // IR3
    expect(pic.acknowledge()).toBe(0x0b);
    pic.raise(5);
    expect(pic.hasInterrupt()).toBe(false);
    io.write8(0x21, 0x08); // mask IR3
    io.write8(0x20, 0x68); // OCW3 ESMM|SMM
    expect(pic.acknowledge()).toBe(0x0d);
    io.write8(0x20, 0x48); // leave special mask mode
  });

  it('special fully nested mode lets a higher slave request through', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const pic = new DualPic(m.ctx);
    const io = m.io;
    for (const [p, v] of [[0x20, 0x11], [0x21, 0x08], [0x21, 0x04], [0x21, 0x11], [0xa0, 0x11], [0xa1, 0x70], [0xa1, 0x02], [0xa1, 0x01]]) io.write8(p, v);
    pic.raise(12);
    expect(pic.acknowledge()).toBe(0x74);
    pic.raise(9);
    expect(pic.acknowledge()).toBe(0x71);
  });

  it('restores a snapshot exactly', () => {
    const { pic, io } = setup();
    pic.raise(12);
    pic.raise(3);
    pic.acknowledge();
    io.write8(0x21, 0x40);
    const state = pic.saveState();
    const other = new DualPic(makeMachine(undefined, undefined, { sharedMemory: true }).ctx);
    other.loadState(state);
    expect(other.registers).toEqual(pic.registers);
    expect(other.acknowledge()).toBe(pic.acknowledge());
  });

  it('property: with nothing in service the highest-priority unmasked request wins', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...PRIORITY), { minLength: 1 }), fc.integer({ min: 0, max: 0xffff }), (irqs, mask) => {
        const { pic, io } = setup();
        io.write8(0x21, mask & 0xfb);
        io.write8(0xa1, mask >>> 8);
        for (const q of irqs) pic.raise(q);
        const deliverable = PRIORITY.filter((q) => irqs.includes(q) && !(q < 8 ? (mask & 0xfb) & (1 << q) : (mask >>> 8) & (1 << (q - 8))));
        expect(pic.hasInterrupt()).toBe(deliverable.length > 0);
        if (deliverable.length > 0) expect(pic.acknowledge()).toBe(vectorOf(deliverable[0]));
      }),
      { numRuns: 100 },
    );
  });

  it('property: every raised unmasked IRQ is delivered exactly once when each is EOIed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...PRIORITY), { minLength: 1 }), (irqs) => {
        const { pic, io } = setup();
        for (const q of irqs) pic.raise(q);
        const got: number[] = [];
        while (pic.hasInterrupt()) {
          const v = pic.acknowledge();
          got.push(v);
          if (v >= 0x70) io.write8(0xa0, 0x20);
          io.write8(0x20, 0x20);
        }
        expect(got.sort()).toEqual(irqs.map(vectorOf).sort());
      }),
      { numRuns: 100 },
    );
  });
});
