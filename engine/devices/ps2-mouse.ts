/**
 * PS/2 mouse behind the 8042's auxiliary port, with the IntelliMouse wheel
 * extension. Owned by `I8042`, which forwards 0xD4-prefixed bytes and pulls
 * the mouse's output.
 *
 * Commands (IBM PS/2 Hardware Interface Technical Reference, "Auxiliary
 * Device Commands"; Microsoft IntelliMouse protocol): FF reset (FA AA 00),
 * FE resend, F6 defaults, F5 disable / F4 enable data reporting, F3 sample
 * rate, F2 read device ID, F0 remote mode, EE wrap mode, EC reset wrap mode,
 * EB read data, EA stream mode, E9 status request, E8 resolution, E7/E6
 * scaling 2:1/1:1. Setting the sample rate to 200, 100, 80 in a row switches
 * the device ID to 3 (IntelliMouse): packets grow a fourth byte with the
 * wheel movement (4-bit two's complement, clamped to -8..7).
 *
 * Packets (byte 0: bit 0 left, 1 right, 2 middle, 3 always 1, 4 X sign,
 * 5 Y sign, 6 X overflow, 7 Y overflow; bytes 1/2: the low 8 bits of the
 * 9-bit X/Y counts). Host movement is in screen convention (dy > 0 = down)
 * and is converted to the PS/2 convention (Y up). Deltas outside -256..255
 * are clamped and flagged as overflow (the excess is lost, as on the device).
 * In stream mode with reporting enabled, each host call produces one packet
 * immediately; in remote mode movement accumulates until EB. Scaling 2:1
 * applies the device's stream-mode table (0,1,1,3,6,9, then 2×).
 */
import type { DeviceState } from './device.js';

const ACK = 0xfa;
const RESEND = 0xfe;

const SCALE_2_1 = [0, 1, 1, 3, 6, 9];

export class Ps2Mouse {
  private out: number[] = [];
  private sampleRate = 100;
  private resolution = 2;
  private scaling2 = false;
  private remote = false;
  private wrap = false;
  private reporting = false;
  private id = 0;
  private buttons = 0;
  private dx = 0;
  private dy = 0;
  private dz = 0;
  private pending = 0;
  private lastSent = 0;
  /** The last three sample rates set, for the IntelliMouse knock sequence. */
  private rates: number[] = [];
  notify: () => void = () => {};

  reset(): void {
    this.out = [];
    this.setDefaults();
    this.id = 0;
    this.wrap = false;
    this.pending = 0;
    this.lastSent = 0;
    this.rates = [];
    // `buttons` is the physical state of the buttons; a reset does not release them.
  }

  private setDefaults(): void {
    this.sampleRate = 100;
    this.resolution = 2;
    this.scaling2 = false;
    this.remote = false;
    this.reporting = false;
    this.dx = 0;
    this.dy = 0;
    this.dz = 0;
  }

  get deviceId(): number {
    return this.id;
  }

  get reportingEnabled(): boolean {
    return this.reporting;
  }

  hasOutput(): boolean {
    return this.out.length > 0;
  }

  takeOutput(): number {
    const b = this.out.shift()!;
    this.lastSent = b;
    return b;
  }

  private respond(...bytes: number[]): void {
    this.out.push(...bytes);
    this.notify();
  }

