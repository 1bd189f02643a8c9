import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { I8042 } from '../../../engine/devices/i8042.js';
import { KEYS, lookupKey, typeString } from '../../../engine/input/keys.js';
import { makeMachine } from './helpers.js';

const TPS = 1_000_000; // 1000 ticks per ms

function setup() {
  const m = makeMachine(TPS, undefined, { sharedMemory: true });
  let resets = 0;
  const kbc = new I8042(m.ctx, { onReset: () => resets++ });
  const io = m.io;
  /** Poll status like a BIOS: wait up to 20 ms for OBF, then read port 0x60. */
  const read = (): number => {
    for (let i = 0; i < 200 && !(io.read8(0x64) & 1); i++) m.advance(100);
    if (!(io.read8(0x64) & 1)) return -1;
    return io.read8(0x60);
  };
  const readAll = (): number[] => {
    const out: number[] = [];
    for (let b = read(); b >= 0; b = read()) out.push(b);
    return out;
  };
  const cmd = (c: number, data?: number) => {
    io.write8(0x64, c);
    if (data !== undefined) io.write8(0x60, data);
  };
  return { m, kbc, io, read, readAll, cmd, resets: () => resets };
}

describe('I8042 controller', () => {
  it('self test, interface tests, command byte read/write', () => {
    const { io, read, cmd, kbc } = setup();
    expect(io.read8(0x64) & 0x04).toBe(0);
    cmd(0xaa);
    expect(io.read8(0x64) & 0x08).toBe(0x08);
    expect(read()).toBe(0x55);
    expect(io.read8(0x64) & 0x04).toBe(0x04);
    cmd(0xab);
    expect(read()).toBe(0x00);
    cmd(0xa9);
    expect(read()).toBe(0x00);
    cmd(0x60, 0x47);
    expect(kbc.commandByte).toBe(0x47);
    cmd(0x20);
    expect(read()).toBe(0x47);
    cmd(0x7f, 0x99);
    cmd(0x3f);
    expect(read()).toBe(0x99);
  });

  it('output port: D1 drives A20 and reset, D0 reads it back, DD/DF toggle A20', () => {
    const { m, read, cmd, resets } = setup();
    cmd(0xd1, 0xdd);
    expect(m.memory.a20Enabled).toBe(false);
    cmd(0xd0);
    expect(read() & 0x03).toBe(0x01);
    cmd(0xdf);
    expect(m.memory.a20Enabled).toBe(true);
    cmd(0xdd);
    expect(m.memory.a20Enabled).toBe(false);
    expect(resets()).toBe(0);
    cmd(0xd1, 0xde);
    expect(resets()).toBe(1);
    cmd(0xfe);
    expect(resets()).toBe(2);
    cmd(0xff);
    expect(resets()).toBe(2);
  });

  it('keyboard reset answers FA then AA, paced by the byte gap', () => {
    const { m, io } = setup();
    io.write8(0x60, 0xff);
    expect(io.read8(0x64) & 1).toBe(1);
    expect(io.read8(0x60)).toBe(0xfa);
    expect(io.read8(0x64) & 1).toBe(0);
    m.advance(999);
    expect(io.read8(0x64) & 1).toBe(0);
    m.advance(1);
    expect(io.read8(0x64) & 1).toBe(1);
    expect(io.read8(0x60)).toBe(0xaa);
    expect(io.read8(0x60)).toBe(0xaa); // a read with OBF clear repeats the last byte
  });

  it('translates set 2 to set 1 when command-byte bit 6 is set; raw set 2 otherwise', () => {
    const { readAll, kbc, cmd } = setup();
    kbc.keyDown('a');
    kbc.keyUp('a');
    kbc.keyDown('Left');
    kbc.keyUp('Left');
    expect(readAll()).toEqual([0x1e, 0x9e, 0xe0, 0x4b, 0xe0, 0xcb]);
    cmd(0x60, 0x01);
    kbc.keyDown('a');
    kbc.keyUp('a');
    kbc.keyDown('Pause');
    expect(readAll()).toEqual([0x1c, 0xf0, 0x1c, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77]);
  });

  it('IRQ1 rises when a byte is placed and drops on read; command byte bit 0 gates it', () => {
    const { m, io, kbc, cmd } = setup();
    kbc.keyDown('Enter');
    expect(m.irq.level[1]).toBe(true);
    expect(io.read8(0x60)).toBe(0x1c);
    expect(m.irq.level[1]).toBe(false);
    cmd(0x60, 0x40);
    kbc.keyUp('Enter');
    m.advance(5000);
    expect(io.read8(0x64) & 1).toBe(1);
    expect(m.irq.level[1]).toBe(false);
    expect(m.irq.edges[1]).toBe(1);
  });

  it('AD holds keyboard data until AE', () => {
    const { m, io, kbc, cmd, readAll } = setup();
    cmd(0xad);
    kbc.keyDown('x');
    m.advance(10_000);
    expect(io.read8(0x64) & 1).toBe(0);
    cmd(0xae);
    expect(readAll()).toEqual([0x2d]);
  });

  it('keyboard commands: echo, identify, LEDs, scan set get/set, set 3 refused, resend, unknown', () => {
    const { io, kbc, readAll, cmd } = setup();
    io.write8(0x60, 0xee);
    expect(readAll()).toEqual([0xee]);
    io.write8(0x60, 0xf2);
    expect(readAll()).toEqual([0xfa, 0xab, 0x41]); // 0x83 translated, as real 8042s do
    io.write8(0x60, 0xed);
    io.write8(0x60, 0x05);
    expect(readAll()).toEqual([0xfa, 0xfa]);
    expect(kbc.keyboard.ledState).toBe(5);
    io.write8(0x60, 0xf0);
    io.write8(0x60, 0x00);
    expect(readAll()).toEqual([0xfa, 0xfa, 0x41]); // set 2, translated
    cmd(0x60, 0x01); // translation off
    io.write8(0x60, 0xf0);
    io.write8(0x60, 0x03);
    expect(readAll()).toEqual([0xfa, 0xfe]);
    io.write8(0x60, 0xf0);
    io.write8(0x60, 0x01);
    io.write8(0x60, 0xf0);
    io.write8(0x60, 0x00);
    expect(readAll()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0x01]);
    kbc.keyDown('Esc');
    kbc.keyUp('Esc');
    expect(readAll()).toEqual([0x01, 0x81]);
    io.write8(0x60, 0xfe);
    expect(readAll()).toEqual([0x81]);
    io.write8(0x60, 0x12);
    expect(readAll()).toEqual([0xfe]);
  });

  it('F5 disables scanning (keys wait), F4 enables', () => {
    const { io, kbc, readAll } = setup();
    io.write8(0x60, 0xf5);
    kbc.keyDown('b');
    expect(readAll()).toEqual([0xfa]);
    io.write8(0x60, 0xf4);
    expect(readAll()).toEqual([0xfa, 0x30]);
  });

  it('typematic repeat: the last held key repeats after the F3 delay at the F3 rate', () => {
    const { m, io, kbc, read, readAll } = setup();
    kbc.keyDown('a');
    expect(read()).toBe(0x1e);
    const t0 = m.clock.ticks;
    m.runTo(t0 + 499_000);
    expect(io.read8(0x64) & 1).toBe(0);
    m.runTo(t0 + 500_000);
    expect(io.read8(0x60)).toBe(0x1e);
    m.runTo(t0 + 500_000 + 91_739);
    expect(io.read8(0x64) & 1).toBe(0);
    m.runTo(t0 + 500_000 + 91_740);
    expect(io.read8(0x60)).toBe(0x1e);
    kbc.keyDown('Left'); // a new key takes over the repeat
    expect(readAll()).toEqual([0xe0, 0x4b]);
    kbc.keyUp('a');
    expect(readAll()).toEqual([0x9e]);
    m.advance(600_000);
    expect(readAll()).toEqual([0xe0, 0x4b]);
    kbc.keyUp('Left');
    m.advance(2_000_000);
    expect(readAll()).toEqual([0xe0, 0xcb]);
    // F3 00: 250 ms delay, 30 characters per second
    io.write8(0x60, 0xf3);
    io.write8(0x60, 0x00);
    expect(readAll()).toEqual([0xfa, 0xfa]);
    kbc.keyDown('Space');
    expect(read()).toBe(0x39);
    const t1 = m.clock.ticks;
    let repeats = 0;
    while (m.clock.ticks < t1 + 1_000_000) {
      m.advance(1000);
      if (io.read8(0x64) & 1 && io.read8(0x60) === 0x39) repeats++;
    }
    expect(repeats).toBe(Math.floor((1000 - 250) / 33.36) + 1);
  });

  it('no typematic repeat when disabled by option', () => {
    const m = makeMachine(TPS, undefined, { sharedMemory: true });
    const kbc = new I8042(m.ctx, { typematicRepeat: false });
    kbc.keyDown('a');
    expect(m.io.read8(0x60)).toBe(0x1e);
    m.advance(5_000_000);
    expect(m.io.read8(0x64) & 1).toBe(0);
  });

  it('typeString emits shifted set-1 codes', () => {
    const { kbc, readAll } = setup();
    kbc.typeString('Hi');
    expect(readAll()).toEqual([0x2a, 0x23, 0xa3, 0xaa, 0x17, 0x97]);
  });

  it('snapshot restore mid-stream continues identically', () => {
    const a = setup();
    a.kbc.typeString('hello world');
    a.read();
    a.read();
    a.m.advance(300);
    const b = setup();
    b.m.clock.ticks = a.m.clock.ticks;
    b.kbc.loadState(a.kbc.saveState());
    expect(b.readAll()).toEqual(a.readAll());
    expect(b.m.clock.ticks).toBe(a.m.clock.ticks);
  });

  it('property: any typed ASCII text arrives as the concatenated set-1 codes', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 }), (text) => {
        const s = setup();
        s.kbc.typeString(text);
        const expected = typeString(text).flatMap((e) => (e.down ? e.key.set1Make : e.key.set1Break));
        expect(s.readAll()).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('every key round-trips through the controller in both translated and raw mode', () => {
    const s = setup();
    for (const k of KEYS) {
      s.kbc.keyDown(k);
      s.kbc.keyUp(k);
      expect(s.readAll(), k.name).toEqual([...k.set1Make, ...k.set1Break]);
    }
    s.cmd(0x60, 0x01);
    const k = lookupKey('F7').key;
    s.kbc.keyDown(k);
    expect(s.readAll()).toEqual([0x83]);
  });
});

