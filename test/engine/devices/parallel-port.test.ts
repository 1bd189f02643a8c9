import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParallelPort } from '../../../engine/devices/parallel-port.js';
import { makeMachine } from './helpers.js';

const TPS = 100_000_000; // 10 ns per tick

function setup() {
  const m = makeMachine(TPS, undefined, { sharedMemory: true });
  const printed: number[] = [];
  const lpt = new ParallelPort(m.ctx, { onPrint: (b) => printed.push(b) });
  return { m, lpt, printed, io: m.io };
}

/** INT 17h-style: wait for BUSY# high, write data, pulse STROBE. */
function printByte(m: ReturnType<typeof setup>['m'], b: number) {
  let spins = 0;
  while (!(m.io.read8(0x379) & 0x80)) {
    m.advance(100);
    if (++spins > 10_000) throw new Error('printer stuck busy');
  }
  m.io.write8(0x378, b);
  m.io.write8(0x37a, 0x0d);
  m.io.write8(0x37a, 0x0c);
}

describe('ParallelPort', () => {
  it('idle printer status reads 0xDE; control reads back with the high bits set', () => {
    const { io } = setup();
    expect(io.read8(0x379)).toBe(0xde);
    io.write8(0x37a, 0x0c);
    expect(io.read8(0x37a)).toBe(0xcc);
    io.write8(0x378, 0x5a);
    expect(io.read8(0x378)).toBe(0x5a);
    io.write8(0x37a, 0x2c); // input direction
    expect(io.read8(0x378)).toBe(0xff);
  });

  it('latches data on STROBE, goes busy, pulses ACK# and IRQ7 when enabled', () => {
    const { m, io, printed } = setup();
    io.write8(0x37a, 0x1c); // IRQ enable
    io.write8(0x378, 0x41);
    io.write8(0x37a, 0x1d);
    io.write8(0x378, 0x42); // changing data after the strobe does not matter
    io.write8(0x37a, 0x1c);
    expect(printed).toEqual([0x41]);
    expect(io.read8(0x379) & 0xc0).toBe(0x40); // busy, ACK# high
    m.advance(500); // 5 us
    expect(io.read8(0x379) & 0xc0).toBe(0x80); // BUSY released, ACK# low
    expect(m.irq.edges[7]).toBe(0);
    m.advance(500);
    expect(io.read8(0x379)).toBe(0xde);
    expect(m.irq.edges[7]).toBe(1);
  });

  it('SeaBIOS-style handshake: strobe, 5 us, poll ACK# low, strobe the next byte at once', () => {
    const { m, io, printed } = setup();
    io.write8(0x37a, 0x1c);
    for (const b of [0x61, 0x62, 0x63]) {
      io.write8(0x378, b);
      io.write8(0x37a, 0x1d);
      m.advance(600); // udelay(5) and a little more
      io.write8(0x37a, 0x1c);
      let spins = 0;
      while (io.read8(0x379) & 0x40) {
        m.advance(10);
        if (++spins > 1000) throw new Error('ACK# never went low');
      }
    }
    expect(printed).toEqual([0x61, 0x62, 0x63]);
    // A strobe during the ACK# pulse ends it: one IRQ 7 edge per byte.
    m.advance(1000);
    expect(m.irq.edges[7]).toBe(3);
  });

  it('no IRQ when control bit 4 is clear; strobe while busy is ignored', () => {
    const { m, io, printed } = setup();
    io.write8(0x378, 1);
    io.write8(0x37a, 0x0d);
    io.write8(0x37a, 0x0c);
    io.write8(0x378, 2);
    io.write8(0x37a, 0x0d);
    m.advance(2000);
    expect(printed).toEqual([1]);
    expect(m.irq.edges[7]).toBe(0);
  });

  it('INIT# aborts a handshake', () => {
    const { io } = setup();
    io.write8(0x37a, 0x0d);
    expect(io.read8(0x379) & 0x80).toBe(0);
    io.write8(0x37a, 0x08);
    expect(io.read8(0x379)).toBe(0xde);
  });

  it('snapshot keeps the busy phase and its deadline', () => {
    const a = setup();
    a.io.write8(0x37a, 0x1d);
    a.m.advance(300);
    const b = setup();
    b.m.clock.ticks = a.m.clock.ticks;
    b.lpt.loadState(a.lpt.saveState());
    a.m.advance(250);
    b.m.advance(250);
    expect(b.io.read8(0x379)).toBe(a.io.read8(0x379));
    a.m.advance(500);
    b.m.advance(500);
    expect(b.m.irq.edges[7]).toBe(a.m.irq.edges[7]);
  });

  it('property: polled printing delivers every byte in order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const s = setup();
        for (const b of data) printByte(s.m, b);
        expect(s.printed).toEqual([...data]);
      }),
      { numRuns: 30 },
    );
  });
});
