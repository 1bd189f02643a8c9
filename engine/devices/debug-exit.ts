/**
 * QEMU "isa-debug-exit" device (opt-in): a write of value v to the port
 * (default 0xF4, 1 byte wide; `size` 2 or 4 accepts wider writes) asks the
 * machine to stop with exit status (v << 1) | 1, so a guest can never
 * produce status 0. Reads return 0xFF (open bus).
 */
import type { Device, DeviceContext, DeviceState } from './device.js';

export interface DebugExitOptions {
  onExit: (status: number) => void;
  port?: number;
  size?: 1 | 2 | 4;
}

export class DebugExit implements Device {
  readonly name = 'debug-exit';

  constructor(ctx: DeviceContext, opts: DebugExitOptions) {
    const port = opts.port ?? 0xf4;
    const size = opts.size ?? 1;
    const exit = (v: number) => opts.onExit(((v << 1) | 1) >>> 0);
    ctx.io.register(this.name, port, size, {
      write8: (p, v) => {
        if (p === port) exit(v);
      },
      ...(size >= 2 ? { write16: (p: number, v: number) => (p === port ? exit(v) : undefined) } : {}),
      ...(size === 4 ? { write32: (p: number, v: number) => (p === port ? exit(v) : undefined) } : {}),
    });
  }

  reset(): void {}

  saveState(): DeviceState {
    return {};
  }

  loadState(): void {}
}
