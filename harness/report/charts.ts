/** Charts for the report as inline SVG (no scripts, no network). */

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const COLORS: Record<string, string> = {
  PASS: '#1a7f37',
  FAIL: '#cf222e',
  XFAIL: '#9a6700',
  XPASS: '#bc4c00',
  ERROR: '#8250df',
  SKIP: '#6e7781',
};

/** One row per case, one square per build, coloured by outcome. */
export function outcomeGrid(rows: { label: string; cells: (string | undefined)[] }[], buildLabels: string[]): string {
  const cell = 16;
  const labelW = Math.min(360, 8 + 7 * Math.max(4, ...rows.map((r) => r.label.length)));
  const width = labelW + buildLabels.length * (cell + 2) + 10;
  const height = 24 + rows.length * (cell + 2) + 4;
  const parts: string[] = [];
  buildLabels.forEach((b, j) => {
    parts.push(`<text x="${labelW + j * (cell + 2) + cell / 2}" y="14" text-anchor="middle">${esc(String(j))}</text>`);
  });
  rows.forEach((r, i) => {
    const y = 24 + i * (cell + 2);
    parts.push(`<text x="${labelW - 6}" y="${y + cell - 4}" text-anchor="end">${esc(r.label)}</text>`);
    r.cells.forEach((o, j) => {
      const fill = o ? (COLORS[o] ?? '#eaeef2') : '#eaeef2';
      parts.push(`<rect x="${labelW + j * (cell + 2)}" y="${y}" width="${cell}" height="${cell}" rx="2" fill="${fill}"><title>${esc(`${r.label} @ ${buildLabels[j]}: ${o ?? 'not run'}`)}</title></rect>`);
    });
  });
  return `<svg class="chart outcome-grid" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="pass/fail per case and build">${parts.join('')}</svg>`;
}

const PALETTE = ['#0969da', '#1a7f37', '#cf222e', '#8250df', '#bc4c00', '#1b7c83', '#9a6700', '#6e7781'];

/** A line per series over the builds (missing points are gaps). */
export function lineChart(series: { name: string; values: (number | undefined)[] }[], buildLabels: string[], unit: string): string {
  const w = 640;
  const h = 240;
  const left = 56;
  const right = 150;
  const top = 12;
  const bottom = 28;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined));
  const max = all.length ? Math.max(...all) * 1.1 || 1 : 1;
  const n = Math.max(1, buildLabels.length - 1);
  const x = (j: number) => left + ((w - left - right) * j) / n;
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  const parts: string[] = [];
  parts.push(`<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="#d0d7de"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="#d0d7de"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${v >= 100 ? v.toFixed(0) : v.toFixed(1)}</text>`);
  }
  buildLabels.forEach((b, j) => parts.push(`<text x="${x(j)}" y="${h - bottom + 16}" text-anchor="middle"><title>${esc(b)}</title>${j}</text>`));
  parts.push(`<text x="4" y="${top + 8}">${esc(unit)}</text>`);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    let d = '';
    let pen = false;
    s.values.forEach((v, j) => {
      if (v === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(j).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
      parts.push(`<circle cx="${x(j).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.name} @ ${buildLabels[j]}: ${v} ${unit}`)}</title></circle>`);
    });
    if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<rect x="${w - right + 10}" y="${top + i * 16}" width="10" height="10" fill="${color}"/><text x="${w - right + 24}" y="${top + i * 16 + 9}">${esc(s.name)}</text>`);
  });
  return `<svg class="chart line-chart" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(unit)} per build">${parts.join('')}</svg>`;
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
