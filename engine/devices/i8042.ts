/**
 * Intel 8042 keyboard controller (PS/2 style, with auxiliary port) at ports
 * 0x60 (data) and 0x64 (status read / command write), IRQ 1 (keyboard) and
 * IRQ 12 (mouse). It owns the `Ps2Keyboard` and `Ps2Mouse` and exposes the
 * host input API (`keyDown`, `keyUp`, `typeString`, `mouseMove`,
 * `mouseButtons`, `mouseWheel`).
 *
 * References: IBM PS/2 Hardware Interface Technical Reference, "Keyboard and
 * Auxiliary Device Controller" — status register, command byte (bit 0 kbd
 * IRQ, bit 1 aux IRQ, bit 2 system flag, bit 4 kbd disable, bit 5 aux
 * disable, bit 6 translate), controller commands 20–3F/60–7F (RAM), A7/A8/A9
 * (aux disable/enable/test), AA (self test → 55), AB (kbd interface test),
 * AD/AE (kbd disable/enable), C0 (input port), D0/D1 (output port: bit 0 =
 * system reset, bit 1 = A20 gate), D2/D3 (write kbd/aux output buffer), D4
 * (write to aux device), E0 (test inputs), F0–FF (pulse output port bits
 * 0–3 low; FE pulses reset). DD/DF (A20 off/on) are the common extension.
 *
 * Output pacing (deterministic, in virtual time): the controller holds one
 * output byte. After the guest reads port 0x60 the next queued byte — from
 * the controller's own responses first, then the keyboard, then the mouse —
 * is placed in the output buffer `byteGapMs` (default 1 ms, about one PS/2
 * byte time) later; if the buffer has been empty that long, a new byte is
 * placed at once. Each placement raises IRQ 1 or 12 when enabled in the
 * command byte; the line drops when port 0x60 is read.
 *
 * With command-byte bit 6 set the controller translates the keyboard's set-2
 * bytes to set 1 (F0 becomes bit 7 of the following byte). Mouse bytes are
 * never translated.
 */
import type { Device, DeviceContext, DeviceState } from './device.js';
import { TimerSlot } from './timer-slot.js';
import { Ps2Keyboard, type KeyInput } from './ps2-keyboard.js';
import { Ps2Mouse } from './ps2-mouse.js';
import { translateSet2Byte, typeString as keyEventsFor } from '../input/keys.js';

export interface I8042Options {
  /** Called when the guest pulses the reset line (FE / F0–FF with bit 0 clear, or D1 with bit 0 clear). */
  onReset?: () => void;
  /** Virtual time between consecutive output bytes after a read (default 1 ms). */
  byteGapMs?: number;
  keyboardIrq?: number;
  mouseIrq?: number;
  /** Generate typematic repeats for a held key (default true). */
  typematicRepeat?: boolean;
}

const ST_OBF = 0x01;
const ST_SYS = 0x04;
const ST_CMD = 0x08;
const ST_UNLOCKED = 0x10;
const ST_AUX = 0x20;

const CB_KBD_IRQ = 0x01;
const CB_AUX_IRQ = 0x02;
const CB_SYS = 0x04;
const CB_KBD_OFF = 0x10;
const CB_AUX_OFF = 0x20;
const CB_TRANSLATE = 0x40;

/** Power-on command byte: keyboard IRQ on, translation on, mouse IRQ off. */
const DEFAULT_CB = CB_KBD_IRQ | CB_TRANSLATE;
/** Output port at power-on: reset line high, keyboard clock/data idle high; bit 1 follows the A20 gate. */
const DEFAULT_OUTPORT = 0xcf;

export class I8042 implements Device {
  readonly name = 'i8042';
  readonly keyboard: Ps2Keyboard;
  readonly mouse = new Ps2Mouse();
  private readonly ctx: DeviceContext;
  private readonly onReset: (() => void) | undefined;
  private readonly gapTicks: number;
  private readonly kbdIrq: number;
  private readonly auxIrq: number;
  private readonly timer: TimerSlot;

  /** Controller RAM; byte 0 is the command byte. */
  private ram = new Uint8Array(32);
  private obf = false;
  private outAux = false;
  private outByte = 0;
  private sysFlag = false;
  private lastWasCommand = false;
  private pendingCmd = 0;
  private outPort = DEFAULT_OUTPORT;
  /** Controller responses: [byte, fromAux ? 1 : 0] pairs. */
  private ctrlQueue: number[] = [];
  /** Earliest tick at which a new byte may enter the output buffer. */
  private readyAt = 0;
  private irq1 = false;
  private irq12 = false;

