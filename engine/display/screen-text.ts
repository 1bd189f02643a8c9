/**
 * The characters of a text-mode screen as a string, for assertions and logs.
 *
 * Rows are read the way the CRTC scans them (start address, offset, word or
 * byte addressing) from plane 0, mapped from CP437 to Unicode, trailing spaces
 * trimmed per row and joined by '\n' (every displayed row is included, so a
 * blank screen is rows-1 newlines). The split-screen (line compare) region is
 * not treated specially.
 *
 * In graphics modes and VBE modes there is no character data: the result is
 * the empty string.
 */
import type { VgaAdapter } from '../devices/vga/vga.js';
import { CP437_TO_UNICODE } from './cp437.js';
import { crtcAddress, crtcGeometry } from './crtc-geometry.js';

export function screenText(vga: VgaAdapter): string {
  if (vga.vbeEnabled) return '';
  const g = crtcGeometry(vga);
  if (!g.text || (vga.crtc[1] === 0 && vga.crtc[0x12] === 0)) return '';
  const lines = Math.floor(g.displayLines / (g.doubleScan ? 2 : 1));
  const rows = Math.max(1, Math.floor(lines / g.rowHeight));
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const rowAddr = g.start + r * g.rowAdvance;
    let s = '';
    for (let i = 0; i < g.hChars; i++) {
      s += CP437_TO_UNICODE[vga.planeByte(0, crtcAddress(g, rowAddr + i, 0))];
    }
    out.push(s.trimEnd());
  }
  return out.join('\n');
}
