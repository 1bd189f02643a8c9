/**
 * Assemble guest test programs with nasm (Debian package `nasm`, installed by
 * .ci/run). Results are cached by source hash so repeated test runs are fast.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cacheDir = join(tmpdir(), 'lab-test-nasm');

export function assemble(source: string): Buffer {
  mkdirSync(cacheDir, { recursive: true });
  const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const out = join(cacheDir, `${key}.bin`);
  if (!existsSync(out)) {
    const src = join(cacheDir, `${key}.${process.pid}.asm`);
    writeFileSync(src, source);
    const tmp = `${out}.${process.pid}`;
    execFileSync('nasm', ['-f', 'bin', '-o', tmp, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, out);
  }
  return readFileSync(out);
}

/** A 1.44 MB floppy image file whose first sectors hold `code` (a boot sector program). */
export function floppyImage(code: Buffer, dir: string, name = 'boot.img'): string {
  const img = Buffer.alloc(1474560);
  code.copy(img);
  const path = join(dir, name);
  writeFileSync(path, img);
  return path;
}
