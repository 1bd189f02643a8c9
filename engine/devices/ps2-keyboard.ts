/**
 * PS/2 (MF2) keyboard behind the 8042's first port. Not an I/O device of its
 * own: the `I8042` controller owns it, forwards bytes the guest writes to port
 * 0x60, and pulls the keyboard's output bytes one at a time.
 *
 * Commands (IBM PS/2 Hardware Interface Technical Reference, "Keyboard
 * Commands"): ED set LEDs, EE echo, F0 get/set scan code set, F2 identify
 * (AB 83), F3 typematic rate/delay, F4 enable, F5 disable + defaults,
 * F6 defaults, F7–FD set-3 key attributes (acknowledged, no effect), FE resend,
 * FF reset (FA, then AA after the self test). Unknown commands get FE.
 * Scan code sets 1 and 2 are implemented; selecting set 3 is refused with FE
 * (not every MF2 keyboard has it either).
 *
 * Host input (`keyDown`/`keyUp`) is queued behind command responses. While
 * scanning is disabled (F5, or before F4 after a BIOS disabled it) host keys
 * wait in the queue instead of being dropped, so input typed early is not
 * lost.
 *
 * Typematic repeat (when a clock is given): the most recently pressed key,
 * while held, repeats its make code after the F3 delay (250–1000 ms) at the F3
 * rate (period = (8 + A) · 2^B · 4.17 ms, A = bits 2–0, B = bits 4–3). As on
 * the real keyboard only the last key repeats, a new make or that key's break
 * stops it, and Pause never repeats. A repeat is skipped while earlier scan
 * bytes are still waiting, so a guest that is not reading does not pile up an
 * unbounded backlog.
 */
import type { DeviceState } from './device.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import { ByteQueue } from './byte-queue.js';
import { TimerSlot } from './timer-slot.js';
import { breakCodes, lookupKey, makeCodes, type KeyDef } from '../input/keys.js';

export type KeyInput = string | KeyDef;

const ACK = 0xfa;
const RESEND = 0xfe;
const BAT_OK = 0xaa;

export class Ps2Keyboard {
  /** Responses to commands: delivered before any scan code. */
  private responses: number[] = [];
  private readonly scan = new ByteQueue();
  private scanSet: 1 | 2 = 2;
  private leds = 0;
  private typematic = 0x2b;
  private enabled = true;
  /** Command waiting for its argument byte, or 0. */
  private pending = 0;
  private lastSent = 0;
  /** Key that auto-repeats while held, or null. */
  private repeatKey: KeyDef | null = null;
  private readonly repeatTimer: TimerSlot | undefined;
  /** Called whenever the keyboard has new output for the controller. */
  notify: () => void = () => {};

  /** Without a clock there is no typematic repeat. */
  constructor(private readonly clock?: VirtualClock) {
    this.repeatTimer = clock ? new TimerSlot(clock, () => this.onRepeat()) : undefined;
  }

  reset(): void {
    this.stopRepeat();
    this.responses = [];
    this.scan.clear();
    this.setDefaults();
    this.enabled = true;
    this.pending = 0;
    this.lastSent = 0;
  }

  private setDefaults(): void {
    this.scanSet = 2;
    this.typematic = 0x2b;
  }

  /** LED state from the last ED command: bit 0 Scroll, bit 1 Num, bit 2 Caps Lock. */
  get ledState(): number {
    return this.leds;
  }

  get currentScanSet(): number {
    return this.scanSet;
  }

  get scanningEnabled(): boolean {
    return this.enabled;
  }

  hasOutput(): boolean {
    return this.responses.length > 0 || (this.enabled && this.scan.length > 0);
  }

  /** Remove and return the next output byte (call only when `hasOutput()`). */
  takeOutput(): number {
    const b = this.responses.length > 0 ? this.responses.shift()! : this.scan.shift();
    this.lastSent = b;
    return b;
  }

  private respond(...bytes: number[]): void {
    this.responses.push(...bytes);
    this.notify();
  }

