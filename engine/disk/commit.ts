/**
 * Merging a child (differencing VHD or in-memory overlay) into its parent:
 * every sector the child holds is copied into the parent, then the parent is
 * flushed. The child is left as it was; it still reads the same data.
 */
import * as fs from 'node:fs';
import { EngineInputError } from '../errors.js';
import { SECTOR_SIZE, type BlockDevice } from './block-device.js';
import { openImage } from './open-image.js';
import { resolveParentPath } from './vhd-differencing.js';
import { VhdDynamic } from './vhd-dynamic.js';
import { VhdDiskType } from './vhd-footer.js';

/** Copy `count` sectors at `lba` from `src` to `dst` in bounded chunks. */
export function copySectors(src: BlockDevice, dst: BlockDevice, lba: number, count: number, scratch: Uint8Array): void {
  const chunk = Math.floor(scratch.length / SECTOR_SIZE);
  while (count > 0) {
    const n = Math.min(chunk, count);
    src.read(lba, n, scratch);
    dst.write(lba, n, scratch);
    lba += n;
    count -= n;
  }
}

export interface CommitResult {
  parentPath: string;
  sectorsCopied: number;
}

/** Merge the differencing VHD at `childPath` into its (immediate) parent file. */
export function commitDifferencingVhd(childPath: string, opts: { durability?: 'fsync' | 'none' } = {}): CommitResult {
  const child = openImage(childPath, { readOnly: true, format: 'vhd' });
  try {
    if (!(child instanceof VhdDynamic) || child.footer.diskType !== VhdDiskType.Differencing) {
      throw new EngineInputError(`${childPath}: not a differencing VHD; nothing to commit`, childPath, 0);
    }
    const parentPath = resolveParentPath(childPath, child.header, child.layout.headerOffset);
    // The chain opened the parent read-only (and validated its unique id);
    // a second, writable handle does the merge. The read-only parent is not
    // read for sectors the child holds, so its cached BAT cannot go stale
    // for anything we copy.
    const parent = openImage(parentPath, { format: 'vhd', durability: opts.durability ?? 'fsync' });
    let copied = 0;
    try {
      const scratch = new Uint8Array(1024 * 1024);
      child.forEachPresentRun((lba, count) => {
        copySectors(child, parent, lba, count, scratch);
        copied += count;
      });
      parent.flush();
    } finally {
      parent.close();
    }
    return { parentPath: fs.realpathSync(parentPath), sectorsCopied: copied };
  } finally {
    child.close();
  }
}
