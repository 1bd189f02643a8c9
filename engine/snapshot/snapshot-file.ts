/**
 * The on-disk format of a machine snapshot: one self-describing, versioned file.
 *
 *   offset 0   "LABSNAP\0"          magic (8 bytes)
 *   offset 8   u32 LE format version
 *   offset 12  u32 LE length of the JSON section
 *   offset 16  JSON (UTF-8): the state tree, byte arrays replaced by {"$bytes": i}
 *   then       for each byte array i: u32 LE compressed length, deflate-raw data
 *
 * Byte arrays (RAM, VRAM, disk overlays) are stored apart from the JSON so a
 * 32 MiB RAM image costs no base64 and compresses well. A reader refuses a
 * newer version with a clear message instead of guessing at its layout.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { StateValue } from '../devices/device.js';
import { EngineInputError } from '../errors.js';

export const SNAPSHOT_VERSION = 1;
const MAGIC = Buffer.from('LABSNAP\0', 'latin1');

export function encodeSnapshot(state: { [key: string]: StateValue }): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { $bytes: blobs.length - 1 };
    }
    return value;
  });
  const jsonBytes = Buffer.from(json, 'utf8');
  const parts: Buffer[] = [MAGIC, u32(SNAPSHOT_VERSION), u32(jsonBytes.length), jsonBytes];
  for (const b of blobs) {
    const z = deflateRawSync(b, { level: 1 });
    parts.push(u32(z.length), z);
  }
  return Buffer.concat(parts);
}

export function decodeSnapshot(data: Uint8Array, source = 'snapshot'): { [key: string]: StateValue } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) {
    throw new EngineInputError(`${source}: not a lab snapshot (bad magic at offset 0)`, source, 0);
  }
  const version = buf.readUInt32LE(8);
  if (version > SNAPSHOT_VERSION) {
    throw new EngineInputError(
      `${source}: snapshot format version ${version} is newer than this engine supports (${SNAPSHOT_VERSION}); use a newer lab`,
      source,
      8,
    );
  }
  if (version < 1) throw new EngineInputError(`${source}: invalid snapshot format version ${version} at offset 8`, source, 8);
  const jsonLength = buf.readUInt32LE(12);
  if (16 + jsonLength > buf.length) throw new EngineInputError(`${source}: truncated state section (offset 16)`, source, 16);
  const blobs: Uint8Array[] = [];
  let at = 16 + jsonLength;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new EngineInputError(`${source}: truncated data block at offset ${at}`, source, at);
    const n = buf.readUInt32LE(at);
    if (at + 4 + n > buf.length) throw new EngineInputError(`${source}: truncated data block at offset ${at}`, source, at);
    try {
      blobs.push(new Uint8Array(inflateRawSync(buf.subarray(at + 4, at + 4 + n))));
    } catch {
      throw new EngineInputError(`${source}: corrupt data block at offset ${at}`, source, at);
    }
    at += 4 + n;
  }
  let tree: unknown;
  try {
    tree = JSON.parse(buf.subarray(16, 16 + jsonLength).toString('utf8'), (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && '$bytes' in value) {
        const i = (value as { $bytes: number }).$bytes;
        const blob = blobs[i];
        if (blob === undefined) throw new Error(`missing data block ${i}`);
        return blob;
      }
      return value;
    });
  } catch (e) {
    throw new EngineInputError(`${source}: corrupt state section at offset 16 (${(e as Error).message})`, source, 16);
  }
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw new EngineInputError(`${source}: state section is not an object (offset 16)`, source, 16);
  }
  return tree as { [key: string]: StateValue };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
