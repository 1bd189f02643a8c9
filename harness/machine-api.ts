/**
 * The part of the engine's Machine (engine/machine.ts) the harness drives,
 * written as an interface so the step code can be unit-tested with a test
 * double. The runner itself only ever gets machines from the real engine
 * (see runner/engine.ts).
 */
import type { ByteChannel } from '../engine/byte-channel.js';
import type { MachineConfigInput } from '../engine/machine-config.js';

export type RunReason = 'until' | 'budget' | 'halted' | 'power-off' | 'debug-exit' | 'triple-fault';

export interface RunOptions {
  maxInstructions?: number;
  maxVirtualMs?: number;
  until?: (m: LabMachine) => boolean;
  pollInstructions?: number;
}

export interface RunResult {
  reason: RunReason;
  instructions: number;
  exitCode?: number;
}

export interface Frame {
  width: number;
  height: number;
  /** RGBA, width*height*4 bytes. */
  data: Uint8Array;
}

export interface LabKeyboard {
  press(keys: string): void;
  type(text: string): void;
}

export interface LabMouse {
  move(dx: number, dy: number): void;
  click(button: 'left' | 'right' | 'middle'): void;
}

export interface LabMachine {
  run(opts: RunOptions): RunResult;
  readonly instructions: number;
  readonly virtualTimeMs: number;
  screen(): Frame;
  text(): string;
  readonly keyboard: LabKeyboard;
  readonly mouse: LabMouse;
  readonly serial: readonly ByteChannel[];
  readonly printer: ByteChannel;
  snapshot(): Uint8Array;
  /** The last instructions with registers, when the engine records them. */
  trace?(): unknown[];
  dispose(): void;
}

export interface MachineFactory {
  create(config: MachineConfigInput): Promise<LabMachine>;
  restore(bytes: Uint8Array): Promise<LabMachine>;
}