describe('PS/2 mouse through the 8042', () => {
  function mouseSetup() {
    const s = setup();
    s.cmd(0x60, 0x43); // kbd+aux IRQ, translate
    s.cmd(0xa8);
    const send = (...bytes: number[]) => {
      for (const b of bytes) s.cmd(0xd4, b);
    };
    return { ...s, send };
  }

  it('reset answers FA AA 00 on the aux channel with IRQ12 and status bit 5', () => {
    const { m, io, send, read, readAll } = mouseSetup();
    send(0xff);
    expect(io.read8(0x64) & 0x21).toBe(0x21);
    expect(m.irq.level[12]).toBe(true);
    expect(m.irq.level[1]).toBe(false);
    expect(read()).toBe(0xfa);
    expect(m.irq.level[12]).toBe(false);
    expect(readAll()).toEqual([0xaa, 0x00]);
  });

  it('stream packets with sign and overflow bits, screen-to-PS/2 Y conversion', () => {
    const { kbc, send, readAll } = mouseSetup();
    send(0xf4);
    expect(readAll()).toEqual([0xfa]);
    kbc.mouseMove(10, -5);
    expect(readAll()).toEqual([0x08, 10, 5]);
    kbc.mouseMove(-3, 4);
    expect(readAll()).toEqual([0x38, 0xfd, 0xfc]);
    kbc.mouseMove(300, -1000);
    expect(readAll()).toEqual([0xc8, 0xff, 0xff]);
    kbc.mouseButtons(5);
    expect(readAll()).toEqual([0x0d, 0, 0]);
  });

  it('IntelliMouse: 200/100/80 knock gives ID 3 and a wheel byte', () => {
    const { kbc, send, readAll } = mouseSetup();
    send(0xf2);
    expect(readAll()).toEqual([0xfa, 0x00]);
    send(0xf3, 200, 0xf3, 100, 0xf3, 80, 0xf2);
    expect(readAll()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03]);
    send(0xf4);
    readAll();
    kbc.mouseWheel(-2);
    expect(readAll()).toEqual([0x08, 0, 0, 0xfe]);
    kbc.mouseWheel(20);
    expect(readAll()).toEqual([0x08, 0, 0, 0x07]);
  });

  it('status request, remote mode read data, scaling 2:1, wrap mode, resolution', () => {
    const { kbc, send, readAll } = mouseSetup();
    send(0xe8, 3, 0xf3, 40, 0xe7, 0xe9);
    expect(readAll()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x10, 3, 40]);
    send(0xf4);
    readAll();
    kbc.mouseMove(4, 0);
    expect(readAll()).toEqual([0x08, 6, 0]);
    send(0xf0);
    readAll();
    kbc.mouseMove(4, 0);
    kbc.mouseMove(1, 0);
    expect(readAll()).toEqual([]);
    send(0xeb);
    expect(readAll()).toEqual([0xfa, 0x08, 5, 0]);
    send(0xee, 0x42, 0xec, 0x42);
    expect(readAll()).toEqual([0xfa, 0x42, 0xfa, 0xfe]);
  });

  it('no packets while reporting is disabled; A7 holds aux data', () => {
    const { kbc, send, readAll, cmd } = mouseSetup();
    kbc.mouseMove(5, 5);
    expect(readAll()).toEqual([]);
    send(0xf4);
    readAll();
    cmd(0xa7);
    kbc.mouseMove(1, 0);
    expect(readAll()).toEqual([]);
    cmd(0xa8);
    expect(readAll()).toEqual([0x08, 1, 0]);
  });

  it('D2/D3 inject bytes into the keyboard and aux channels', () => {
    const { m, io, cmd, read } = mouseSetup();
    cmd(0xd2, 0x9c);
    expect(io.read8(0x64) & 0x20).toBe(0);
    expect(read()).toBe(0x9c);
    cmd(0xd3, 0x77);
    m.advance(1000);
    expect(io.read8(0x64) & 0x21).toBe(0x21);
    expect(read()).toBe(0x77);
  });
});
