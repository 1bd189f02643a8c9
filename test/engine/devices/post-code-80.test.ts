import { describe, expect, it } from 'vitest';
import { PostCode80 } from '../../../engine/devices/post-code-80.js';
import { makeMachine } from './helpers.js';

describe('PostCode80', () => {
  it('records the last code and a bounded history; reads float high', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const post = new PostCode80(m.ctx, { historySize: 3 });
    expect(post.lastCode).toBe(-1);
    for (const c of [0x01, 0x02, 0x03, 0x04]) m.io.write8(0x80, c);
    expect(post.lastCode).toBe(0x04);
    expect(post.history).toEqual([0x02, 0x03, 0x04]);
    expect(m.io.read8(0x80)).toBe(0xff);
    const other = new PostCode80(makeMachine(undefined, undefined, { sharedMemory: true }).ctx);
    other.loadState(post.saveState());
    expect([other.lastCode, ...other.history]).toEqual([4, 2, 3, 4]);
  });
});
