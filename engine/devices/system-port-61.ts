/**
 * System control port B at 0x61 (IBM PC/AT technical reference, "System
 * Control Port B"; same layout on the PIIX ISA bridge, NMI Status and Control).
 *
 * Write: bit 0 = PIT counter 2 gate, bit 1 = speaker data enable, bit 2 =
 * parity-check (SERR#) disable, bit 3 = channel-check (IOCHK#) disable.
 * Read:  bits 0–3 as written, bit 4 = refresh toggle, bit 5 = PIT OUT2,
 * bits 6/7 = IOCHK/parity error (never set here).
 *
 * The refresh toggle flips every 15.085 µs of virtual time — 18 cycles of the
 * 1.193182 MHz PIT clock, the period BIOSes program into counter 1 — because
 * BIOSes and DOS programs busy-wait on it for short delays.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';
import type { Pit8254 } from './pit8254.js';

/** PIT cycles per refresh-toggle half period (18 / 1.193182 MHz = 15.085 µs). */
const REFRESH_CYCLES = 18;

export interface SystemPort61Options {
  pit: Pit8254;
  /** Called when the speaker is switched on/off or its frequency may have changed. */
  onSpeaker?: (enabled: boolean, hz: number) => void;
}

export class SystemPort61 implements Device {
  readonly name = 'port61';
  private readonly pit: Pit8254;
  private readonly onSpeaker: ((enabled: boolean, hz: number) => void) | undefined;
  private value = 0;

  constructor(ctx: DeviceContext, opts: SystemPort61Options) {
    this.pit = opts.pit;
    this.onSpeaker = opts.onSpeaker;
    ctx.io.register(this.name, 0x61, 1, { read8: () => this.read(), write8: (_p, v) => this.write(v) });
  }

  private read(): number {
    const refresh = Math.floor(this.pit.now() / REFRESH_CYCLES) & 1;
    return (this.value & 0x0f) | (refresh << 4) | (this.pit.getOutput(2) ? 0x20 : 0);
  }

  private write(v: number): void {
    const before = this.value;
    this.value = v & 0x0f;
    this.pit.setGate(2, (v & 1) !== 0);
    if ((before ^ this.value) & 3 && this.onSpeaker) this.onSpeaker(this.speakerEnabled, this.pit.channel2Hz());
  }

  /** The speaker sounds when both the gate and the data enable are set. */
  get speakerEnabled(): boolean {
    return (this.value & 3) === 3;
  }

  reset(): void {
    this.value = 0;
    this.pit.setGate(2, false);
  }

  saveState(): DeviceState {
    return { value: this.value };
  }

  loadState(state: DeviceState): void {
    this.value = state.value as number;
  }
}
