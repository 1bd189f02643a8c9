import { describe, expect, it } from 'vitest';
import { DebugExit } from '../../../engine/devices/debug-exit.js';
import { makeMachine } from './helpers.js';

describe('DebugExit', () => {
  it('a write of v requests exit status (v << 1) | 1', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const codes: number[] = [];
    new DebugExit(m.ctx, { onExit: (s) => codes.push(s) });
    m.io.write8(0xf4, 0);
    m.io.write8(0xf4, 0x10);
    expect(codes).toEqual([1, 0x21]);
    expect(m.io.read8(0xf4)).toBe(0xff);
  });

  it('a 4-byte device takes one 32-bit write as one request', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const codes: number[] = [];
    new DebugExit(m.ctx, { onExit: (s) => codes.push(s), port: 0x501, size: 4 });
    m.io.write32(0x501, 0x31);
    expect(codes).toEqual([0x63]);
  });
});
