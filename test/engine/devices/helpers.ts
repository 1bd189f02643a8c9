import { IoBus } from '../../../engine/bus/io-bus.js';
import { PhysicalMemory } from '../../../engine/bus/physical-memory.js';
import { VirtualClock } from '../../../engine/clock/virtual-clock.js';
import type { DeviceContext, IrqLines } from '../../../engine/devices/device.js';

/** IRQ lines that record their level and every rising edge. */
export class IrqRecorder implements IrqLines {
  readonly level = new Array<boolean>(16).fill(false);
  readonly edges = new Array<number>(16).fill(0);
  raise(irq: number): void {
    if (!this.level[irq]) this.edges[irq]++;
    this.level[irq] = true;
  }
  lower(irq: number): void {
    this.level[irq] = false;
  }
}

export interface TestMachine {
  ctx: DeviceContext;
  io: IoBus;
  clock: VirtualClock;
  memory: PhysicalMemory;
  irq: IrqRecorder;
  /** Advance virtual time by `ticks`, firing every timer at its own deadline. */
  advance(ticks: number): void;
  /** Advance to an absolute tick. */
  runTo(tick: number): void;
}

/**
 * PhysicalMemory allocates page tables for the whole 4 GiB space, which is
 * slow to build for every property-test run. Devices that only touch the A20
 * gate may pass `sharedMemory: true` to reuse one instance (A20 is switched
 * back on for each machine); anything that reads or writes RAM gets its own.
 */
let sharedMemory: PhysicalMemory | undefined;

export function makeMachine(
  ticksPerSecond = 10_000_000,
  irq: IrqLines = new IrqRecorder(),
  opts: { sharedMemory?: boolean } = {},
): TestMachine {
  const io = new IoBus();
  const clock = new VirtualClock(ticksPerSecond);
  let memory: PhysicalMemory;
  if (opts.sharedMemory) {
    sharedMemory ??= new PhysicalMemory(1 << 16);
    memory = sharedMemory;
    memory.setA20(true);
  } else {
    memory = new PhysicalMemory(1 << 21);
  }
  const ctx: DeviceContext = { io, memory, clock, irq };
  const runTo = (tick: number): void => {
    while (clock.nextDeadline() <= tick) {
      clock.ticks = Math.max(clock.ticks, clock.nextDeadline());
      clock.fireDue();
    }
    clock.ticks = Math.max(clock.ticks, tick);
    clock.fireDue();
  };
  return {
    ctx,
    io,
    clock,
    memory,
    irq: irq as IrqRecorder,
    advance: (ticks: number) => runTo(clock.ticks + ticks),
    runTo,
  };
}
