import { IoBus } from '../../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../../engine/clock/virtual-clock.js';
import type { DeviceContext } from '../../../../engine/devices/device.js';
import { VgaAdapter, type VgaOptions } from '../../../../engine/devices/vga/vga.js';

export interface VgaFixture {
  io: IoBus;
  memory: PhysicalMemory;
  clock: VirtualClock;
  vga: VgaAdapter;
}

/** A bus, 1 MiB of RAM, a 100 MHz virtual clock and an adapter, as a machine would wire them. */
export function makeVga(options: VgaOptions = { vramBytes: 4 * 1024 * 1024 }): VgaFixture {
  const io = new IoBus();
  const memory = new PhysicalMemory(1024 * 1024);
  const clock = new VirtualClock(100_000_000);
  const ctx: DeviceContext = { io, memory, clock, irq: { raise: () => {}, lower: () => {} } };
  const vga = new VgaAdapter(ctx, options);
  return { io, memory, clock, vga };
}

/** Deep equality of device states that compares byte arrays with Buffer.equals (vitest's deep equal is slow on MiBs). */
export function statesEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => statesEqual(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      statesEqual(ka, kb) &&
      ka.every((k) => statesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return Object.is(a, b);
}
