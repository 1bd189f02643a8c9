import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COM_PORTS, Uart16550 } from '../../../engine/devices/uart16550.js';
import { makeMachine } from './helpers.js';

const TPS = 11_520_000; // 100 ticks per bit at 115200 baud
const B = 0x3f8;
const CHAR = 1000; // 10-bit 8N1 frame at divisor 1

function setup(divisor = 1) {
  const m = makeMachine(TPS, undefined, { sharedMemory: true });
  const out: number[] = [];
  const uart = new Uart16550(m.ctx, { ...COM_PORTS[0], onTransmit: (b) => out.push(b) });
  m.io.write8(B + 3, 0x80);
  m.io.write8(B + 0, divisor & 0xff);
  m.io.write8(B + 1, divisor >>> 8);
  m.io.write8(B + 3, 0x03); // 8N1
  return { m, uart, out, io: m.io };
}

describe('Uart16550', () => {
  it('divisor latch and register read-back', () => {
    const { io } = setup(12);
    io.write8(B + 3, 0x83);
    expect([io.read8(B), io.read8(B + 1)]).toEqual([12, 0]);
    io.write8(B + 3, 0x1b);
    expect(io.read8(B + 3)).toBe(0x1b);
    io.write8(B + 7, 0xa5);
    expect(io.read8(B + 7)).toBe(0xa5);
    expect(io.read8(B + 2)).toBe(0x01);
    expect(io.read8(B + 5)).toBe(0x60);
  });

  it('a byte takes one character time at the programmed baud rate', () => {
    const { m, io, out } = setup(12); // 9600 baud
    io.write8(B, 0x41);
    expect(io.read8(B + 5) & 0x60).toBe(0x20); // THR empty, shift register busy
    m.advance(CHAR * 12 - 1);
    expect(out).toEqual([]);
    m.advance(1);
    expect(out).toEqual([0x41]);
    expect(io.read8(B + 5) & 0x60).toBe(0x60);
  });

  it('7E2 frames are longer', () => {
    const { m, io, out } = setup(1);
    io.write8(B + 3, 0x02 | 0x04 | 0x18); // 7 data, 2 stop, even parity
    io.write8(B, 0x55);
    m.advance(1099);
    expect(out).toEqual([]);
    m.advance(1);
    expect(out).toEqual([0x55]);
  });

  it('without FIFO only THR + shift register hold bytes; with FIFO 16 more', () => {
    const { m, io, out } = setup();
    for (let i = 0; i < 5; i++) io.write8(B, i);
    m.advance(CHAR * 10);
    expect(out).toEqual([0, 1]);
    out.length = 0;
    io.write8(B + 2, 0x07);
    for (let i = 0; i < 20; i++) io.write8(B, i);
    expect(io.read8(B + 5) & 0x20).toBe(0);
    m.advance(CHAR * 30);
    expect(out).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it('receives host bytes one per character time and interrupts on data available', () => {
    const { m, io, uart } = setup();
    io.write8(B + 1, 0x01);
    io.write8(B + 4, 0x08); // OUT2 gates the IRQ
    uart.receive('hi');
    expect(io.read8(B + 5) & 1).toBe(0);
    m.advance(CHAR);
    expect(m.irq.level[4]).toBe(true);
    expect(io.read8(B + 2)).toBe(0x04);
    expect(io.read8(B)).toBe(0x68);
    expect(m.irq.level[4]).toBe(false);
    m.advance(CHAR);
    expect(io.read8(B)).toBe(0x69);
  });

  it('host input waits instead of overrunning in 16450 mode', () => {
    const { m, io, uart } = setup();
    uart.receive([1, 2, 3]);
    m.advance(CHAR * 10);
    expect(io.read8(B + 5) & 0x03).toBe(0x01);
    expect([io.read8(B), (m.advance(CHAR), io.read8(B)), (m.advance(CHAR), io.read8(B))]).toEqual([1, 2, 3]);
  });

  it('FIFO trigger level and character timeout interrupt', () => {
    const { m, io, uart } = setup();
    io.write8(B + 2, 0x81); // FIFO on, trigger 8
    io.write8(B + 1, 0x01);
    io.write8(B + 4, 0x08);
    uart.receive(Array.from({ length: 10 }, (_, i) => 0x30 + i));
    m.advance(CHAR * 7);
    expect(io.read8(B + 2)).toBe(0xc1);
    m.advance(CHAR);
    expect(io.read8(B + 2)).toBe(0xc4);
    m.advance(CHAR * 2);
    for (let i = 0; i < 8; i++) expect(io.read8(B)).toBe(0x30 + i);
    expect(io.read8(B + 2)).toBe(0xc1); // 2 left, below trigger
    m.advance(CHAR * 4);
    expect(io.read8(B + 2)).toBe(0xcc); // character timeout
    expect(m.irq.level[4]).toBe(true);
    io.read8(B);
    io.read8(B);
    expect(io.read8(B + 2)).toBe(0xc1);
  });

  it('loopback: transmitted bytes come back, MCR drives MSR, overrun raises the line-status interrupt first', () => {
    const { m, io, out } = setup();
    io.write8(B + 4, 0x1f);
    expect(io.read8(B + 6) & 0xf0).toBe(0xf0);
    io.write8(B + 1, 0x0f);
    io.write8(B, 0x11);
    m.advance(CHAR);
    io.write8(B, 0x22);
    m.advance(CHAR);
    expect(out).toEqual([]);
    expect(io.read8(B + 2)).toBe(0x06); // overrun beats data available
    expect(io.read8(B + 5) & 0x03).toBe(0x03);
    expect(io.read8(B + 2)).toBe(0x04);
    expect(io.read8(B)).toBe(0x11);
  });

  it('THRE interrupt: raised when enabled with THR empty, cleared by reading IIR', () => {
    const { m, io, uart } = setup();
    io.write8(B + 4, 0x08);
    io.write8(B + 1, 0x02);
    expect(m.irq.level[4]).toBe(true);
    expect(io.read8(B + 2)).toBe(0x02);
    expect(io.read8(B + 2)).toBe(0x01);
    expect(m.irq.level[4]).toBe(false);
    io.write8(B, 1);
    io.write8(B, 2); // THR now full behind the shift register
    expect(io.read8(B + 2)).toBe(0x01);
    m.advance(CHAR);
    expect(io.read8(B + 2)).toBe(0x02);
  });

  it('modem status interrupt on a host line change; OUT2 clear keeps IRQ low', () => {
    const { m, io, uart } = setup();
    io.write8(B + 1, 0x08);
    uart.setModemLines({ cts: false });
    expect(io.read8(B + 2)).toBe(0x00);
    expect(m.irq.level[4]).toBe(false);
    io.write8(B + 4, 0x08);
    expect(m.irq.level[4]).toBe(true);
    expect(io.read8(B + 6)).toBe(0xa1); // DCD, DSR, delta CTS
    expect(io.read8(B + 2)).toBe(0x01);
  });

  it('snapshot restore continues mid-transfer identically', () => {
    const a = setup(3);
    a.io.write8(B + 2, 0x01);
    for (let i = 0; i < 6; i++) a.io.write8(B, 0x61 + i);
    a.uart.receive('xyz');
    a.m.advance(CHAR * 4 + 17);
    const state = a.uart.saveState();
    const b = setup(3);
    b.m.clock.ticks = a.m.clock.ticks;
    b.uart.loadState(state);
    const aOut = a.out.length;
    a.m.advance(CHAR * 20);
    b.m.advance(CHAR * 20);
    expect(b.out).toEqual(a.out.slice(aOut));
    for (let i = 0; i < 3; i++) expect(b.io.read8(B)).toBe(a.io.read8(B));
  });

  it('property: bytes written while polling THRE arrive in order (direct and loopback)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean(), fc.boolean(), (data, fifo, loop) => {
        const { m, io, out } = setup();
        if (fifo) io.write8(B + 2, 0x01);
        if (loop) io.write8(B + 4, 0x10);
        const got: number[] = [];
        for (const byte of data) {
          while (!(io.read8(B + 5) & 0x20)) m.advance(50);
          io.write8(B, byte);
          if (loop) while (io.read8(B + 5) & 1) got.push(io.read8(B));
        }
        for (let i = 0; i < 40; i++) {
          m.advance(CHAR);
          if (loop) while (io.read8(B + 5) & 1) got.push(io.read8(B));
        }
        expect(loop ? got : out).toEqual([...data]);
      }),
      { numRuns: 30 },
    );
  });
});
