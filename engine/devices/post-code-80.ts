/**
 * POST diagnostic port 0x80 (what an ISA "POST card" displays). Writes record
 * the last code and append to a bounded history; reads return 0xFF because a
 * POST card does not drive the bus on reads (port 0x80 is also the classic
 * I/O-delay port, so guests write it often).
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

export interface PostCode80Options {
  /** History entries kept (oldest dropped first). Default 1024. */
  historySize?: number;
  onCode?: (code: number) => void;
}

export class PostCode80 implements Device {
  readonly name = 'post80';
  private readonly size: number;
  private readonly onCode: ((code: number) => void) | undefined;
  private last = -1;
  private hist: number[] = [];

  constructor(ctx: DeviceContext, opts: PostCode80Options = {}) {
    this.size = opts.historySize ?? 1024;
    this.onCode = opts.onCode;
    ctx.io.register(this.name, 0x80, 1, {
      read8: () => 0xff,
      write8: (_p, v) => {
        this.last = v;
        this.hist.push(v);
        if (this.hist.length > this.size) this.hist.shift();
        if (this.onCode) this.onCode(v);
      },
    });
  }

  /** Last code written, or -1 if none yet. */
  get lastCode(): number {
    return this.last;
  }

  /** Codes in write order, oldest first. */
  get history(): readonly number[] {
    return this.hist;
  }

  /** The card keeps displaying across a reset; the history is host-side. */
  reset(): void {}

  saveState(): DeviceState {
    return { last: this.last, hist: [...this.hist] };
  }

  loadState(s: DeviceState): void {
    this.last = s.last as number;
    this.hist = [...(s.hist as number[])];
  }
}
