/**
 * Positioned, synchronous file I/O shared by the image formats.
 *
 * `readSync`/`writeSync` may transfer fewer bytes than asked; these helpers
 * loop so callers can treat a call as all-or-error. Reads past end of file
 * report how many bytes existed so format code can name the truncation.
 */
import * as fs from 'node:fs';

/** Read up to `length` bytes at `position`; returns the count actually read (short only at EOF). */
export function preadFull(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Write exactly `length` bytes at `position`. */
export function pwriteFull(fd: number, buf: Uint8Array, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    done += fs.writeSync(fd, buf, offset + done, length - done, position + done);
  }
}

export function fileSize(fd: number): number {
  return fs.fstatSync(fd).size;
}

/** Open for reading, or reading and writing, without creating or truncating. */
export function openImageFile(path: string, readOnly: boolean): number {
  return fs.openSync(path, readOnly ? 'r' : 'r+');
}
