/**
 * Write tracking for guest RAM that holds decoded or translated code.
 *
 * Both CPU tiers cache work derived from code bytes: the interpreter keeps
 * decoded instructions, the translator keeps compiled regions. Instead of
 * re-reading the bytes on every use, a decoded instruction remembers the
 * generation of the 4 KiB physical page it came from, and this tracker bumps
 * that generation whenever the guest (or DMA through PhysicalMemory) writes
 * into a 64-byte line that some cache entry was built from; a decode is valid
 * iff its page generation is unchanged — one typed-array load and compare.
 * The translator is told which lines were written and drops exactly the
 * regions built from them (jit/translator.ts).
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
  /**
   * Extra listeners (the translator's region cache) for a write into tracked code: the page
   * and the 64-byte lines written (absolute line numbers), or page -1 and no lines for a flush.
   */
  private readonly listeners: ((page: number, lines: readonly number[]) => void)[] = [];

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

  addListener(fn: (page: number, lines: readonly number[]) => void): void {
    this.listeners.push(fn);
  }

  private written(addr: number, size: number): void {
    const last = (addr + size - 1) >>> LINE_SHIFT;
    const lines = this.lineHasCode;
    // All tracked lines the write touches are collected before any page is invalidated
    // (invalidation clears the page's marks).
    let hit: number[] | undefined;
    for (let l = addr >>> LINE_SHIFT; l <= last && l < lines.length; l++) if (lines[l] !== 0) (hit ??= []).push(l);
    if (hit === undefined) return;
    const perPage = PAGE_SHIFT - LINE_SHIFT;
    let from = 0;
    for (let i = 1; i <= hit.length; i++) {
      if (i === hit.length || hit[i] >>> perPage !== hit[from] >>> perPage) {
        this.invalidatePage(hit[from] >>> perPage, hit.slice(from, i));
        from = i;
      }
    }
  }

  /**
   * Drop the interpreter's decodes from `page` (its generation changes) and clear the marks of
   * the lines written (decoding them again sets them again). The page's other marks stay: they
   * still guard the translator's regions, and for the interpreter a stale mark only costs one
   * more generation change. Listeners learn which lines were written: the translator drops the
   * regions built from them, and only those.
   */
  invalidatePage(page: number, written: readonly number[]): void {
    this.pageGen[page]++;
    for (const l of written) this.lineHasCode[l] = 0;
    for (const fn of this.listeners) fn(page, written);
  }

  /** Host-side change (mapping, direct RAM writes by a harness, snapshot restore): forget everything. */
  flushAll(): void {
    this.flushGen++;
    this.lineHasCode.fill(0);
    this.memory.codePages.fill(0);
    for (let p = 0; p < this.pageGen.length; p++) this.pageGen[p]++;
    for (const fn of this.listeners) fn(-1, []);
  }
}