  write(b: number): void {
    if (this.wrap && b !== 0xff && b !== 0xec) {
      this.respond(b);
      return;
    }
    const cmd = this.pending;
    if (cmd !== 0) {
      this.pending = 0;
      if (cmd === 0xf3) {
        this.sampleRate = b;
        this.rates.push(b);
        if (this.rates.length > 3) this.rates.shift();
        if (this.rates.join(',') === '200,100,80') this.id = 3;
        this.respond(ACK);
        return;
      }
      if (cmd === 0xe8) {
        this.resolution = b & 3;
        this.respond(ACK);
        return;
      }
    }
    switch (b) {
      case 0xff:
        this.reset();
        this.respond(ACK, 0xaa, 0x00);
        return;
      case 0xfe:
        this.respond(this.lastSent);
        return;
      case 0xf6:
        this.setDefaults();
        this.respond(ACK);
        return;
      case 0xf5:
        this.reporting = false;
        this.respond(ACK);
        return;
      case 0xf4:
        this.reporting = true;
        this.respond(ACK);
        return;
      case 0xf3:
      case 0xe8:
        this.pending = b;
        this.respond(ACK);
        return;
      case 0xf2:
        this.respond(ACK, this.id);
        return;
      case 0xf0:
        this.remote = true;
        this.respond(ACK);
        return;
      case 0xee:
        this.wrap = true;
        this.respond(ACK);
        return;
      case 0xec:
        this.wrap = false;
        this.respond(ACK);
        return;
      case 0xeb:
        this.respond(ACK, ...this.packet());
        return;
      case 0xea:
        this.remote = false;
        this.respond(ACK);
        return;
      case 0xe9: {
        const status =
          (this.remote ? 0x40 : 0) |
          (this.reporting ? 0x20 : 0) |
          (this.scaling2 ? 0x10 : 0) |
          (this.buttons & 1 ? 0x04 : 0) |
          (this.buttons & 4 ? 0x02 : 0) |
          (this.buttons & 2 ? 0x01 : 0);
        this.respond(ACK, status, this.resolution, this.sampleRate);
        return;
      }
      case 0xe7:
        this.scaling2 = true;
        this.respond(ACK);
        return;
      case 0xe6:
        this.scaling2 = false;
        this.respond(ACK);
        return;
      default:
        this.respond(RESEND);
    }
  }

  private scale(v: number): number {
    if (!this.scaling2 || this.remote) return v;
    const a = Math.abs(v);
    const s = a < SCALE_2_1.length ? SCALE_2_1[a] : 2 * a;
    return v < 0 ? -s : s;
  }

  /** Build one packet from the accumulated counters and clear them. */
  private packet(): number[] {
    const x = this.scale(this.dx);
    const y = this.scale(this.dy);
    const cx = Math.max(-256, Math.min(255, x));
    const cy = Math.max(-256, Math.min(255, y));
    const b0 =
      (this.buttons & 7) |
      0x08 |
      (cx < 0 ? 0x10 : 0) |
      (cy < 0 ? 0x20 : 0) |
      (cx !== x ? 0x40 : 0) |
      (cy !== y ? 0x80 : 0);
    const bytes = [b0, cx & 0xff, cy & 0xff];
    if (this.id === 3) bytes.push(Math.max(-8, Math.min(7, this.dz)) & 0xff);
    this.dx = 0;
    this.dy = 0;
    this.dz = 0;
    return bytes;
  }

  private report(): void {
    if (this.remote || this.wrap) return;
    if (!this.reporting) {
      this.dx = 0;
      this.dy = 0;
      this.dz = 0;
      return;
    }
    this.respond(...this.packet());
  }

  /** Relative movement in screen convention (dy > 0 moves down). */
  move(dx: number, dy: number): void {
    this.dx += Math.trunc(dx);
    this.dy -= Math.trunc(dy);
    this.report();
  }

  /** The buttons held now (bit 0 left, bit 1 right, bit 2 middle); part of the saved state. */
  get buttonMask(): number {
    return this.buttons;
  }

  /** Button mask: bit 0 left, bit 1 right, bit 2 middle. */
  setButtons(mask: number): void {
    this.buttons = mask & 7;
    this.report();
  }

  /** Wheel movement (dz > 0 scrolls down, as the IntelliMouse reports it). */
  wheel(dz: number): void {
    if (this.id !== 3) return;
    this.dz += Math.trunc(dz);
    this.report();
  }

  saveState(): DeviceState {
    return {
      out: [...this.out],
      sampleRate: this.sampleRate,
      resolution: this.resolution,
      scaling2: this.scaling2,
      remote: this.remote,
      wrap: this.wrap,
      reporting: this.reporting,
      id: this.id,
      buttons: this.buttons,
      dx: this.dx,
      dy: this.dy,
      dz: this.dz,
      pending: this.pending,
      lastSent: this.lastSent,
      rates: [...this.rates],
    };
  }

  loadState(s: DeviceState): void {
    this.out = [...(s.out as number[])];
    this.sampleRate = s.sampleRate as number;
    this.resolution = s.resolution as number;
    this.scaling2 = s.scaling2 as boolean;
    this.remote = s.remote as boolean;
    this.wrap = s.wrap as boolean;
    this.reporting = s.reporting as boolean;
    this.id = s.id as number;
    this.buttons = s.buttons as number;
    this.dx = s.dx as number;
    this.dy = s.dy as number;
    this.dz = s.dz as number;
    this.pending = s.pending as number;
    this.lastSent = s.lastSent as number;
    this.rates = [...(s.rates as number[])];
  }
}
