/**
 * Copy-on-write overlays: the base image is opened read-only and every write
 * goes to a child, so a run never changes the base (tests hash it).
 *
 * - MemoryOverlay: a sparse in-memory map of written sectors, in 64 KiB
 *   chunks with a presence bitmap. Serialisable for machine snapshots
 *   (saveState/loadState).
 * - openOverlay(..., { kind: 'vhd' }): a differencing VHD on disk over a VHD
 *   base (vhd-dynamic.ts), for runs that write more than memory should hold.
 *
 * Both support commit (merge into the base) and discard (undo disk: drop
 * every write).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE, type BlockDevice, type ChsGeometry } from './block-device.js';
import { commitDifferencingVhd, copySectors } from './commit.js';
import { detectFormat, openImage, vhdFooterOf } from './open-image.js';
import { checkRequest } from './range-check.js';
import { createDifferencingVhd } from './vhd-create.js';

const CHUNK_SHIFT = 7;
/** Sectors per chunk: 128 * 512 = 64 KiB, a balance between map overhead and copy granularity. */
const CHUNK_SECTORS = 1 << CHUNK_SHIFT;
const CHUNK_BYTES = CHUNK_SECTORS * SECTOR_SIZE;
const STATE_MAGIC = 'LABOVL01';

interface Chunk {
  data: Uint8Array;
  /** One bit per sector, LSB first. */
  present: Uint8Array;
}

export interface OverlayDevice extends BlockDevice {
  /** Merge every write into the base image and start over with an empty child. */
  commit(): void;
  /** Drop every write (undo disk). */
  discard(): void;
}

export class MemoryOverlay implements OverlayDevice {
  readonly sectorCount: number;
  readonly readOnly = false;
  readonly geometry: ChsGeometry;
  private chunks = new Map<number, Chunk>();

  /**
   * @param base the image underneath (normally opened read-only)
   * @param openWritableBase how to get a writable handle for commit(); without it commit() throws
   */
  constructor(
    readonly base: BlockDevice,
    private readonly openWritableBase?: () => BlockDevice,
  ) {
    this.sectorCount = base.sectorCount;
    this.geometry = base.geometry;
  }

  /** Sectors currently held by the overlay. */
  dirtySectors(): number {
    let n = 0;
    for (const c of this.chunks.values()) for (const b of c.present) n += popcount8(b);
    return n;
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    checkRequest('memory overlay', this.sectorCount, lba, count, buf, offset);
    while (count > 0) {
      const ci = lba >>> CHUNK_SHIFT;
      const sic = lba & (CHUNK_SECTORS - 1);
      const n = Math.min(count, CHUNK_SECTORS - sic);
      const c = this.chunks.get(ci);
      if (!c) {
        this.base.read(lba, n, buf, offset);
      } else {
        let i = sic;
        const end = sic + n;
        while (i < end) {
          const present = (c.present[i >>> 3]! & (1 << (i & 7))) !== 0;
          let j = i + 1;
          while (j < end && ((c.present[j >>> 3]! & (1 << (j & 7))) !== 0) === present) j++;
          const o = offset + (i - sic) * SECTOR_SIZE;
          if (present) buf.set(c.data.subarray(i * SECTOR_SIZE, j * SECTOR_SIZE), o);
          else this.base.read(ci * CHUNK_SECTORS + i, j - i, buf, o);
          i = j;
        }
      }
      lba += n;
      count -= n;
      offset += n * SECTOR_SIZE;
    }
  }

  write(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    checkRequest('memory overlay', this.sectorCount, lba, count, buf, offset);
    while (count > 0) {
      const ci = lba >>> CHUNK_SHIFT;
      const sic = lba & (CHUNK_SECTORS - 1);
      const n = Math.min(count, CHUNK_SECTORS - sic);
      let c = this.chunks.get(ci);
      if (!c) {
        c = { data: new Uint8Array(CHUNK_BYTES), present: new Uint8Array(CHUNK_SECTORS / 8) };
        this.chunks.set(ci, c);
      }
      c.data.set(buf.subarray(offset, offset + n * SECTOR_SIZE), sic * SECTOR_SIZE);
      for (let i = sic; i < sic + n; i++) c.present[i >>> 3] = c.present[i >>> 3]! | (1 << (i & 7));
      lba += n;
      count -= n;
      offset += n * SECTOR_SIZE;
    }
  }

  /** Nothing to make durable: the overlay is memory by design. */
  flush(): void {}