  /** A byte from the host controller (the guest wrote port 0x60). */
  write(b: number): void {
    const cmd = this.pending;
    if (cmd !== 0) {
      this.pending = 0;
      // A command byte (ED and up) while an argument is expected starts that command instead.
      if (b < 0xed) {
        this.argument(cmd, b);
        return;
      }
    }
    switch (b) {
      case 0xed:
      case 0xf3:
        this.pending = b;
        this.respond(ACK);
        return;
      case 0xf0:
        this.pending = b;
        this.respond(ACK);
        return;
      case 0xee:
        this.respond(0xee);
        return;
      case 0xf2:
        this.respond(ACK, 0xab, 0x83);
        return;
      case 0xf4:
        this.enabled = true;
        this.respond(ACK);
        return;
      case 0xf5:
        this.enabled = false;
        this.setDefaults();
        this.respond(ACK);
        return;
      case 0xf6:
        this.setDefaults();
        this.respond(ACK);
        return;
      case 0xf7:
      case 0xf8:
      case 0xf9:
      case 0xfa:
      case 0xfb:
      case 0xfc:
      case 0xfd:
        this.respond(ACK);
        return;
      case 0xfe:
        this.respond(this.lastSent);
        return;
      case 0xff:
        this.stopRepeat();
        this.responses = [];
        this.setDefaults();
        this.enabled = true;
        this.respond(ACK, BAT_OK);
        return;
      default:
        this.respond(RESEND);
    }
  }

  private argument(cmd: number, b: number): void {
    switch (cmd) {
      case 0xed:
        this.leds = b & 7;
        this.respond(ACK);
        return;
      case 0xf3:
        this.typematic = b & 0x7f;
        this.respond(ACK);
        return;
      case 0xf0:
        if (b === 0) this.respond(ACK, this.scanSet);
        else if (b === 1 || b === 2) {
          this.scanSet = b;
          this.respond(ACK);
        } else this.respond(RESEND);
        return;
    }
  }

  keyDown(key: KeyInput): void {
    const def = typeof key === 'string' ? lookupKey(key).key : key;
    this.scan.pushAll(makeCodes(def, this.scanSet));
    this.stopRepeat();
    if (this.repeatTimer && this.clock && def.set1Break.length > 0) {
      this.repeatKey = def;
      const delayMs = 250 * (1 + ((this.typematic >> 5) & 3));
      this.repeatTimer.arm(this.clock.ticks + this.clock.msToTicks(delayMs));
    }
    this.notify();
  }

  keyUp(key: KeyInput): void {
    const def = typeof key === 'string' ? lookupKey(key).key : key;
    if (this.repeatKey === def) this.stopRepeat();
    this.scan.pushAll(breakCodes(def, this.scanSet));
    this.notify();
  }

  private stopRepeat(): void {
    this.repeatKey = null;
    if (this.repeatTimer) this.repeatTimer.cancel();
  }

  /** Typematic period in ms from the F3 byte (PS/2 reference, "Set Typematic Rate/Delay"). */
  private repeatPeriodMs(): number {
    const a = this.typematic & 7;
    const b = (this.typematic >> 3) & 3;
    return (8 + a) * (1 << b) * 4.17;
  }

  private onRepeat(): void {
    const key = this.repeatKey;
    if (!key || !this.clock || !this.repeatTimer) return;
    if (this.enabled && this.scan.length === 0) {
      this.scan.pushAll(makeCodes(key, this.scanSet));
      this.notify();
    }
    this.repeatTimer.arm(this.clock.ticks + this.clock.msToTicks(this.repeatPeriodMs()));
  }

  /** Bytes queued for the controller (diagnostics). */
  get queued(): number {
    return this.responses.length + this.scan.length;
  }

  saveState(): DeviceState {
    return {
      responses: [...this.responses],
      scan: this.scan.toArray(),
      scanSet: this.scanSet,
      leds: this.leds,
      typematic: this.typematic,
      enabled: this.enabled,
      pending: this.pending,
      lastSent: this.lastSent,
      repeatKey: this.repeatKey ? this.repeatKey.name : null,
      repeatTimer: this.repeatTimer ? this.repeatTimer.deadline : -1,
    };
  }

  loadState(s: DeviceState): void {
    this.responses = [...(s.responses as number[])];
    this.scan.load(s.scan as number[]);
    this.scanSet = s.scanSet as 1 | 2;
    this.leds = s.leds as number;
    this.typematic = s.typematic as number;
    this.enabled = s.enabled as boolean;
    this.pending = s.pending as number;
    this.lastSent = s.lastSent as number;
    const rk = s.repeatKey as string | null;
    this.repeatKey = rk === null ? null : lookupKey(rk).key;
    if (this.repeatTimer) this.repeatTimer.restore(s.repeatTimer as number);
  }
}
