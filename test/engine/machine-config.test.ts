import { describe, expect, it } from 'vitest';
import { parseMachineConfig } from '../../engine/machine-config.js';
import { EngineInputError } from '../../engine/errors.js';

describe('machine config', () => {
  it('fills reproducible defaults', () => {
    const c = parseMachineConfig({});
    expect(c.memoryMB).toBe(32);
    expect(c.firmware).toEqual({ kind: 'builtin' });
    expect(c.rtcStart).toBe('2000-01-01T00:00:00Z');
    expect(c.cpu).toBe('interp');
  });

  it('lists every problem with its path and names the source', () => {
    let err: unknown;
    try {
      parseMachineConfig({ memoryMB: 0, cpuModel: 'z80', extra: true, fda: { path: '' } }, 'suites/x/suite.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineInputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^suites\/x\/suite\.yaml: /);
    expect(msg).toMatch(/memoryMB/);
    expect(msg).toMatch(/cpuModel/);
    expect(msg).toMatch(/extra/);
    expect(msg).toMatch(/fda\.path/);
  });
});
