/**
 * Write tracking for guest RAM that holds decoded or translated code.
 *
 * Both CPU tiers cache work derived from code bytes: the interpreter keeps
 * decoded instructions, the translator keeps compiled regions. Instead of
 * re-reading the bytes on every use, a cache entry remembers the generation
 * of the 4 KiB physical page it came from, and this tracker bumps that
 * generation whenever the guest (or DMA through PhysicalMemory) writes into a
 * 64-byte line that some cache entry was built from. An entry is valid iff
 * its page generation is unchanged — one typed-array load and compare.
 *
 * Why lines as well as pages: real-mode programs keep data and stack beside
 * their code. A write into a line without code (the common case) costs one
 * byte load and never invalidates anything; only writes into lines that
 * were decoded from invalidate the page's entries.
 *
 * PhysicalMemory flags such pages in `codePages`, so stores to pages without
 * code never reach this tracker. Host-side mapping changes (ROM/MMIO mapped
 * or unmapped, e.g. PAM shadowing, which writes RAM behind MMIO handlers)
 * flush everything via `onMapChange`.
 */
import { PAGE_SHIFT, type PhysicalMemory } from '../bus/physical-memory.js';

/** 64-byte lines (SDM-agnostic choice: large enough to keep the bitmap small, small enough to keep code and data apart). */
export const LINE_SHIFT = 6;

export class CodePages {
  /** Generation per RAM page; bumped when a tracked line of the page is written. */
  readonly pageGen: Int32Array;
  /** 1 for 64-byte lines that cached code was decoded from. */
  private readonly lineHasCode: Uint8Array;
  /** Bumped on host mapping changes; caches compare it to drop everything. */
  flushGen = 0;
  /** Extra listeners (the translator's region cache) for a write into tracked code. */
  private readonly listeners: ((page: number) => void)[] = [];

  constructor(private readonly memory: PhysicalMemory) {
    const pages = memory.ram.length >>> PAGE_SHIFT;
    this.pageGen = new Int32Array(pages);
    this.lineHasCode = new Uint8Array(memory.ram.length >>> LINE_SHIFT);
    memory.onCodeWrite = (addr, size) => this.written(addr, size);
    memory.onMapChange = () => this.flushAll();
  }

  /** Record that bytes [phys, phys + len) (RAM, one page) feed a cache entry. */
  mark(phys: number, len: number): void {
    this.memory.codePages[phys >>> PAGE_SHIFT] = 1;
    const last = (phys + len - 1) >>> LINE_SHIFT;
    for (let l = phys >>> LINE_SHIFT; l <= last; l++) this.lineHasCode[l] = 1;
  }

  addListener(fn: (page: number) => void): void {
    this.listeners.push(fn);
  }

  private written(addr: number, size: number): void {
    const last = (addr + size - 1) >>> LINE_SHIFT;
    const lines = this.lineHasCode;
    for (let l = addr >>> LINE_SHIFT; l <= last; l++) {
      if (l < lines.length && lines[l] !== 0) {
        this.invalidatePage(l >>> (PAGE_SHIFT - LINE_SHIFT));
      }
    }
  }

  /** Drop every cache entry built from `page` (clears its line marks; new entries set them again). */
  invalidatePage(page: number): void {
    this.pageGen[page]++;
    const lines = this.lineHasCode;
    const first = page << (PAGE_SHIFT - LINE_SHIFT);
    lines.fill(0, first, first + (1 << (PAGE_SHIFT - LINE_SHIFT)));
    this.memory.codePages[page] = 0;
    for (const fn of this.listeners) fn(page);
  }

  /** Host-side change (mapping, direct RAM writes by a harness, snapshot restore): forget everything. */
  flushAll(): void {
    this.flushGen++;
    this.lineHasCode.fill(0);
    this.memory.codePages.fill(0);
    for (let p = 0; p < this.pageGen.length; p++) this.pageGen[p]++;
    for (const fn of this.listeners) fn(-1);
  }
}
