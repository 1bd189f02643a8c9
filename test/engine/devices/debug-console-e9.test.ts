import { describe, expect, it } from 'vitest';
import { DebugConsoleE9 } from '../../../engine/devices/debug-console-e9.js';
import { makeMachine } from './helpers.js';

describe('DebugConsoleE9', () => {
  it('passes bytes to the sink, keeps the text, reads 0xE9', () => {
    const m = makeMachine(undefined, undefined, { sharedMemory: true });
    const seen: number[] = [];
    const con = new DebugConsoleE9(m.ctx, { onByte: (b) => seen.push(b), keep: 4 });
    for (const c of 'hello') m.io.write8(0xe9, c.charCodeAt(0));
    expect(seen).toEqual([...'hello'].map((c) => c.charCodeAt(0)));
    expect(con.text).toBe('hell');
    expect(m.io.read8(0xe9)).toBe(0xe9);
    const other = new DebugConsoleE9(makeMachine(undefined, undefined, { sharedMemory: true }).ctx);
    other.loadState(con.saveState());
    expect(other.text).toBe('hell');
  });
});
