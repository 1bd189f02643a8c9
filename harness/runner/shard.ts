/**
 * Deterministic sharding: the selected cases, in id order, are dealt round
 * robin, so shard i of n gets cases i-1, i-1+n, i-1+2n, … Every case lands in
 * exactly one shard, independent of the machine or the order files were found.
 */
import { UsageError } from '../cli/errors.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shard: expected i/n like 1/4, got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`--shard: expected 1 ≤ i ≤ n, got ${index}/${count}`);
  return { index, count };
}

export function selectShard<T extends { id: string }>(items: readonly T[], shard: Shard | undefined): T[] {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (!shard) return sorted;
  return sorted.filter((_, i) => i % shard.count === shard.index - 1);
}
