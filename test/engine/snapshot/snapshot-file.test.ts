import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_VERSION } from '../../../engine/snapshot/snapshot-file.js';

describe('snapshot file format', () => {
  it('round-trips nested state with byte arrays', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer(), fc.string(), (bytes, n, s) => {
        const state = { cpu: { eax: n, name: s, regs: [1, 2, 3] }, ram: bytes, devs: [{ vram: bytes.slice(0, 7) }] };
        const back = decodeSnapshot(encodeSnapshot(state));
        expect(back).toEqual(state);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a newer format version with a clear message', () => {
    const data = Buffer.from(encodeSnapshot({ a: 1 }));
    data.writeUInt32LE(SNAPSHOT_VERSION + 1, 8);
    expect(() => decodeSnapshot(data, 'case.snap')).toThrow(
      /case\.snap: snapshot format version 2 is newer than this engine supports \(1\)/,
    );
  });

  it('rejects a file that is not a snapshot, and truncated ones, naming the offset', () => {
    expect(() => decodeSnapshot(Buffer.from('hello world, not a snapshot'), 'x.snap')).toThrow(/x\.snap: not a lab snapshot \(bad magic at offset 0\)/);
    const good = Buffer.from(encodeSnapshot({ ram: new Uint8Array(1000).fill(7) }));
    expect(() => decodeSnapshot(good.subarray(0, good.length - 3), 'x.snap')).toThrow(/truncated data block at offset \d+/);
  });
});
