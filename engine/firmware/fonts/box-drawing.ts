/**
 * CP437 box-drawing (0xB3–0xDA), shade (0xB0–0xB2) and block (0xDB–0xDF)
 * glyphs, drawn procedurally at the target cell height so that lines meet
 * exactly between cells at every height (8, 14, 16).
 *
 * A box character is described by the line type of its four arms
 * (0 none, 1 single, 2 double), in the order up, down, left, right. Geometry
 * (8 columns wide, H rows):
 *   - a single vertical line is column 3, a double one columns 2 and 4;
 *   - a single horizontal line is row m = H/2, a double one rows m-1 and m+1;
 *   - horizontal arms reach column 0 / column 7, so in 9-dot text mode the
 *     line-graphics rule (0xC0–0xDF copy column 7 into column 8) continues them.
 * A double arm is painted as a 3-pixel band with its centre line removed; the
 * centre is only removed up to a perpendicular single line, so single lines
 * stay unbroken where a double line ends on them.
 */

type Arms = readonly [up: number, down: number, left: number, right: number];

const BOX_ARMS: ReadonlyArray<readonly [number, Arms]> = [
  [0xb3, [1, 1, 0, 0]], [0xb4, [1, 1, 1, 0]], [0xb5, [1, 1, 2, 0]], [0xb6, [2, 2, 1, 0]],
  [0xb7, [0, 2, 1, 0]], [0xb8, [0, 1, 2, 0]], [0xb9, [2, 2, 2, 0]], [0xba, [2, 2, 0, 0]],
  [0xbb, [0, 2, 2, 0]], [0xbc, [2, 0, 2, 0]], [0xbd, [2, 0, 1, 0]], [0xbe, [1, 0, 2, 0]],
  [0xbf, [0, 1, 1, 0]], [0xc0, [1, 0, 0, 1]], [0xc1, [1, 0, 1, 1]], [0xc2, [0, 1, 1, 1]],
  [0xc3, [1, 1, 0, 1]], [0xc4, [0, 0, 1, 1]], [0xc5, [1, 1, 1, 1]], [0xc6, [1, 1, 0, 2]],
  [0xc7, [2, 2, 0, 1]], [0xc8, [2, 0, 0, 2]], [0xc9, [0, 2, 0, 2]], [0xca, [2, 0, 2, 2]],
  [0xcb, [0, 2, 2, 2]], [0xcc, [2, 2, 0, 2]], [0xcd, [0, 0, 2, 2]], [0xce, [2, 2, 2, 2]],
  [0xcf, [1, 0, 2, 2]], [0xd0, [2, 0, 1, 1]], [0xd1, [0, 1, 2, 2]], [0xd2, [0, 2, 1, 1]],
  [0xd3, [2, 0, 0, 1]], [0xd4, [1, 0, 0, 2]], [0xd5, [0, 1, 0, 2]], [0xd6, [0, 2, 0, 1]],
  [0xd7, [2, 2, 1, 1]], [0xd8, [1, 1, 2, 2]], [0xd9, [1, 0, 1, 0]], [0xda, [0, 1, 0, 1]],
];

function drawBox(arms: Arms, height: number): Uint8Array {
  const [up, down, left, right] = arms;
  const m = height >> 1;
  const maxV = Math.max(up, down);
  const maxH = Math.max(left, right);
  // The centre box that arms run into: wide enough to contain the perpendicular lines.
  const cx0 = maxV === 2 ? 2 : 3;
  const cx1 = maxV === 2 ? 4 : 3;
  const cy0 = maxH === 2 ? m - 1 : m;
  const cy1 = maxH === 2 ? m + 1 : m;
  const on = new Uint8Array(8 * height);
  const hollow = new Uint8Array(8 * height);
  const fill = (buf: Uint8Array, x0: number, x1: number, y0: number, y1: number): void => {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) buf[y * 8 + x] = 1;
  };
  const vertical = (type: number, y0: number, y1: number, hy0: number, hy1: number): void => {
    if (type === 1) fill(on, 3, 3, y0, y1);
    if (type === 2) {
      fill(on, 2, 4, y0, y1);
      fill(hollow, 3, 3, hy0, hy1);
    }
  };
  const horizontal = (type: number, x0: number, x1: number, hx0: number, hx1: number): void => {
    if (type === 1) fill(on, x0, x1, m, m);
    if (type === 2) {
      fill(on, x0, x1, m - 1, m + 1);
      fill(hollow, hx0, hx1, m, m);
    }
  };
  // Hollow centre lines reach the cell centre unless a single perpendicular line is there.
  vertical(up, 0, cy1, 0, maxH === 1 ? m - 1 : m);
  vertical(down, cy0, height - 1, maxH === 1 ? m + 1 : m, height - 1);
  horizontal(left, 0, cx1, 0, maxV === 1 ? 2 : 3);
  horizontal(right, cx0, 7, maxV === 1 ? 4 : 3, 7);
  const rows = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    let bits = 0;
    for (let x = 0; x < 8; x++) if (on[y * 8 + x] && !hollow[y * 8 + x]) bits |= 0x80 >> x;
    rows[y] = bits;
  }
  return rows;
}

/** Shade and block glyphs: 0xB0 light (25 %), 0xB1 medium (50 %), 0xB2 dark (75 %), 0xDB–0xDF blocks. */
function drawBlock(code: number, height: number): Uint8Array {
  const rows = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    const light = y % 2 === 0 ? 0x88 : 0x22;
    switch (code) {
      case 0xb0: rows[y] = light; break;
      case 0xb1: rows[y] = y % 2 === 0 ? 0xaa : 0x55; break;
      case 0xb2: rows[y] = ~light & 0xff; break;
      case 0xdb: rows[y] = 0xff; break;
      case 0xdc: rows[y] = y >= height >> 1 ? 0xff : 0; break;
      case 0xdd: rows[y] = 0xf0; break;
      case 0xde: rows[y] = 0x0f; break;
      case 0xdf: rows[y] = y < height >> 1 ? 0xff : 0; break;
      default: throw new Error(`no block glyph for 0x${code.toString(16)}`);
    }
  }
  return rows;
}

/** All procedurally drawn glyphs for one cell height, code → `height` row bytes. */
export function lineGraphicsGlyphs(height: number): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (const [code, arms] of BOX_ARMS) out.set(code, drawBox(arms, height));
  for (const code of [0xb0, 0xb1, 0xb2, 0xdb, 0xdc, 0xdd, 0xde, 0xdf]) out.set(code, drawBlock(code, height));
  return out;
}
