/**
 * Parsing disk sizes typed on the command line: "64M", "2G", "512K", "1048576",
 * "1.44M". Binary units (K = 1024). Floppy sizes written the traditional way
 * ("1.44M" is 1440 KiB, not 1.44 MiB) are recognised by name.
 */
const FLOPPY_ALIASES: Record<string, number> = {
  '360K': 360 * 1024,
  '720K': 720 * 1024,
  '1.2M': 1200 * 1024,
  '1.44M': 1440 * 1024,
  '1.68M': 1680 * 1024,
  '2.88M': 2880 * 1024,
};

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Bytes for `text`, or an error message (the caller wraps it in a UsageError). */
export function parseSize(text: string): number | string {
  // Accept "64MB", "64MiB" and "512B" as well as "64M" and "512".
  const t = text.trim().toUpperCase().replace(/([KMGT])I?B$/, '$1').replace(/^(\d+(?:\.\d+)?)B$/, '$1');
  const alias = FLOPPY_ALIASES[t];
  if (alias !== undefined) return alias;
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(t);
  if (!m) return `invalid size "${text}" (use a number with an optional K, M, G or T suffix, e.g. 64M)`;
  const bytes = Math.round(Number(m[1]) * UNITS[m[2]!]!);
  if (bytes <= 0) return `size "${text}" must be positive`;
  if (bytes % 512 !== 0) return `size "${text}" (${bytes} bytes) is not a multiple of 512 bytes`;
  return bytes;
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${Number.isInteger(v) ? v : v.toFixed(2)} ${units[u]} (${n} bytes)`;
}
