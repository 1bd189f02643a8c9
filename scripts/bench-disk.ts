/**
 * Disk image throughput (tinybench): sequential (64 KiB and 1 MiB requests)
 * and random 4 KiB reads and writes on raw, dynamic VHD (2 MiB blocks) and
 * differencing VHD images in the OS temp directory (page-cached), plus the
 * cost of first-touch block allocation with and without fsync.
 *
 * Run: npm run bench:disk   (= build + node dist/scripts/bench-disk.js [sizeMiB=256])
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Bench } from 'tinybench';
import type { BlockDevice } from '../engine/disk/block-device.js';
import { openImage, vhdFooterOf } from '../engine/disk/open-image.js';
import { createRawImage } from '../engine/disk/raw-image.js';
import { createDifferencingVhd, createDynamicVhd } from '../engine/disk/vhd-create.js';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 256);
const SIZE = sizeMiB * MiB;
const SECTORS = SIZE / 512;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-disk-'));

function fillAll(dev: BlockDevice, stride = 1): void {
  const buf = new Uint8Array(2 * MiB);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 7) & 0xff;
  for (let lba = 0, n = 0; lba < dev.sectorCount; lba += 4096, n++) {
    if (n % stride === 0) dev.write(lba, Math.min(4096, dev.sectorCount - lba), buf);
  }
  dev.flush();
}

/** xorshift32: deterministic random offsets. */
function rnd(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface Row {
  image: string;
  test: string;
  mbps: number;
}
const rows: Row[] = [];

async function measure(image: string, dev: BlockDevice): Promise<void> {
  const bench = new Bench({ time: 1500, warmupTime: 200 });
  const bufs = { big: new Uint8Array(MiB), mid: new Uint8Array(64 * 1024), small: new Uint8Array(4096) };
  bufs.big.fill(0x5a);
  bufs.mid.fill(0x6b);
  bufs.small.fill(0x7c);
  const seq = (reqBytes: number, write: boolean): (() => void) => {
    let lba = 0;
    const n = reqBytes / 512;
    const buf = reqBytes === MiB ? bufs.big : bufs.mid;
    return () => {
      if (lba + n > SECTORS) lba = 0;
      if (write) dev.write(lba, n, buf);
      else dev.read(lba, n, buf);
      lba += n;
    };
  };
  const random = (write: boolean): (() => void) => {
    const r = rnd(12345);
    return () => {
      const lba = Math.floor(r() * (SECTORS / 8)) * 8;
      if (write) dev.write(lba, 8, bufs.small);
      else dev.read(lba, 8, bufs.small);
    };
  };
  const tasks: [string, () => void, number][] = [
    ['seq read 1 MiB', seq(MiB, false), MiB],
    ['seq read 64 KiB', seq(64 * 1024, false), 64 * 1024],
    ['seq write 1 MiB', seq(MiB, true), MiB],
    ['seq write 64 KiB', seq(64 * 1024, true), 64 * 1024],
    ['random read 4 KiB', random(false), 4096],
    ['random write 4 KiB', random(true), 4096],
  ];
  for (const [name, fn] of tasks) bench.add(name, fn);
  await bench.run();
  for (const [name, , bytes] of tasks) {
    const res = bench.getTask(name)?.result;
    if (!res || !('period' in res)) throw new Error(`benchmark ${name} did not complete`);
    rows.push({ image, test: name, mbps: bytes / 1e6 / (res.period / 1000) });
  }
}

/** One pass writing every block of a new image (first-touch allocation; for raw: filling a sparse file). */
function allocationPass(durability: 'fsync' | 'none', raw = false): number {
  const p = path.join(dir, `alloc-${durability}.${raw ? 'img' : 'vhd'}`);
  if (raw) createRawImage(p, SIZE);
  else createDynamicVhd(p, SIZE, { exactSize: true });
  const dev = openImage(p, { durability, format: raw ? 'raw' : 'vhd' });
  const t0 = performance.now();
  fillAll(dev);
  const ms = performance.now() - t0;
  dev.close();
  fs.rmSync(p);
  return SIZE / 1e6 / (ms / 1000);
}

async function main(): Promise<void> {
  try {
    const rawPath = path.join(dir, 'raw.img');
    createRawImage(rawPath, SIZE);
    const raw = openImage(rawPath, { format: 'raw' });
    fillAll(raw);
    await measure('raw', raw);
    raw.close();

    const dynPath = path.join(dir, 'dynamic.vhd');
    createDynamicVhd(dynPath, SIZE, { exactSize: true });
    const dyn = openImage(dynPath);
    fillAll(dyn);
    await measure('dynamic VHD (2 MiB blocks)', dyn);
    dyn.close();

    // Child over the dynamic image; the child holds every other block
    // (full bitmaps), the rest reads through to the parent.
    const parent = openImage(dynPath, { readOnly: true });
    const pf = vhdFooterOf(parent)!;
    const childPath = path.join(dir, 'child.vhd');
    createDifferencingVhd(childPath, { path: dynPath, sectorCount: parent.sectorCount, uniqueId: pf.uniqueId, timeStamp: pf.timeStamp });
    parent.close();
    const child = openImage(childPath);
    fillAll(child, 2);
    await measure('differencing VHD (half the blocks in the child)', child);
    child.close();

    const rawFirst = allocationPass('none', true);
    const allocNone = allocationPass('none');
    const allocFsync = allocationPass('fsync');

    const lines = [
      `Disk image throughput, ${sizeMiB} MiB images in ${os.tmpdir()}, node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
      '',
      '| image | test | MB/s |',
      '|---|---|---:|',
      ...rows.map((r) => `| ${r.image} | ${r.test} | ${r.mbps.toFixed(0)} |`),
      `| raw (sparse file) | first-touch fill, 2 MiB writes (baseline for allocation) | ${rawFirst.toFixed(0)} |`,
      `| dynamic VHD (2 MiB blocks) | first-touch allocation, 2 MiB writes, durability none | ${allocNone.toFixed(0)} |`,
      `| dynamic VHD (2 MiB blocks) | first-touch allocation, 2 MiB writes, durability fsync | ${allocFsync.toFixed(0)} |`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