  constructor(ctx: DeviceContext, opts: I8042Options = {}) {
    this.ctx = ctx;
    this.keyboard = new Ps2Keyboard(opts.typematicRepeat === false ? undefined : ctx.clock);
    this.onReset = opts.onReset;
    this.gapTicks = ctx.clock.msToTicks(opts.byteGapMs ?? 1);
    this.kbdIrq = opts.keyboardIrq ?? 1;
    this.auxIrq = opts.mouseIrq ?? 12;
    this.timer = new TimerSlot(ctx.clock, () => this.deliver());
    this.keyboard.notify = () => this.deliver();
    this.mouse.notify = () => this.deliver();
    ctx.io.register(this.name, 0x60, 1, { read8: () => this.readData(), write8: (_p, v) => this.writeData(v) });
    ctx.io.register(this.name, 0x64, 1, { read8: () => this.readStatus(), write8: (_p, v) => this.writeCommand(v) });
    this.reset();
  }

  reset(): void {
    this.ram.fill(0);
    this.ram[0] = DEFAULT_CB;
    this.obf = false;
    this.outAux = false;
    this.outByte = 0;
    this.sysFlag = false;
    this.lastWasCommand = false;
    this.pendingCmd = 0;
    // The A20 bit reports the gate as the memory currently has it (the machine owns its reset state).
    this.outPort = (DEFAULT_OUTPORT & ~0x02) | (this.ctx.memory.a20Enabled ? 0x02 : 0);
    this.ctrlQueue = [];
    this.readyAt = this.ctx.clock.ticks;
    this.timer.cancel();
    this.keyboard.reset();
    this.mouse.reset();
    this.updateIrqs();
  }

  private get cb(): number {
    return this.ram[0];
  }

  // --- host input -------------------------------------------------------------

  keyDown(key: KeyInput): void {
    this.keyboard.keyDown(key);
  }

  keyUp(key: KeyInput): void {
    this.keyboard.keyUp(key);
  }

  /** Queue the key events that type `text` (see `typeString` in engine/input/keys.ts). */
  typeString(text: string): void {
    for (const e of keyEventsFor(text)) {
      if (e.down) this.keyboard.keyDown(e.key);
      else this.keyboard.keyUp(e.key);
    }
  }

  mouseMove(dx: number, dy: number): void {
    this.mouse.move(dx, dy);
  }

  mouseButtons(mask: number): void {
    this.mouse.setButtons(mask);
  }

  mouseWheel(dz: number): void {
    this.mouse.wheel(dz);
  }

  // --- output buffer ------------------------------------------------------------

  private respond(byte: number, aux = false): void {
    this.ctrlQueue.push(byte & 0xff, aux ? 1 : 0);
    this.deliver();
  }

  /** Move the next queued byte into the empty output buffer, honouring the pacing rule. */
  private deliver(): void {
    if (this.obf) return;
    const haveCtrl = this.ctrlQueue.length > 0;
    const haveKbd = !(this.cb & CB_KBD_OFF) && this.keyboard.hasOutput();
    const haveAux = !(this.cb & CB_AUX_OFF) && this.mouse.hasOutput();
    if (!haveCtrl && !haveKbd && !haveAux) return;
    const now = this.ctx.clock.ticks;
    if (now < this.readyAt) {
      if (!this.timer.armed) this.timer.arm(this.readyAt);
      return;
    }
    let byte: number;
    let aux: boolean;
    if (haveCtrl) {
      byte = this.ctrlQueue.shift()!;
      // The controller's own bytes are not keyboard data and are never translated.
      aux = this.ctrlQueue.shift()! === 1;
    } else if (haveKbd) {
      byte = this.keyboard.takeOutput();
      aux = false;
      if (this.cb & CB_TRANSLATE) {
        if (byte === 0xf0 && this.keyboard.hasOutput()) byte = this.translate(this.keyboard.takeOutput()) | 0x80;
        else byte = this.translate(byte);
      }
    } else {
      byte = this.mouse.takeOutput();
      aux = true;
    }
    this.outByte = byte;
    this.outAux = aux;
    this.obf = true;
    this.updateIrqs();
  }

  private translate(b: number): number {
    return translateSet2Byte(b);
  }

  private updateIrqs(): void {
    const k = this.obf && !this.outAux && (this.cb & CB_KBD_IRQ) !== 0;
    const a = this.obf && this.outAux && (this.cb & CB_AUX_IRQ) !== 0;
    if (k !== this.irq1) {
      this.irq1 = k;
      if (k) this.ctx.irq.raise(this.kbdIrq);
      else this.ctx.irq.lower(this.kbdIrq);
    }
    if (a !== this.irq12) {
      this.irq12 = a;
      if (a) this.ctx.irq.raise(this.auxIrq);
      else this.ctx.irq.lower(this.auxIrq);
    }
  }

  // --- ports ------------------------------------------------------------------

  private readStatus(): number {
    return (
      (this.obf ? ST_OBF : 0) |
      (this.sysFlag ? ST_SYS : 0) |
      (this.lastWasCommand ? ST_CMD : 0) |
      ST_UNLOCKED |
      (this.obf && this.outAux ? ST_AUX : 0)
    );
  }