  close(): void {
    this.chunks.clear();
    this.base.close();
  }

  discard(): void {
    this.chunks.clear();
  }

  /** Call fn for every maximal run of overlay-held sectors, in increasing order. */
  forEachPresentRun(fn: (lba: number, count: number) => void): void {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    let rs = -1;
    let re = -1;
    for (const ci of keys) {
      const c = this.chunks.get(ci)!;
      for (let i = 0; i < CHUNK_SECTORS; i++) {
        if ((c.present[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        const s = ci * CHUNK_SECTORS + i;
        if (s === re) re++;
        else {
          if (rs >= 0) fn(rs, re - rs);
          rs = s;
          re = s + 1;
        }
      }
    }
    if (rs >= 0) fn(rs, re - rs);
  }

  /** Write every held sector into `target` (same size), flush it, and empty the overlay. */
  commitTo(target: BlockDevice): void {
    if (target.sectorCount < this.sectorCount) throw new RangeError('commit target is smaller than the overlay');
    const scratch = new Uint8Array(CHUNK_BYTES * 4);
    this.forEachPresentRun((lba, count) => copySectors(this, target, lba, count, scratch));
    target.flush();
    this.chunks.clear();
  }

  commit(): void {
    if (!this.openWritableBase) throw new Error('memory overlay: no writable base to commit into');
    const target = this.openWritableBase();
    try {
      this.commitTo(target);
    } finally {
      target.close();
    }
  }

  /**
   * Snapshot of the overlay contents (not the base): little-endian
   *   "LABOVL01" | u32 version 1 | f64 sectorCount | u32 chunk sectors | u32 chunk count
   *   then per chunk (ascending): f64 chunk index | presence bitmap | data of present sectors.
   */
  saveState(): Uint8Array {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    let size = 8 + 4 + 8 + 4 + 4;
    for (const k of keys) size += 8 + CHUNK_SECTORS / 8 + popcountBytes(this.chunks.get(k)!.present) * SECTOR_SIZE;
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) out[i] = STATE_MAGIC.charCodeAt(i);
    dv.setUint32(8, 1, true);
    dv.setFloat64(12, this.sectorCount, true);
    dv.setUint32(20, CHUNK_SECTORS, true);
    dv.setUint32(24, keys.length, true);
    let p = 28;
    for (const k of keys) {
      const c = this.chunks.get(k)!;
      dv.setFloat64(p, k, true);
      p += 8;
      out.set(c.present, p);
      p += c.present.length;
      for (let i = 0; i < CHUNK_SECTORS; i++) {
        if ((c.present[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        out.set(c.data.subarray(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE), p);
        p += SECTOR_SIZE;
      }
    }
    return out;
  }

  /** Replace the overlay contents with a saveState() snapshot; EngineInputError if it is malformed. */
  loadState(state: Uint8Array): void {
    const bad = (off: number, what: string): never => {
      throw new EngineInputError(`overlay state: ${what} at offset 0x${off.toString(16)}`, 'overlay state', off);
    };
    if (state.length < 28) bad(0, 'truncated header');
    const dv = new DataView(state.buffer, state.byteOffset, state.byteLength);
    for (let i = 0; i < 8; i++) if (state[i] !== STATE_MAGIC.charCodeAt(i)) bad(0, 'bad magic');
    if (dv.getUint32(8, true) !== 1) bad(8, 'unsupported version');
    if (dv.getFloat64(12, true) !== this.sectorCount) bad(12, `sector count ${dv.getFloat64(12, true)} does not match the base (${this.sectorCount})`);
    if (dv.getUint32(20, true) !== CHUNK_SECTORS) bad(20, 'unsupported chunk size');
    const n = dv.getUint32(24, true);
    const chunks = new Map<number, Chunk>();
    let p = 28;
    const maxChunk = Math.ceil(this.sectorCount / CHUNK_SECTORS);
    for (let k = 0; k < n; k++) {
      if (p + 8 + CHUNK_SECTORS / 8 > state.length) bad(p, 'truncated chunk header');
      const ci = dv.getFloat64(p, true);
      if (!Number.isInteger(ci) || ci < 0 || ci >= maxChunk || chunks.has(ci)) bad(p, `invalid chunk index ${ci}`);
      p += 8;
      const c: Chunk = { data: new Uint8Array(CHUNK_BYTES), present: state.slice(p, p + CHUNK_SECTORS / 8) };
      p += CHUNK_SECTORS / 8;
      for (let i = 0; i < CHUNK_SECTORS; i++) {
        if ((c.present[i >>> 3]! & (1 << (i & 7))) === 0) continue;
        if (ci * CHUNK_SECTORS + i >= this.sectorCount) bad(p, 'sector beyond the end of the disk');
        if (p + SECTOR_SIZE > state.length) bad(p, 'truncated sector data');
        c.data.set(state.subarray(p, p + SECTOR_SIZE), i * SECTOR_SIZE);
        p += SECTOR_SIZE;
      }
      chunks.set(ci, c);
    }
    if (p !== state.length) bad(p, 'trailing bytes');
    this.chunks = chunks;
  }
}

function popcount8(b: number): number {
  b = b - ((b >>> 1) & 0x55);
  b = (b & 0x33) + ((b >>> 2) & 0x33);
  return (b + (b >>> 4)) & 0x0f;
}

function popcountBytes(a: Uint8Array): number {
  let n = 0;
  for (const b of a) n += popcount8(b);
  return n;
}

/** An on-disk differencing VHD over a VHD base; commit merges it, discard recreates it empty. */
export class VhdOverlay implements OverlayDevice {
  readonly readOnly = false;
  private child: BlockDevice;

  /**
   * @param removeDir a temporary directory holding the child, removed on close
   *   (set when openOverlay chose the location itself)
   */
  constructor(
    readonly basePath: string,
    readonly childPath: string,
    private readonly durability: 'fsync' | 'none',
    private readonly removeDir: string | null = null,
  ) {
    this.recreateChild();
    this.child = openImage(childPath, { format: 'vhd', durability });
  }

  get sectorCount(): number {
    return this.child.sectorCount;
  }

  get geometry(): ChsGeometry {
    return this.child.geometry;
  }

  private recreateChild(): void {
    const base = openImage(this.basePath, { readOnly: true, format: 'vhd' });
    try {
      const f = vhdFooterOf(base)!;
      fs.rmSync(this.childPath, { force: true });
      createDifferencingVhd(this.childPath, { path: this.basePath, sectorCount: base.sectorCount, uniqueId: f.uniqueId, timeStamp: f.timeStamp });
    } finally {
      base.close();
    }
  }

  read(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    this.child.read(lba, count, buf, offset);
  }

  write(lba: number, count: number, buf: Uint8Array, offset = 0): void {
    this.child.write(lba, count, buf, offset);
  }

  flush(): void {
    this.child.flush();
  }

  commit(): void {
    this.child.close();
    commitDifferencingVhd(this.childPath, { durability: this.durability });
    this.recreateChild();
    this.child = openImage(this.childPath, { format: 'vhd', durability: this.durability });
  }

  discard(): void {
    this.child.close();
    this.recreateChild();
    this.child = openImage(this.childPath, { format: 'vhd', durability: this.durability });
  }

  close(): void {
    this.child.close();
    if (this.removeDir) fs.rmSync(this.removeDir, { recursive: true, force: true });
  }
}

export interface OverlayOptions {
  /** 'memory' (default) or 'vhd' (differencing VHD on disk; base must be a VHD). */
  kind?: 'memory' | 'vhd';
  /** Where the differencing child goes (kind 'vhd'); default: a fresh file in the OS temp directory. */
  childPath?: string;
  /** Write straight to the base instead of an overlay (the user asked to persist). */
  persist?: boolean;
  durability?: 'fsync' | 'none';
}

/** Open `basePath` for a run: copy-on-write unless `persist` is set. */
export function openOverlay(basePath: string, opts: OverlayOptions = {}): BlockDevice {
  if (opts.persist) return openImage(basePath, { durability: opts.durability ?? 'fsync' });
  if ((opts.kind ?? 'memory') === 'memory') {
    return new MemoryOverlay(openImage(basePath, { readOnly: true }), () => openImage(basePath, { durability: opts.durability ?? 'fsync' }));
  }
  if (detectFormat(basePath) !== 'vhd') {
    throw new EngineInputError(`${basePath}: an on-disk overlay needs a VHD base; use the memory overlay for raw and ISO images`, basePath);
  }
  if (opts.childPath) return new VhdOverlay(basePath, opts.childPath, opts.durability ?? 'none');
  const tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'lab-overlay-'));
  return new VhdOverlay(basePath, nodePath.join(tmp, nodePath.basename(basePath, '.vhd') + '.overlay.vhd'), opts.durability ?? 'none', tmp);
}
