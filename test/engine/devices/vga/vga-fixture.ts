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