  private readData(): number {
    // Reading with the buffer empty returns the previous byte again, as the hardware does.
    const b = this.outByte;
    if (this.obf) {
      this.obf = false;
      this.readyAt = this.ctx.clock.ticks + this.gapTicks;
      this.updateIrqs();
      this.deliver();
    }
    return b;
  }

  private writeData(v: number): void {
    this.lastWasCommand = false;
    const cmd = this.pendingCmd;
    this.pendingCmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.ram[cmd & 0x1f] = v;
      if (cmd === 0x60) {
        this.sysFlag = (v & CB_SYS) !== 0;
        this.updateIrqs();
        this.deliver();
      }
      return;
    }
    switch (cmd) {
      case 0xd1:
        this.writeOutputPort(v);
        return;
      case 0xd2:
        this.respond(v, false);
        return;
      case 0xd3:
        this.respond(v, true);
        return;
      case 0xd4:
        this.mouse.write(v);
        return;
      default:
        this.keyboard.write(v);
    }
  }

  private writeOutputPort(v: number): void {
    this.outPort = v;
    const a20 = (v & 0x02) !== 0;
    if (a20 !== this.ctx.memory.a20Enabled) this.ctx.memory.setA20(a20);
    if (!(v & 0x01)) this.pulseReset();
  }

  private pulseReset(): void {
    if (this.onReset) this.onReset();
  }

  private writeCommand(v: number): void {
    this.lastWasCommand = true;
    this.pendingCmd = 0;
    if (v >= 0x20 && v <= 0x3f) {
      this.respond(this.ram[v & 0x1f]);
      return;
    }
    if (v >= 0x60 && v <= 0x7f) {
      this.pendingCmd = v;
      return;
    }
    if (v >= 0xf0) {
      // Pulse output port bits 0–3 for the bits that are 0 in the command; bit 0 is the reset line.
      if (!(v & 1)) this.pulseReset();
      return;
    }
    switch (v) {
      case 0xa1:
        this.respond(0x00); // controller firmware version
        return;
      case 0xa4:
        this.respond(0xf1); // no password installed
        return;
      case 0xa7:
        this.ram[0] |= CB_AUX_OFF;
        return;
      case 0xa8:
        this.ram[0] &= ~CB_AUX_OFF;
        this.deliver();
        return;
      case 0xa9:
      case 0xab:
        this.respond(0x00); // interface test passed
        return;
      case 0xaa:
        this.sysFlag = true;
        this.respond(0x55);
        return;
      case 0xad:
        this.ram[0] |= CB_KBD_OFF;
        return;
      case 0xae:
        this.ram[0] &= ~CB_KBD_OFF;
        this.deliver();
        return;
      case 0xc0:
        this.respond(0x80); // input port: keyboard not inhibited
        return;
      case 0xd0: {
        const v2 = (this.outPort & 0xcf) | (this.obf && !this.outAux ? 0x10 : 0) | (this.obf && this.outAux ? 0x20 : 0);
        this.respond(v2);
        return;
      }
      case 0xd1:
      case 0xd2:
      case 0xd3:
      case 0xd4:
        this.pendingCmd = v;
        return;
      case 0xdd:
        this.writeOutputPort(this.outPort & ~0x02);
        return;
      case 0xdf:
        this.writeOutputPort(this.outPort | 0x02);
        return;
      case 0xe0:
        this.respond(0x00);
        return;
      default:
        return; // unknown controller commands are ignored
    }
  }

  /** Command byte (diagnostics/tests). */
  get commandByte(): number {
    return this.cb;
  }

  saveState(): DeviceState {
    return {
      ram: new Uint8Array(this.ram),
      obf: this.obf,
      outAux: this.outAux,
      outByte: this.outByte,
      sysFlag: this.sysFlag,
      lastWasCommand: this.lastWasCommand,
      pendingCmd: this.pendingCmd,
      outPort: this.outPort,
      ctrlQueue: [...this.ctrlQueue],
      readyAt: this.readyAt,
      irq1: this.irq1,
      irq12: this.irq12,
      timer: this.timer.deadline,
      keyboard: this.keyboard.saveState(),
      mouse: this.mouse.saveState(),
    };
  }

  loadState(s: DeviceState): void {
    this.ram = new Uint8Array(s.ram as Uint8Array);
    this.obf = s.obf as boolean;
    this.outAux = s.outAux as boolean;
    this.outByte = s.outByte as number;
    this.sysFlag = s.sysFlag as boolean;
    this.lastWasCommand = s.lastWasCommand as boolean;
    this.pendingCmd = s.pendingCmd as number;
    this.outPort = s.outPort as number;
    this.ctrlQueue = [...(s.ctrlQueue as number[])];
    this.readyAt = s.readyAt as number;
    this.irq1 = s.irq1 as boolean;
    this.irq12 = s.irq12 as boolean;
    this.keyboard.loadState(s.keyboard as DeviceState);
    this.mouse.loadState(s.mouse as DeviceState);
    this.timer.restore(s.timer as number);
  }
}
