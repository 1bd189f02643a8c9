// Child process for crash-safety.test.ts: writes a deterministic workload to
// an image, flushing every FLUSH_EVERY writes and reporting progress on
// stdout, until the parent kills it with SIGKILL.
// Usage: node crash-child.mjs <dist>/engine/disk/open-image.js IMAGE SEED MAX_WRITES
import { pathToFileURL } from 'node:url';

const [modPath, image, seedText, maxText] = process.argv.slice(2);
const { openImage } = await import(pathToFileURL(modPath).href);
const seed = Number(seedText);
const max = Number(maxText);
const FLUSH_EVERY = 7;

// Keep in step with workloadWrite() in crash-safety.test.ts.
function mix(a, b) {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
function workloadWrite(seed, i, sectors) {
  const count = 1 + (mix(seed, i * 2 + 1) % 48);
  const lba = mix(seed, i * 2) % (sectors - count);
  return { lba, count };
}
function sectorData(i, lba, out, off) {
  const dv = new DataView(out.buffer, out.byteOffset + off, 512);
  dv.setUint32(0, i, true);
  dv.setUint32(4, lba, true);
  for (let k = 8; k < 512; k++) out[off + k] = (i * 31 + lba + k) & 0xff;
}

const dev = openImage(image);
const buf = new Uint8Array(48 * 512);
for (let i = 0; i < max; i++) {
  const { lba, count } = workloadWrite(seed, i, dev.sectorCount);
  for (let s = 0; s < count; s++) sectorData(i, lba + s, buf, s * 512);
  dev.write(lba, count, buf);
  if ((i + 1) % FLUSH_EVERY === 0) {
    dev.flush();
    process.stdout.write(`flushed ${i + 1}\n`);
  }
}
dev.close();
process.stdout.write('done\n');
