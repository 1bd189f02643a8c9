import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Pit8254, PIT_HZ } from '../../../engine/devices/pit8254.js';
import { SystemPort61 } from '../../../engine/devices/system-port-61.js';
import { makeMachine } from './helpers.js';

/** 10 ticks per PIT cycle makes cycle n land exactly on tick 10n. */
const TPS = PIT_HZ * 10;

function setup() {
  const m = makeMachine(TPS, undefined, { sharedMemory: true });
  const pit = new Pit8254(m.ctx);
  const p61 = new SystemPort61(m.ctx, { pit });
  return { m, pit, p61, io: m.io };
}

function program(io: { write8(p: number, v: number): void }, ch: number, mode: number, count: number, bcd = false) {
  io.write8(0x43, (ch << 6) | 0x30 | (mode << 1) | (bcd ? 1 : 0));
  io.write8(0x40 + ch, count & 0xff);
  io.write8(0x40 + ch, count >>> 8);
}

function latch(io: { write8(p: number, v: number): void; read8(p: number): number }, ch: number): number {
  io.write8(0x43, ch << 6);
  return io.read8(0x40 + ch) | (io.read8(0x40 + ch) << 8);
}

describe('Pit8254', () => {
  it('mode 2 on counter 0 raises IRQ0 at the programmed rate', () => {
    const { m, io } = setup();
    program(io, 0, 2, 1193);
    m.advance(TPS); // one virtual second
    expect(m.irq.edges[0]).toBe(Math.floor(PIT_HZ / 1193));
  });

  it('mode 3 with count 0 gives the 18.2 Hz BIOS tick', () => {
    const { m, io } = setup();
    program(io, 0, 3, 0);
    m.advance(TPS * 10);
    expect(m.irq.edges[0]).toBe(Math.floor((PIT_HZ * 10) / 65536));
  });

  it('counter latch freezes the value; live reads decrease with virtual time', () => {
    const { m, io } = setup();
    program(io, 0, 2, 1000);
    m.advance(10 * 100);
    expect(latch(io, 0)).toBe(900);
    io.write8(0x43, 0x00);
    m.advance(10 * 50);
    expect(io.read8(0x40) | (io.read8(0x40) << 8)).toBe(900); // latched value survives
    expect(io.read8(0x40) | (io.read8(0x40) << 8)).toBe(850); // then live again
  });

  it('lobyte-only and hibyte-only access modes', () => {
    const { m, io } = setup();
    io.write8(0x43, 0x54); // counter 1, LSB only, mode 2
    io.write8(0x41, 100);
    m.advance(10 * 30);
    expect(io.read8(0x41)).toBe(70);
    io.write8(0x43, 0x64); // counter 1, MSB only, mode 2
    io.write8(0x41, 0x02);
    m.advance(10 * 0x100);
    expect(io.read8(0x41)).toBe(0x01);
  });

  it('read-back returns status (OUT, null count, access, mode, BCD) then the count', () => {
    const { m, io } = setup();
    io.write8(0x43, 0x30); // counter 0 mode 0
    io.write8(0x43, 0xc2); // read-back status+count of counter 0
    expect(io.read8(0x40)).toBe(0x40 | 0x30); // OUT low, null count, lo/hi, mode 0
    io.write8(0x40, 10);
    io.write8(0x40, 0);
    m.advance(10 * 10);
    io.write8(0x43, 0xc2);
    expect(io.read8(0x40)).toBe(0x80 | 0x30); // OUT high after terminal count
    expect(io.read8(0x40) | (io.read8(0x40) << 8)).toBe(0);
  });

  it('mode 0 fires IRQ0 once at terminal count and keeps counting', () => {
    const { m, io } = setup();
    program(io, 0, 0, 500);
    m.advance(10 * 499);
    expect(m.irq.edges[0]).toBe(0);
    m.advance(10);
    expect(m.irq.edges[0]).toBe(1);
    m.advance(10 * 70000);
    expect(m.irq.edges[0]).toBe(1);
  });

  it('BCD counting', () => {
    const { m, io } = setup();
    program(io, 0, 2, 0x1000, true); // 1000 decimal
    m.advance(10 * 1);
    expect(latch(io, 0)).toBe(0x0999);
    m.advance(10 * 500);
    expect(latch(io, 0)).toBe(0x0499);
  });

  it('a new count in mode 2 takes effect at the end of the current period', () => {
    const { m: m2, io: io2 } = setup();
    program(io2, 0, 2, 1000);
    m2.advance(10 * 2300); // third period, 300 cycles in
    io2.write8(0x40, 100); // count only, no control word
    io2.write8(0x40, 0);
    expect(latch(io2, 0)).toBe(700);
    m2.advance(10 * 700);
    expect(latch(io2, 0)).toBe(100);
    m2.advance(10 * 150);
    expect(latch(io2, 0)).toBe(50);
  });

  it('counter 2 through port 0x61: gate, OUT2 in bit 5 (mode 0 delay)', () => {
    const { m, io } = setup();
    io.write8(0x61, 0x00);
    program(io, 2, 0, 200);
    m.advance(10 * 300);
    expect(io.read8(0x61) & 0x20).toBe(0); // gate low: not counting
    io.write8(0x61, 0x01);
    m.advance(10 * 199);
    expect(io.read8(0x61) & 0x20).toBe(0);
    m.advance(10);
    expect(io.read8(0x61) & 0x20).toBe(0x20);
    expect(io.read8(0x61) & 0x0f).toBe(0x01);
  });

  it('port 0x61 bit 4 toggles every 15.085 us of virtual time', () => {
    const { m, io } = setup();
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(io.read8(0x61) & 0x10);
      m.advance(10 * 18);
    }
    expect(seen).toEqual([0, 0x10, 0, 0x10, 0, 0x10, 0, 0x10]);
    expect((18 / PIT_HZ) * 1e6).toBeCloseTo(15.085, 2);
  });

  it('mode 3 square wave on counter 2: OUT high half, low half', () => {
    const { m, io } = setup();
    io.write8(0x61, 0x03);
    program(io, 2, 3, 100);
    const outs: number[] = [];
    for (let i = 0; i < 4; i++) {
      outs.push(io.read8(0x61) & 0x20);
      m.advance(10 * 50);
    }
    expect(outs).toEqual([0x20, 0, 0x20, 0]);
  });

  it('mode 1: gate-triggered, retriggerable one-shot on counter 2', () => {
    const { m, io } = setup();
    io.write8(0x61, 0x00);
    program(io, 2, 1, 100);
    expect(io.read8(0x61) & 0x20).toBe(0x20); // OUT high until triggered
    m.advance(10 * 500);
    expect(io.read8(0x61) & 0x20).toBe(0x20);
    io.write8(0x61, 0x01); // rising gate: trigger
    expect(io.read8(0x61) & 0x20).toBe(0);
    m.advance(10 * 50);
    io.write8(0x61, 0x00);
    io.write8(0x61, 0x01); // retrigger at 50
    m.advance(10 * 99);
    expect(io.read8(0x61) & 0x20).toBe(0);
    m.advance(10);
    expect(io.read8(0x61) & 0x20).toBe(0x20);
  });

  it('mode 4: one strobe (one IRQ0 edge) after N+1 cycles', () => {
    const { m, io } = setup();
    program(io, 0, 4, 300);
    m.advance(10 * 300);
    expect(m.irq.edges[0]).toBe(0);
    m.advance(10);
    expect(m.irq.edges[0]).toBe(1);
    m.advance(10 * 200000);
    expect(m.irq.edges[0]).toBe(1);
  });

  it('mode 5: strobe N cycles after the gate rises', () => {
    const { m, io } = setup();
    io.write8(0x61, 0x00);
    program(io, 2, 5, 40);
    m.advance(10 * 100);
    expect(io.read8(0x61) & 0x20).toBe(0x20);
    io.write8(0x61, 0x01);
    m.advance(10 * 40);
    expect(io.read8(0x61) & 0x20).toBe(0); // the one-cycle low strobe
    m.advance(10);
    expect(io.read8(0x61) & 0x20).toBe(0x20);
  });

  it('mode 0: a low gate pauses counting', () => {
    const { m, io } = setup();
    io.write8(0x61, 0x01);
    program(io, 2, 0, 1000);
    m.advance(10 * 300);
    io.write8(0x61, 0x00);
    m.advance(10 * 5000);
    expect(latch(io, 2)).toBe(700);
    io.write8(0x61, 0x01);
    m.advance(10 * 200);
    expect(latch(io, 2)).toBe(500);
  });

  it('mode 2: a low gate holds OUT high and the rising gate reloads', () => {
    const { m, io } = setup();
    io.write8(0x61, 0x01);
    program(io, 2, 2, 100);
    m.advance(10 * 40);
    io.write8(0x61, 0x00);
    m.advance(10 * 1000);
    expect(io.read8(0x61) & 0x20).toBe(0x20);
    expect(latch(io, 2)).toBe(100);
    io.write8(0x61, 0x01);
    m.advance(10 * 30);
    expect(latch(io, 2)).toBe(70);
  });

  it('read-back can latch several counters at once; a second latch is ignored until read', () => {
    const { m, io } = setup();
    program(io, 0, 2, 1000);
    program(io, 1, 2, 500);
    m.advance(10 * 100);
    io.write8(0x43, 0xd6); // read-back: latch count (not status) of counters 0 and 1
    m.advance(10 * 50);
    io.write8(0x43, 0x00); // ignored: counter 0 already latched
    expect(io.read8(0x40) | (io.read8(0x40) << 8)).toBe(900);
    expect(io.read8(0x41) | (io.read8(0x41) << 8)).toBe(400);
    expect(latch(io, 0)).toBe(850);
  });

  it('snapshot restore continues with identical IRQ timing', () => {
    const a = setup();
    program(a.io, 0, 2, 4567);
    a.m.advance(10 * 10000 + 3);
    const state = a.pit.saveState();
    const b = setup();
    b.m.clock.ticks = a.m.clock.ticks;
    b.pit.loadState(state);
    const before = a.m.irq.edges[0];
    a.m.advance(TPS / 10);
    b.m.advance(TPS / 10);
    expect(b.m.irq.edges[0]).toBe(a.m.irq.edges[0] - before);
    expect(latch(b.io, 0)).toBe(latch(a.io, 0));
  });

  it('property: in mode 2 the latched count is N - (t mod N)', () => {
    const { m, io } = setup();
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 65535 }), fc.integer({ min: 0, max: 500000 }), (n, t) => {
        m.clock.reset();
        program(io, 1, 2, n);
        m.advance(10 * t);
        expect(latch(io, 1)).toBe(n - (t % n));
      }),
      { numRuns: 200 },
    );
  });

  it('property: cycle/tick conversion never fires early for odd tick rates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000, max: 500_000_000 }), fc.integer({ min: 2, max: 65535 }), (tps, n) => {
        const m = makeMachine(tps, undefined, { sharedMemory: true });
        const pit = new Pit8254(m.ctx);
        program(m.io, 0, 2, n);
        const fired: number[] = [];
        const orig = m.ctx.irq.raise.bind(m.ctx.irq);
        m.ctx.irq.raise = (q: number) => {
          fired.push(pit.now());
          orig(q);
        };
        m.advance(Math.ceil((tps * n * 3) / PIT_HZ) + 1);
        expect(fired.length).toBeGreaterThanOrEqual(3);
        fired.forEach((c, i) => expect(c).toBeGreaterThanOrEqual((i + 1) * n));
      }),
      { numRuns: 20 },
    );
  });
});
