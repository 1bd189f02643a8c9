/**
 * The contract every PC device implements.
 *
 * A device is one self-describing module: its constructor receives a
 * DeviceContext and registers its own I/O ports, memory-mapped ranges, IRQ
 * lines and timers. The machine only lists which devices to build; no central
 * switch knows every port (see docs/ARCHITECTURE.md).
 */
import type { IoBus } from '../bus/io-bus.js';
import type { PhysicalMemory } from '../bus/physical-memory.js';
import type { VirtualClock } from '../clock/virtual-clock.js';

/** ISA interrupt request lines as seen by devices (wired to the 8259 pair). */
export interface IrqLines {
  /** Drive line `irq` (0–15) high. Edge-triggered inputs latch on the rising edge. */
  raise(irq: number): void;
  /** Drive line `irq` low. */
  lower(irq: number): void;
}

export interface DeviceContext {
  readonly io: IoBus;
  readonly memory: PhysicalMemory;
  readonly clock: VirtualClock;
  readonly irq: IrqLines;
}

/**
 * Serialisable device state for snapshots: plain JSON values plus byte arrays.
 * A device must be able to reproduce its exact behaviour from it, including
 * pending timers (re-scheduled in `loadState`).
 */
export type StateValue =
  | number
  | string
  | boolean
  | null
  | Uint8Array
  | StateValue[]
  | { [key: string]: StateValue };

export type DeviceState = { [key: string]: StateValue };

export interface Device {
  /** Stable name, used in port-conflict errors and as the snapshot key. */
  readonly name: string;
  /** Return to power-on state (the machine's reset line). */
  reset(): void;
  saveState(): DeviceState;
  loadState(state: DeviceState): void;
}
