/**
 * Bochs/QEMU "port E9 hack" debug console at port 0xE9: every byte written is
 * passed to `onByte` (and kept in `text`); a read returns 0xE9 so guests can
 * detect the console, as Bochs does.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

export interface DebugConsoleE9Options {
  onByte?: (byte: number) => void;
  port?: number;
  /** Keep at most this many bytes in `output` (default 1 MiB). */
  keep?: number;
}

export class DebugConsoleE9 implements Device {
  readonly name = 'debugcon';
  private readonly onByte: ((byte: number) => void) | undefined;
  private readonly keep: number;
  private bytes: number[] = [];

  constructor(ctx: DeviceContext, opts: DebugConsoleE9Options = {}) {
    this.onByte = opts.onByte;
    this.keep = opts.keep ?? 1 << 20;
    const port = opts.port ?? 0xe9;
    ctx.io.register(this.name, port, 1, {
      read8: () => 0xe9,
      write8: (_p, v) => {
        if (this.bytes.length < this.keep) this.bytes.push(v);
        if (this.onByte) this.onByte(v);
      },
    });
  }

  /** Everything written so far (up to `keep` bytes). */
  get output(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  /** The output decoded as Latin-1 text. */
  get text(): string {
    let s = '';
    for (const b of this.bytes) s += String.fromCharCode(b);
    return s;
  }

  /** The console is host-side; a machine reset does not erase what was printed. */
  reset(): void {}

  saveState(): DeviceState {
    return { bytes: Uint8Array.from(this.bytes) };
  }

  loadState(s: DeviceState): void {
    this.bytes = [...(s.bytes as Uint8Array)];
  }
}
