import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RtcCmos } from '../../../engine/devices/rtc-cmos.js';
import { FloppyType, setCmosBootOrder, setCmosDiskTypes, setCmosFloppies, setCmosMemory } from '../../../engine/devices/cmos-map.js';
import { makeMachine } from './helpers.js';

const TPS = 1_000_000;

function setup(startTime?: Date | number) {
  const m = makeMachine(TPS, undefined, { sharedMemory: true });
  const rtc = new RtcCmos(m.ctx, startTime === undefined ? {} : { startTime });
  const rd = (i: number) => {
    m.io.write8(0x70, i);
    return m.io.read8(0x71);
  };
  const wr = (i: number, v: number) => {
    m.io.write8(0x70, i);
    m.io.write8(0x71, v);
  };
  return { m, rtc, rd, wr };
}

const timeRegs = (rd: (i: number) => number) => [0, 2, 4, 6, 7, 8, 9, 0x32].map(rd);
const bcd = (n: number) => ((Math.floor(n / 10) % 10) << 4) | (n % 10);

describe('RtcCmos (MC146818A)', () => {
  it('starts at the fixed default instant, BCD 24h', () => {
    const { rd } = setup();
    // 2000-01-01 was a Saturday: day-of-week 7 (Sunday = 1).
    expect(timeRegs(rd)).toEqual([0, 0, 0, 7, 1, 1, 0, 0x20]);
    expect(rd(0x0a)).toBe(0x26);
    expect(rd(0x0b)).toBe(0x02);
    expect(rd(0x0d)).toBe(0x80);
  });

  it('advances only with virtual time', () => {
    const { m, rd } = setup(new Date('2024-02-28T23:59:30Z'));
    m.advance(TPS * 29);
    expect(rd(0)).toBe(0x59);
    m.advance(TPS * 1);
    // 2024 is a leap year: 29 Feb, a Thursday (5).
    expect(timeRegs(rd)).toEqual([0, 0, 0, 5, 0x29, 0x02, 0x24, 0x20]);
  });

  it('rolls the century over', () => {
    const { m, rd } = setup(Date.UTC(2099, 11, 31, 23, 59, 59));
    m.advance(TPS);
    expect(timeRegs(rd).slice(4)).toEqual([1, 1, 0, 0x21]);
  });

  it('binary and 12-hour modes (SET inhibits updates while the time is written)', () => {
    const { m, rd, wr } = setup();
    wr(0x0b, 0x80 | 0x04); // SET, binary, 12h
    wr(0, 59);
    wr(2, 59);
    wr(4, 11); // 11 AM
    m.advance(TPS * 3);
    expect(rd(0)).toBe(59); // no updates while SET
    wr(0x0b, 0x04);
    m.advance(TPS);
    expect([rd(0), rd(2), rd(4)]).toEqual([0, 0, 0x80 | 12]); // 12 PM
    wr(0x0b, 0x80 | 0x02); // SET, BCD, 24h
    wr(4, 0x23);
    wr(2, 0x59);
    wr(0, 0x59);
    wr(0x0b, 0x02);
    m.advance(TPS);
    expect([rd(0), rd(2), rd(4)]).toEqual([0, 0, 0]);
  });

  it('UIP is set for 244 us before each update and the seconds change after it clears', () => {
    const { m, rd } = setup();
    const step = 10; // 10 us
    let sawUip = false;
    let uipStart = -1;
    while (!sawUip) {
      if (rd(0x0a) & 0x80) {
        sawUip = true;
        uipStart = m.clock.ticks;
      } else m.advance(step);
    }
    expect(rd(0)).toBe(0);
    while (rd(0x0a) & 0x80) m.advance(step);
    expect(rd(0)).toBe(1);
    expect(m.clock.ticks - uipStart).toBeGreaterThanOrEqual(240);
    expect(m.clock.ticks - uipStart).toBeLessThanOrEqual(260);
    expect(uipStart).toBeLessThan(TPS);
  });

  it('periodic interrupt at the register-A rate on IRQ 8; reading C acknowledges', () => {
    const { m, rd, wr } = setup();
    wr(0x0b, 0x02 | 0x40); // PIE
    let irqs = 0;
    const step = Math.floor(TPS / 8192);
    for (let t = 0; t < TPS; t += step) {
      m.advance(step);
      if (m.irq.level[8]) {
        const c = rd(0x0c);
        expect(c & 0xc0).toBe(0xc0);
        irqs++;
        expect(m.irq.level[8]).toBe(false);
      }
    }
    expect(irqs).toBeGreaterThanOrEqual(1023);
    expect(irqs).toBeLessThanOrEqual(1024);
  });

  it('PF is set even with PIE clear, without an interrupt', () => {
    const { m, rd } = setup();
    rd(0x0c);
    m.advance(TPS / 100);
    expect(rd(0x0c)).toBe(0x40);
    expect(rd(0x0c)).toBe(0x00);
    expect(m.irq.edges[8]).toBe(0);
  });

  it('update-ended and alarm interrupts', () => {
    const { m, rd, wr } = setup();
    wr(0x0b, 0x02 | 0x10); // UIE
    m.advance(TPS);
    expect(m.irq.level[8]).toBe(true);
    expect(rd(0x0c) & 0xb0).toBe(0x90); // IRQF|UF (PF may be set too: it runs regardless of PIE)
    wr(0x0b, 0x02 | 0x20); // AIE only
    wr(1, 0x05); // alarm at hh:mm:05 with minutes/hours don't-care
    wr(3, 0xc0);
    wr(5, 0xff);
    m.advance(TPS * 3);
    expect(m.irq.level[8]).toBe(false);
    m.advance(TPS);
    expect(m.irq.level[8]).toBe(true);
    expect(rd(0) & 0xff).toBe(0x05);
    expect(rd(0x0c) & 0xa0).toBe(0xa0);
  });

  it('divider reset stops the clock; restarting gives the first update 500 ms later', () => {
    const { m, rd, wr } = setup();
    wr(0x0a, 0x66);
    m.advance(TPS * 5);
    expect(rd(0)).toBe(0);
    wr(0x0a, 0x26);
    m.advance(TPS / 2 - 1);
    expect(rd(0)).toBe(0);
    m.advance(1);
    expect(rd(0)).toBe(1);
  });

  it('port 0x70 bit 7 is the NMI mask', () => {
    const { m, rtc } = setup();
    m.io.write8(0x70, 0x8f);
    expect(rtc.nmiMasked).toBe(true);
    m.io.write8(0x70, 0x0f);
    expect(rtc.nmiMasked).toBe(false);
  });

  it('NVRAM bytes are read/writable and the host helpers keep the checksum valid', () => {
    const { rtc, rd, wr } = setup();
    wr(0x40, 0x5a);
    expect(rd(0x40)).toBe(0x5a);
    setCmosMemory(rtc, 64 * 1024 * 1024, 2 * 1024 * 1024 * 1024);
    setCmosFloppies(rtc, FloppyType.M1_44);
    setCmosDiskTypes(rtc, 47);
    setCmosBootOrder(rtc, ['cdrom', 'disk', 'floppy'], false);
    expect(rd(0x15) | (rd(0x16) << 8)).toBe(640);
    expect(rd(0x17) | (rd(0x18) << 8)).toBe(63 * 1024);
    expect(rd(0x30) | (rd(0x31) << 8)).toBe(63 * 1024);
    expect(rd(0x34) | (rd(0x35) << 8)).toBe((48 * 1024) / 64);
    expect(rd(0x5b) | (rd(0x5c) << 8) | (rd(0x5d) << 16)).toBe(32768);
    expect(rd(0x10)).toBe(0x40);
    expect(rd(0x14) & 0xc1).toBe(0x01);
    expect([rd(0x12), rd(0x19)]).toEqual([0xf0, 47]);
    expect([rd(0x3d), rd(0x38)]).toEqual([0x23, 0x11]);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += rd(i);
    expect((rd(0x2e) << 8) | rd(0x2f)).toBe(sum);
  });

  it('caps extended memory at 0xFFFF KiB', () => {
    const { rtc, rd } = setup();
    setCmosMemory(rtc, 3 * 1024 * 1024 * 1024);
    expect(rd(0x17) | (rd(0x18) << 8)).toBe(0xffff);
    expect(() => rtc.setNvram(128, 0)).toThrow(/out of range/);
  });

  it('snapshot restore continues identically (time, periodic timer, flags)', () => {
    const a = setup(Date.UTC(2010, 5, 15, 12, 0, 0));
    a.wr(0x0b, 0x02 | 0x40 | 0x10);
    a.wr(0x0a, 0x2f); // 2 Hz periodic
    a.m.advance(TPS * 2 + 123_457);
    a.rd(0x0c); // acknowledge so the (unsnapshotted) test IRQ recorders agree
    const state = a.rtc.saveState();
    const b = setup();
    b.m.clock.ticks = a.m.clock.ticks;
    b.rtc.loadState(state);
    for (let i = 0; i < 7; i++) {
      a.m.advance(TPS / 3);
      b.m.advance(TPS / 3);
      expect(b.m.irq.level[8]).toBe(a.m.irq.level[8]);
      expect(timeRegs(b.rd)).toEqual(timeRegs(a.rd));
      expect(b.rd(0x0c)).toBe(a.rd(0x0c));
    }
  });

  it('property: registers equal startTime + elapsed whole seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), fc.integer({ min: 0, max: 4000 }), (start, secs) => {
        const s = start - (start % 1000);
        const { m, rd } = setup(s);
        m.advance(TPS * secs + TPS / 2);
        const d = new Date(s + secs * 1000);
        expect(timeRegs(rd).filter((_, i) => i !== 3)).toEqual([
          bcd(d.getUTCSeconds()),
          bcd(d.getUTCMinutes()),
          bcd(d.getUTCHours()),
          bcd(d.getUTCDate()),
          bcd(d.getUTCMonth() + 1),
          bcd(d.getUTCFullYear() % 100),
          bcd(Math.floor(d.getUTCFullYear() / 100)),
        ]);
        expect(rd(6)).toBe(d.getUTCDay() + 1);
      }),
      { numRuns: 25 },
    );
  });
});
