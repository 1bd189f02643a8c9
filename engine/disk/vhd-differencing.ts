/**
 * Finding the parent of a differencing VHD (VHD spec v1.0, "Dynamic Disk
 * Header Format": parent unicode name, parent locator entries).
 *
 * Locators are tried in order of reliability: W2ru (path relative to the
 * child, UTF-16LE), W2ku (absolute path, UTF-16LE), MacX/Mac (file:// URL,
 * UTF-8), then the parent unicode name next to the child. The first that
 * names an existing file wins; the caller then checks the parent's unique id.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineInputError } from '../errors.js';
import { fileSize, openImageFile, preadFull } from './file-io.js';
import type { VhdDynamicHeader } from './vhd-dynamic-header.js';

/** Longest locator payload we read; a path longer than this is corruption (vhd-layout.ts rejects it on open). */
export const MAX_LOCATOR_BYTES = 64 * 1024;

export interface ParentCandidate {
  source: string;
  path: string;
}

function decodeUtf16le(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = b[i]! | (b[i + 1]! << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Windows path text to a host path: "\" separators become "/", a leading ".\" is relative. */
function hostPath(p: string): string {
  return nodePath.sep === '/' ? p.replace(/\\/g, '/') : p;
}

/** Every parent path the header suggests, best first (no file-system checks). */
export function parentCandidates(childPath: string, header: VhdDynamicHeader): ParentCandidate[] {
  const dir = nodePath.dirname(nodePath.resolve(childPath));
  const out: ParentCandidate[] = [];
  const fd = openImageFile(childPath, true);
  try {
    const size = fileSize(fd);
    const order = ['W2ru', 'W2ku', 'MacX', 'Mac '];
    const locs = [...header.locators].sort((a, b) => order.indexOf(a.platformCode) - order.indexOf(b.platformCode));
    for (const l of locs) {
      if (!order.includes(l.platformCode) || l.platformDataLength === 0) continue;
      // Locators that do not fit in the file were reported by the layout
      // checks; `lab image check` still gets here, so skip them.
      if (l.platformDataLength > MAX_LOCATOR_BYTES || l.platformDataOffset + l.platformDataLength > size) continue;
      const data = new Uint8Array(l.platformDataLength);
      preadFull(fd, data, 0, data.length, l.platformDataOffset);
      if (l.platformCode === 'W2ru' || l.platformCode === 'W2ku') {
        const text = hostPath(decodeUtf16le(data));
        if (text) out.push({ source: l.platformCode, path: nodePath.resolve(dir, text) });
      } else {
        const text = new TextDecoder().decode(data).replace(/\0+$/, '');
        try {
          if (text.startsWith('file://')) out.push({ source: l.platformCode, path: fileURLToPath(text) });
          else if (text) out.push({ source: l.platformCode, path: nodePath.resolve(dir, text) });
        } catch {
          // A malformed URL is just a locator that does not resolve.
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (header.parentUnicodeName) {
    out.push({ source: 'parent unicode name', path: nodePath.resolve(dir, nodePath.basename(hostPath(header.parentUnicodeName))) });
  }
  return out;
}

/** The parent file of a differencing disk; EngineInputError when none of the locators names an existing file. */
export function resolveParentPath(childPath: string, header: VhdDynamicHeader, headerOffset: number): string {
  const cands = parentCandidates(childPath, header);
  for (const c of cands) {
    try {
      if (fs.statSync(c.path).isFile()) return c.path;
    } catch {
      // Not there: try the next locator.
    }
  }
  const tried = cands.map((c) => `${c.source} ${c.path}`).join(', ') || 'no parent locators';
  throw new EngineInputError(
    `${childPath}: parent of differencing disk not found (dynamic header at offset 0x${headerOffset.toString(16)}; tried ${tried})`,
    childPath,
    headerOffset + 64,
  );
}
