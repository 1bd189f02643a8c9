/**
 * Determinism across snapshots for the whole core-device set: a random guest
 * (port writes/reads, virtual time passing) and random host input run on one
 * machine; halfway its device states are saved and loaded into a fresh
 * machine, and both must then read back identical values for the rest of the
 * sequence. Also checks that no port sequence throws or reads out of range.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PhysicalMemory } from '../../../engine/bus/physical-memory.js';
import type { Device, DeviceState } from '../../../engine/devices/device.js';
import { DualPic } from '../../../engine/devices/pic8259.js';
import { Pit8254 } from '../../../engine/devices/pit8254.js';
import { SystemPort61 } from '../../../engine/devices/system-port-61.js';
import { RtcCmos } from '../../../engine/devices/rtc-cmos.js';
import { COM_PORTS, Uart16550 } from '../../../engine/devices/uart16550.js';
import { I8042 } from '../../../engine/devices/i8042.js';
import { ParallelPort } from '../../../engine/devices/parallel-port.js';
import { PostCode80 } from '../../../engine/devices/post-code-80.js';
import { SystemControl92 } from '../../../engine/devices/system-control-92.js';
import { KEYS } from '../../../engine/input/keys.js';
import { makeMachine } from './helpers.js';

const TPS = 200_000;

function build() {
  const m = makeMachine(TPS, undefined, { sharedMemory: true });
  // Each machine needs its own A20 gate (it lives in memory, not in a device
  // snapshot); the devices here touch nothing else of PhysicalMemory.
  const gate = { a20Enabled: true, setA20(on: boolean) { this.a20Enabled = on; } };
  const memory = gate as unknown as PhysicalMemory;
  const pic = new DualPic({ ...m.ctx, memory });
  const ctx = { ...m.ctx, memory, irq: pic };
  const pit = new Pit8254(ctx);
  const out: number[] = [];
  const com1 = new Uart16550(ctx, { ...COM_PORTS[0], onTransmit: (b) => out.push(0x100 | b) });
  const com2 = new Uart16550(ctx, { ...COM_PORTS[1], onTransmit: (b) => out.push(0x200 | b) });
  const kbc = new I8042(ctx, { onReset: () => out.push(-1) });
  const devices: Device[] = [
    pic,
    pit,
    new SystemPort61(ctx, { pit }),
    new RtcCmos(ctx, { startTime: Date.UTC(2001, 2, 3, 4, 5, 6) }),
    com1,
    com2,
    kbc,
    new ParallelPort(ctx, { onPrint: (b) => out.push(0x300 | b) }),
    new PostCode80(ctx),
    new SystemControl92(ctx, { onReset: () => out.push(-2) }),
  ];
  return { m, pic, kbc, com1, com2, devices, out, gate };
}

/** Ports the fuzzer may touch (data ports of every device above). */
const PORTS = [
  0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0x60, 0x64, 0x80, 0x92,
  ...Array.from({ length: 8 }, (_, i) => 0x3f8 + i),
  ...Array.from({ length: 8 }, (_, i) => 0x2f8 + i),
  0x378, 0x379, 0x37a,
];

type Op =
  | { kind: 'out'; port: number; value: number }
  | { kind: 'in'; port: number }
  | { kind: 'wait'; ticks: number }
  | { kind: 'ack' }
  | { kind: 'key'; key: number; down: boolean }
  | { kind: 'mouse'; dx: number; dy: number; buttons: number }
  | { kind: 'serial'; bytes: number[] }
  | { kind: 'rtc'; index: number; value: number; write: boolean }
  | { kind: 'uart'; base: number; divisor: number; fcr: number; ier: number; mcr: number }
  | { kind: 'pit'; channel: number; mode: number; count: number }
  | { kind: 'pic'; autoEoi: boolean; mask: number }
  | { kind: 'kbc'; cmd: number; data: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('out' as const), port: fc.constantFrom(...PORTS), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('in' as const), port: fc.constantFrom(...PORTS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ticks: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 400_000 })) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'ack' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('key' as const), key: fc.integer({ min: 0, max: KEYS.length - 1 }), down: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mouse' as const), dx: fc.integer({ min: -300, max: 300 }), dy: fc.integer({ min: -300, max: 300 }), buttons: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('serial' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 5 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('rtc' as const),
      index: fc.oneof(fc.integer({ min: 0, max: 0x0d }), fc.integer({ min: 0, max: 0x7f })),
      value: fc.oneof(fc.constantFrom(0x02, 0x06, 0x12, 0x42, 0x22, 0x26, 0x2f, 0x23, 0x82), fc.integer({ min: 0, max: 255 })),
      write: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('uart' as const),
      base: fc.constantFrom(0x3f8, 0x2f8),
      divisor: fc.integer({ min: 1, max: 12 }),
      fcr: fc.constantFrom(0x00, 0x01, 0x07, 0x47, 0x87, 0xc7),
      ier: fc.integer({ min: 0, max: 15 }),
      mcr: fc.constantFrom(0x00, 0x08, 0x0b, 0x18, 0x1f),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('pit' as const), channel: fc.integer({ min: 0, max: 2 }), mode: fc.integer({ min: 0, max: 5 }), count: fc.integer({ min: 0, max: 0xffff }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pic' as const), autoEoi: fc.boolean(), mask: fc.integer({ min: 0, max: 0xffff }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('kbc' as const),
      cmd: fc.constantFrom(0x20, 0x60, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xad, 0xae, 0xd0, 0xd2, 0xd3, 0xd4, 0xd4, 0xd4, 0x60),
      data: fc.constantFrom(0x03, 0x43, 0x47, 0x61, 0xff, 0xf4, 0xf5, 0xf2, 0xee, 0xf3, 0xe9, 0xeb, 0xf0),
    }),
  },
);

