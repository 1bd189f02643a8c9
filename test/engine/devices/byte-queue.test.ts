import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteQueue } from '../../../engine/devices/byte-queue.js';

describe('ByteQueue', () => {
  it('property: behaves like an array FIFO across compactions and snapshots', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ push: fc.uint8Array({ maxLength: 700 }) }), fc.record({ take: fc.integer({ min: 0, max: 900 }) }), fc.constant({ snap: true }))),
        (ops) => {
          const q = new ByteQueue();
          let model: number[] = [];
          for (const op of ops) {
            if ('push' in op) {
              q.pushAll(op.push);
              model.push(...op.push);
            } else if ('take' in op) {
              for (let i = 0; i < op.take; i++) expect(q.shift()).toBe(model.length > 0 ? model.shift()! : -1);
            } else {
              const copy = new ByteQueue();
              copy.load(q.toArray());
              expect(copy.toArray()).toEqual(model);
            }
            expect(q.length).toBe(model.length);
            expect(q.peek()).toBe(model.length > 0 ? model[0] : -1);
          }
          q.clear();
          model = [];
          expect(q.shift()).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
