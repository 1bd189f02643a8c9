/**
 * Builds the boot images of suites written as nasm sources. Images are cached
 * by a hash of the sources (the .asm file and every .asm/.inc/.mac beside it),
 * the pad size and the nasm version, so a suite is assembled once per change.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { InfraError, UsageError } from '../cli/errors.js';

export const FLOPPY_1440K = 1_474_560;

let nasmVersion: string | undefined;

function version(): string {
  if (nasmVersion === undefined) {
    try {
      nasmVersion = execFileSync('nasm', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch {
      throw new InfraError('nasm is not installed (needed to build suite images from .asm sources); install it with `apt-get install nasm`');
    }
  }
  return nasmVersion;
}

function sourceHash(src: string, size: number | undefined): string {
  const h = createHash('sha256');
  h.update(version());
  h.update(`size=${size ?? 'none'}\n`);
  const dir = path.dirname(src);
  h.update(readFileSync(src));
  for (const f of readdirSync(dir).sort()) {
    if (/\.(asm|inc|mac)$/i.test(f) && path.join(dir, f) !== src) {
      h.update(f);
      h.update(readFileSync(path.join(dir, f)));
    }
  }
  return h.digest('hex').slice(0, 24);
}

/** Assembles `src` (flat binary) padded with zeros to `size` bytes; returns the cached image path. */
export function assemble(src: string, size: number | undefined, cacheDir: string): string {
  if (!existsSync(src)) throw new UsageError(`${src}: no such nasm source`);
  const out = path.join(cacheDir, 'nasm', `${path.basename(src, path.extname(src))}-${sourceHash(src, size)}.img`);
  if (existsSync(out)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync('nasm', ['-f', 'bin', '-I', path.dirname(src) + path.sep, '-o', tmp, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    rmSync(tmp, { force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new UsageError(`nasm failed on ${src}:\n${stderr || (e as Error).message}`);
  }
  let bin = readFileSync(tmp);
  if (size !== undefined) {
    if (bin.length > size) throw new UsageError(`${src}: assembled to ${bin.length} bytes, more than the image size ${size}`);
    bin = Buffer.concat([bin, Buffer.alloc(size - bin.length)]);
  } else if (bin.length % 512 !== 0) {
    bin = Buffer.concat([bin, Buffer.alloc(512 - (bin.length % 512))]);
  }
  writeFileSync(tmp, bin);
  renameSync(tmp, out);
  return out;
}