/** Apply `ops`, returning everything the guest observed. */
function run(s: ReturnType<typeof build>, ops: Op[]): number[] {
  const seen: number[] = [];
  for (const o of ops) {
    switch (o.kind) {
      case 'out':
        // Reset requests (8042 pulse, port 92) are only recorded in `out`.
        s.m.io.write8(o.port, o.value);
        break;
      case 'in': {
        const v = s.m.io.read8(o.port);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(255);
        seen.push(v);
        break;
      }
      case 'wait':
        s.m.advance(o.ticks);
        break;
      case 'ack':
        seen.push(s.pic.hasInterrupt() ? s.pic.acknowledge() : -1);
        break;
      case 'key':
        if (o.down) s.kbc.keyDown(KEYS[o.key]);
        else s.kbc.keyUp(KEYS[o.key]);
        break;
      case 'mouse':
        s.kbc.mouseMove(o.dx, o.dy);
        s.kbc.mouseButtons(o.buttons);
        break;
      case 'serial':
        s.com1.receive(o.bytes);
        s.com2.receive(o.bytes);
        break;
      case 'rtc':
        s.m.io.write8(0x70, o.index);
        if (o.write) s.m.io.write8(0x71, o.value);
        else seen.push(s.m.io.read8(0x71));
        break;
      case 'uart':
        s.m.io.write8(o.base + 3, 0x80);
        s.m.io.write8(o.base, o.divisor);
        s.m.io.write8(o.base + 1, 0);
        s.m.io.write8(o.base + 3, 0x03);
        s.m.io.write8(o.base + 2, o.fcr);
        s.m.io.write8(o.base + 1, o.ier);
        s.m.io.write8(o.base + 4, o.mcr);
        for (let i = 0; i < 3; i++) s.m.io.write8(o.base, 0x41 + i);
        break;
      case 'pit':
        s.m.io.write8(0x43, (o.channel << 6) | 0x30 | (o.mode << 1));
        s.m.io.write8(0x40 + o.channel, o.count & 0xff);
        s.m.io.write8(0x40 + o.channel, o.count >>> 8);
        break;
      case 'pic':
        for (const [p, v] of [[0x20, 0x11], [0x21, 0x08], [0x21, 0x04], [0x21, o.autoEoi ? 3 : 1], [0xa0, 0x11], [0xa1, 0x70], [0xa1, 0x02], [0xa1, o.autoEoi ? 3 : 1]]) {
          s.m.io.write8(p, v);
        }
        s.m.io.write8(0x21, o.mask & 0xfb);
        s.m.io.write8(0xa1, o.mask >>> 8);
        break;
      case 'kbc':
        s.m.io.write8(0x64, o.cmd);
        if (o.cmd === 0x60 || o.cmd >= 0xd1) s.m.io.write8(0x60, o.data);
        break;
    }
  }
  seen.push(s.m.clock.ticks, s.gate.a20Enabled ? 1 : 0, ...s.out);
  return seen;
}

describe('core devices: snapshot determinism under random guest I/O', () => {
  it('property: save/restore mid-run continues identically', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.array(op, { maxLength: 120 }), (before, after) => {
        const a = build();
        run(a, before);
        const states: Record<string, DeviceState> = {};
        for (const d of a.devices) states[d.name] = structuredClone(d.saveState());
        const b = build();
        b.m.clock.ticks = a.m.clock.ticks;
        b.gate.setA20(a.gate.a20Enabled);
        for (const d of b.devices) d.loadState(structuredClone(states[d.name]));
        a.out.length = 0;
        expect(run(b, after)).toEqual(run(a, after));
      }),
      { numRuns: 150 },
    );
  });
});
