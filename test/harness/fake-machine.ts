/**
 * A test double of the engine's Machine: a scripted guest. Instructions are
 * counted deterministically (1 instruction = 1 µs of virtual time, so 1000 per
 * virtual ms); at scripted instruction counts it writes text into an 80x25
 * text buffer, fills rectangles in its 64x48 frame, emits serial or printer
 * bytes, or powers off. Keys typed are echoed to the frame's text row 24.
 */
import { ByteChannel } from '../../engine/byte-channel.js';
import type { MachineConfigInput } from '../../engine/machine-config.js';
import type { Frame, LabMachine, MachineFactory, RunOptions, RunResult } from '../../harness/machine-api.js';

export type FakeEvent =
  | { at: number; text: string; row?: number }
  | { at: number; rect: { x: number; y: number; w: number; h: number; rgb: [number, number, number] } }
  | { at: number; serial: string; port?: number }
  | { at: number; print: string }
  | { at: number; powerOff: true; exitCode?: number };

export interface FakeScript {
  events: FakeEvent[];
  width?: number;
  height?: number;
  /** Instruction count after which the guest halts. */
  haltAt?: number;
}

const IPS = 1000; // instructions per virtual ms

interface FakeState {
  insn: number;
  rows: string[];
  frame: Uint8Array;
  serial: string;
  printer: string;
  typed: string;
  mouse: [number, number, number];
  off: boolean;
}

export class FakeMachine implements LabMachine {
  readonly serial = [new ByteChannel('com1'), new ByteChannel('com2'), new ByteChannel('com3'), new ByteChannel('com4')];
  readonly printer = new ByteChannel('lpt1');
  readonly width: number;
  readonly height: number;
  private s: FakeState;
  disposed = false;

  constructor(
    readonly script: FakeScript,
    state?: FakeState,
  ) {
    this.width = script.width ?? 64;
    this.height = script.height ?? 48;
    this.s = state ?? {
      insn: 0,
      rows: Array.from({ length: 25 }, () => ''),
      frame: new Uint8Array(this.width * this.height * 4).fill(255),
      serial: '',
      printer: '',
      typed: '',
      mouse: [0, 0, 0],
      off: false,
    };
    if (state) {
      this.serial[0]!.loadState({ output: Buffer.from(state.serial, 'latin1'), inbound: new Uint8Array(0) });
      this.printer.loadState({ output: Buffer.from(state.printer, 'latin1'), inbound: new Uint8Array(0) });
    }
  }

  get instructions(): number {
    return this.s.insn;
  }
  get virtualTimeMs(): number {
    return this.s.insn / IPS;
  }

  keyboard = {
    press: (k: string): void => {
      this.s.typed += `<${k}>`;
      this.s.rows[24] = this.s.typed;
    },
    type: (t: string): void => {
      this.s.typed += t;
      this.s.rows[24] = this.s.typed;
    },
  };
  mouse = {
    move: (dx: number, dy: number): void => {
      this.s.mouse[0] += dx;
      this.s.mouse[1] += dy;
    },
    click: (): void => {
      this.s.mouse[2]++;
    },
  };

  private apply(e: FakeEvent): void {
    if ('text' in e) this.s.rows[e.row ?? 0] = e.text;
    else if ('rect' in e) {
      const r = e.rect;
      for (let y = r.y; y < r.y + r.h; y++)
        for (let x = r.x; x < r.x + r.w; x++) {
          const o = (y * this.width + x) * 4;
          this.s.frame[o] = r.rgb[0];
          this.s.frame[o + 1] = r.rgb[1];
          this.s.frame[o + 2] = r.rgb[2];
          this.s.frame[o + 3] = 255;
        }
    } else if ('serial' in e) {
      this.s.serial += e.serial;
      this.serial[e.port ?? 0]!.emit(Buffer.from(e.serial, 'latin1'));
    } else if ('print' in e) {
      this.s.printer += e.print;
      this.printer.emit(Buffer.from(e.print, 'latin1'));
    }
  }

  run(opts: RunOptions): RunResult {
    const start = this.s.insn;
    const limit = Math.min(
      opts.maxInstructions !== undefined ? start + opts.maxInstructions : Infinity,
      opts.maxVirtualMs !== undefined ? start + Math.round(opts.maxVirtualMs * IPS) : Infinity,
    );
    if (limit === Infinity && !opts.until) throw new Error('fake: unbounded run');
    const poll = opts.pollInstructions ?? 100_000;
    if (this.s.off) return { reason: 'power-off', instructions: 0 };
    for (;;) {
      const due = this.script.events.filter((e) => e.at > this.s.insn).map((e) => e.at);
      let next = Math.min(limit, this.s.insn + poll - (this.s.insn % poll), ...due, this.script.haltAt ?? Infinity);
      if (next <= this.s.insn) next = this.s.insn + 1;
      this.s.insn = Math.min(next, limit);
      let output = false;
      for (const e of this.script.events) {
        if (e.at === this.s.insn) {
          if ('powerOff' in e) {
            this.s.off = true;
            return { reason: 'power-off', instructions: this.s.insn - start, exitCode: e.exitCode };
          }
          this.apply(e);
          output = true;
        }
      }
      if (this.script.haltAt !== undefined && this.s.insn >= this.script.haltAt) return { reason: 'halted', instructions: this.s.insn - start };
      if (opts.until && (output || this.s.insn % poll === 0) && opts.until(this)) return { reason: 'until', instructions: this.s.insn - start };
      if (this.s.insn >= limit) return { reason: 'budget', instructions: this.s.insn - start };
    }
  }

  screen(): Frame {
    const f = Uint8Array.from(this.s.frame);
    // The text rows are drawn as a pixel per character code in the top rows so a text change changes the frame.
    this.s.rows.forEach((row, y) => {
      if (y >= this.height) return;
      for (let i = 0; i < row.length && i < this.width; i++) f[(y * this.width + i) * 4] = row.charCodeAt(i) & 0xff;
    });
    return { width: this.width, height: this.height, data: f };
  }

  text(): string {
    return this.s.rows.join('\n');
  }

  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify({ ...this.s, frame: Buffer.from(this.s.frame).toString('base64') }));
  }

  static fromSnapshot(script: FakeScript, bytes: Uint8Array): FakeMachine {
    const o = JSON.parse(Buffer.from(bytes).toString()) as FakeState & { frame: string };
    return new FakeMachine(script, { ...o, frame: Uint8Array.from(Buffer.from(o.frame, 'base64')) });
  }

  trace(): unknown[] {
    return [{ eip: this.s.insn, eax: 0 }];
  }

  dispose(): void {
    this.disposed = true;
  }
}

export function fakeFactory(script: FakeScript): MachineFactory & { created: MachineConfigInput[] } {
  const created: MachineConfigInput[] = [];
  return {
    created,
    create: async (config) => {
      created.push(config);
      return new FakeMachine(script);
    },
    restore: async (bytes) => FakeMachine.fromSnapshot(script, bytes),
  };
}
