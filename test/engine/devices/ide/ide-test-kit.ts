import { expect } from 'vitest';
import { PciBus } from '../../../../engine/devices/pci/pci-bus.js';
import { PiixIde, type PiixIdeOptions } from '../../../../engine/devices/ide/piix-ide.js';
import { makeMachine } from '../helpers.js';

export const BM_BASE = 0xc000;

export function ideMachine(drives: Omit<PiixIdeOptions, 'pci'>) {
  const m = makeMachine();
  const pci = new PciBus(m.ctx);
  const ide = new PiixIde(m.ctx, { pci, ...drives });
  // Firmware-style setup: BAR4 at C000h, I/O decode and bus mastering on.
  pci.configWrite(0, 1, 1, 0x20, 4, BM_BASE | 1);
  pci.configWrite(0, 1, 1, 0x04, 2, 0x0005);
  return { ...m, pci, ide };
}
export type IdeMachine = ReturnType<typeof ideMachine>;

/** Advance virtual time until IRQ `line` gets a new rising edge. */
export function waitIrq(m: IdeMachine, line: number): void {
  const before = m.irq.edges[line];
  for (let i = 0; i < 1000 && m.irq.edges[line] === before; i++) m.advance(100);
  expect(m.irq.edges[line]).toBe(before + 1);
}

export function readWords(m: IdeMachine, base: number, words: number): Uint8Array {
  const out = new Uint8Array(words * 2);
  for (let i = 0; i < words; i++) {
    const w = m.io.read16(base);
    out[i * 2] = w & 0xff;
    out[i * 2 + 1] = w >>> 8;
  }
  return out;
}

export function writeWords(m: IdeMachine, base: number, data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 2) m.io.write16(base, data[i] | (data[i + 1] << 8));
}

/** Decode an ATA string from IDENTIFY data (first character in each word's high byte). */
export function ataString(id: Uint8Array, word: number, words: number): string {
  let s = '';
  for (let i = 0; i < words; i++) s += String.fromCharCode(id[(word + i) * 2 + 1], id[(word + i) * 2]);
  return s.trimEnd();
}

export function word(id: Uint8Array, w: number): number {
  return id[w * 2] | (id[w * 2 + 1] << 8);
}

/** Write a PRD table at `table`: entries of [address, byteCount]; the last gets EOT. */
export function writePrd(m: IdeMachine, table: number, entries: [number, number][]): void {
  entries.forEach(([addr, count], i) => {
    m.memory.write32(table + i * 8, addr);
    m.memory.write16(table + i * 8 + 4, count & 0xffff);
    m.memory.write16(table + i * 8 + 6, i === entries.length - 1 ? 0x8000 : 0);
  });
}
