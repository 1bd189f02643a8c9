/**
 * The real engine (engine/machine.ts) as a MachineFactory. Every machine
 * records its last 200 instructions so a failing case can show them.
 */
import { Machine } from '../../engine/machine.js';
import type { LabMachine, MachineFactory } from '../machine-api.js';

export const TRACE_LENGTH = 200;

function prepare(m: Machine): LabMachine {
  m.enableTrace(TRACE_LENGTH);
  // The engine's Machine is the interface the harness was written against
  // (machine-api.ts mirrors its public surface).
  return m as unknown as LabMachine;
}

const factory: MachineFactory = {
  create: async (config) => prepare(await Machine.create(config)),
  restore: async (bytes) => prepare(await Machine.restore(bytes)),
};

export async function engineFactory(): Promise<MachineFactory> {
  return factory;
}
