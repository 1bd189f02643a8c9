/**
 * Shadow RAM for C0000h–FFFFFh, controlled by the i440FX PAM registers
 * (Intel 82441FX datasheet §3.2.18, PAM0–PAM6).
 *
 * Each 16 KiB block (64 KiB for F0000h) can read from RAM or from the ROM
 * behind it (RE bit) and write to RAM or nowhere (WE bit). Firmware such as
 * SeaBIOS copies itself into RAM with PAM set to write-only, then switches to
 * read-only RAM. Blocks with both bits set become ordinary RAM pages (the
 * fast path); the others go through an MMIO handler.
 */
import { PAGE_SIZE, type MmioHandler, type PhysicalMemory } from './physical-memory.js';

const RE = 0x1;
const WE = 0x2;

interface Block {
  base: number;
  size: number;
  mode: number;
}

export class PamShadow {
  private readonly blocks: Block[] = [];

  /**
   * @param rom the firmware image mapped at the top of the first MiB (its last
   *   byte at FFFFFh); blocks below it read as 0xFF when RE is clear.
   */
  constructor(
    private readonly memory: PhysicalMemory,
    private readonly rom: Uint8Array,
  ) {
    for (let base = 0xc0000; base < 0xf0000; base += 0x4000) this.blocks.push({ base, size: 0x4000, mode: -1 });
    this.blocks.push({ base: 0xf0000, size: 0x10000, mode: -1 });
    for (const b of this.blocks) this.setMode(b, 0);
  }

  /** Apply a PAM register write: index 0 → F0000h (high nibble); 1–6 → two 16 KiB blocks each. */
  setPam(index: number, value: number): void {
    if (index === 0) {
      this.setMode(this.blocks[this.blocks.length - 1], (value >> 4) & 3);
      return;
    }
    const first = (index - 1) * 2;
    this.setMode(this.blocks[first], value & 3);
    this.setMode(this.blocks[first + 1], (value >> 4) & 3);
  }

  private romByte(addr: number): number {
    const i = addr - (0x100000 - this.rom.length);
    return i >= 0 && i < this.rom.length ? this.rom[i] : 0xff;
  }

  private setMode(b: Block, mode: number): void {
    if (b.mode === mode) return;
    b.mode = mode;
    this.memory.unmap(b.base, b.size);
    if (mode === (RE | WE)) return; // plain RAM
    const ram = this.memory.ram;
    const base = b.base;
    const handler: MmioHandler = {
      read8: (off) => (mode & RE ? ram[base + off] : this.romByte(base + off)),
      write8: (off, v) => {
        if (mode & WE) ram[base + off] = v;
      },
    };
    this.memory.mapMmio(`pam-${base.toString(16)}`, base, Math.max(b.size, PAGE_SIZE), handler);
  }
}
