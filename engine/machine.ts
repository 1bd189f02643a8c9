/**
 * The Machine API: the one seam between the engine and the harness.
 *
 * A Machine is a whole PC built from a validated MachineConfig: CPU, memory,
 * the devices (each registering its own ports, IRQs and memory ranges),
 * firmware and disks behind copy-on-write overlays. It runs synchronously
 * and deterministically: `run()` executes guest instructions until a stop
 * condition, and everything the guest can observe about time comes from the
 * virtual clock, so the same config and inputs give the same screens, logs
 * and instruction counts on any host.
 *
 * See docs/ARCHITECTURE.md for the member table and the data flow.
 */
import { readFileSync, existsSync } from 'node:fs';
import { IoBus } from './bus/io-bus.js';
import { PhysicalMemory } from './bus/physical-memory.js';
import { VirtualClock } from './clock/virtual-clock.js';
import { ByteChannel } from './byte-channel.js';
import { Translator, type TranslatorStats } from './cpu/jit/translator.js';
import { Cpu, type TraceEntry } from './cpu/cpu.js';
import type { Device, DeviceContext, DeviceState, StateValue } from './devices/device.js';
import { DualPic } from './devices/pic8259.js';
import { FpuErrorF0 } from './devices/fpu-error-f0.js';
import { Pit8254 } from './devices/pit8254.js';
import { SystemPort61 } from './devices/system-port-61.js';
import { RtcCmos } from './devices/rtc-cmos.js';
import { COM_PORTS, Uart16550 } from './devices/uart16550.js';
import { Dma8237 } from './devices/dma8237.js';
import { Fdc82077 } from './devices/fdc82077.js';
import { PciBus } from './devices/pci/pci-bus.js';
import { addI440fx, PAM0 } from './devices/pci/i440fx.js';
import type { PciFunction } from './devices/pci/pci-function.js';
import { Piix3Isa } from './devices/pci/piix3-isa.js';
import { VgaAdapter } from './devices/vga/vga.js';
import { DebugConsoleE9 } from './devices/debug-console-e9.js';
import { DebugExit } from './devices/debug-exit.js';
import { ParallelPort } from './devices/parallel-port.js';
import { PostCode80 } from './devices/post-code-80.js';
import { PowerOff } from './devices/power-off.js';
import { ResetControlCf9 } from './devices/reset-control-cf9.js';
import { SystemControl92 } from './devices/system-control-92.js';
import { I8042 } from './devices/i8042.js';
import { PiixIde } from './devices/ide/piix-ide.js';
import { FwCfg } from './devices/fw-cfg.js';
import { FloppyType, setCmosBootOrder, setCmosDiskTypes, setCmosEquipment, setCmosFloppies, setCmosMemory } from './devices/cmos-map.js';
import { PamShadow } from './bus/pam-shadow.js';
import { loadSeabios } from './firmware/seabios.js';
import { floppyGeometry } from './firmware/builtin/bios-disks.js';
import { parseChord, lookupKey } from './input/keys.js';
import { render, type Frame } from './display/render.js';
import { screenText } from './display/screen-text.js';
import type { BlockDevice } from './disk/block-device.js';
import { openImage } from './disk/open-image.js';
import { MemoryOverlay, openOverlay } from './disk/overlay.js';
import { EngineInputError } from './errors.js';
import { BuiltinBios } from './firmware/builtin/builtin-bios.js';
import { R, S, type BiosCpu } from './firmware/builtin/bios-cpu.js';
import { parseMachineConfig, type DiskSlot, type MachineConfig, type MachineConfigInput } from './machine-config.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot/snapshot-file.js';

export type { Frame } from './display/render.js';
export type { TraceEntry } from './cpu/cpu.js';
export type { MachineConfig, MachineConfigInput } from './machine-config.js';

export type StopReason = 'until' | 'budget' | 'halted' | 'power-off' | 'debug-exit' | 'triple-fault';

export interface RunOptions {
  /** Stop after this many retired instructions (in this call). */
  maxInstructions?: number;
  /** Stop once this much virtual time has passed (in this call). */
  maxVirtualMs?: number;
  /** Stop when this returns true; evaluated at deterministic points (see pollInstructions). */
  until?: (m: Machine) => boolean;
  /** Evaluate `until` every this many retired instructions (default 100,000) and after guest output. */
  pollInstructions?: number;
}

export interface RunResult {
  reason: StopReason;
  /** Instructions retired during this call. */
  instructions: number;
  /** Guest exit status for `debug-exit` ((value << 1) | 1, as QEMU's isa-debug-exit). */
  exitCode?: number;
}

const MB = 1024 * 1024;
const LFB_BASE = 0xe0000000;
const VRAM_BYTES = 16 * MB;
/** Virtual time devices get to finish their work after the CPU halts for good. */
const DRAIN_MS = 100;
const DISK_SLOTS: DiskSlot[] = ['fda', 'fdb', 'hda', 'hdb', 'cdrom'];

/**
 * Devices added after snapshot format version 1 was first written. A snapshot
 * without their state restores with them at power-on, which is what the
 * older machine behaved like (e.g. CF9h writes were ignored).
 */
const DEVICES_ADDED_LATER = new Set(['reset-control-cf9']);

export type MouseButton = 'left' | 'right' | 'middle';

/** Keyboard input by US key names (`Enter`, `ctrl+alt+del`, `F1`) and typed strings. */
export interface MachineKeyboard {
  /** Press and release a key or chord, e.g. `Enter`, `ctrl+c`, `shift+Tab`. */
  press(chord: string): void;
  /** Type a string (upper case and symbols get Shift; `\n` types Enter). */
  type(text: string): void;
  keyDown(name: string): void;
  keyUp(name: string): void;
}

/** A PS/2 mouse: relative motion and buttons. */
export interface MachineMouse {
  move(dx: number, dy: number): void;
  down(button: MouseButton): void;
  up(button: MouseButton): void;
  click(button?: MouseButton): void;
  wheel(dz: number): void;
}

const BUTTON_BITS: Record<MouseButton, number> = { left: 1, right: 2, middle: 4 };

export class Machine {
  readonly config: MachineConfig;
  readonly clock: VirtualClock;
  readonly memory: PhysicalMemory;
  readonly io = new IoBus();
  readonly cpu: Cpu;
  private translator: Translator | undefined;
  readonly serial: ByteChannel[] = [0, 1, 2, 3].map((i) => new ByteChannel(`com${i + 1}`));
  readonly printer = new ByteChannel('lpt1');
  readonly debugConsole = new ByteChannel('debugcon');
  /** Human-readable firmware/engine notes (boot device chosen, power-off), for logs and reports. */
  readonly log: string[] = [];

  private readonly devices: Device[] = [];
  private readonly pic: DualPic;
  private readonly vga: VgaAdapter;
  private readonly uarts: Uart16550[] = [];
  private readonly i8042: I8042;
  readonly keyboard: MachineKeyboard;
  readonly mouse: MachineMouse;
  private readonly bios: BuiltinBios | undefined;
  private readonly disks = new Map<DiskSlot, BlockDevice>();
  private readonly hostBridge: PciFunction;
  /** Shadow-RAM control for SeaBIOS (absent with the other firmwares, whose ROM is never shadowed). */
  private pam: PamShadow | undefined;
  private retired = 0;
  private stopState: { reason: StopReason; exitCode?: number } | undefined;
  private outputSinceCheck = false;
  private disposed = false;

  private constructor(config: MachineConfig) {
    this.config = config;
    this.clock = new VirtualClock(config.virtualMips * 1e6);
    this.memory = new PhysicalMemory(config.memoryMB * MB);
    const pic = new DualPic(this.context({ raise: () => {}, lower: () => {} }));
    this.pic = pic;
    const ctx = this.context(pic);
    this.devices.push(pic);

    for (const slot of DISK_SLOTS) {
      const disk = config[slot];
      if (disk === undefined) continue;
      if (!existsSync(disk.path)) throw new EngineInputError(`${disk.path}: image not found (--${slot})`, disk.path);
      this.disks.set(slot, slot === 'cdrom' ? openImage(disk.path, { readOnly: true }) : openOverlay(disk.path, { persist: disk.persist }));
    }

    const pit = new Pit8254(ctx);
    const dma = new Dma8237(ctx);
    this.add(pit, new SystemPort61(ctx, { pit }), dma);
    const rtc = new RtcCmos(ctx, { startTime: Date.parse(config.rtcStart) });
    this.add(rtc);
    COM_PORTS.forEach((p, i) => {
      const uart = new Uart16550(ctx, { base: p.base, irq: p.irq, name: p.name, onTransmit: (b) => this.output(this.serial[i], b) });
      this.serial[i].onInbound = () => {
        for (let b = this.serial[i].takeInbound(); b >= 0; b = this.serial[i].takeInbound()) uart.receive([b]);
      };
      this.uarts.push(uart);
      this.add(uart);
    });
    this.add(new Fdc82077(ctx, { dma, drives: [this.disks.get('fda'), this.disks.get('fdb')] }));

    const pci = new PciBus(ctx);
    this.add(pci);
    let pam: PamShadow | undefined;
    this.hostBridge = addI440fx(pci, { onPamChange: (index, value) => pam?.setPam(index, value) });
    new Piix3Isa(pci);
    const hda = this.disks.get('hda');
    const hdb = this.disks.get('hdb');
    const cdrom = this.disks.get('cdrom');
    this.add(
      new PiixIde(ctx, {
        pci,
        primaryMaster: hda === undefined ? undefined : { type: 'hd', disk: hda },
        primarySlave: hdb === undefined ? undefined : { type: 'hd', disk: hdb },
        secondaryMaster: cdrom === undefined ? undefined : { type: 'cdrom', media: cdrom },
      }),
    );
    this.vga = new VgaAdapter(ctx, { vramBytes: VRAM_BYTES, lfbBase: LFB_BASE });
    this.add(this.vga);
    const vgaPci = this.vga.pciFunction;
    pci.addFunction({
      device: 2,
      function: 0,
      vendorId: vgaPci.vendorId,
      deviceId: vgaPci.deviceId,
      classCode: vgaPci.classCode,
      revision: vgaPci.revision,
      subsystemVendorId: vgaPci.subsystemVendorId,
      subsystemId: vgaPci.subsystemId,
      command: 0x0003,
      // The firmware-assigned BAR moves the framebuffer; "decode nothing" (null) keeps it where it is.
      bars: [{ size: vgaPci.bar0.size, kind: 'mem', prefetchable: true, onMap: (base) => base !== null && base !== 0 && this.vga.setLfbBase(base) }],
    });
    // Assign BAR0 the way a PC BIOS would, so the LFB sits at the address VBE reports.
    pci.configWrite(0, 2, 0, 0x10, 4, LFB_BASE);
    this.i8042 = new I8042(ctx, { onReset: () => this.resetSystem('8042 reset line') });
    this.add(this.i8042);
    this.keyboard = this.makeKeyboard();
    this.mouse = this.makeMouse();
    this.add(
      new ParallelPort(ctx, { onPrint: (b) => this.output(this.printer, b) }),
      new DebugConsoleE9(ctx, { onByte: (b) => this.output(this.debugConsole, b) }),
      new PostCode80(ctx),
      new SystemControl92(ctx, { onReset: () => this.resetSystem('port 92h fast reset') }),
      new ResetControlCf9(ctx, { onReset: (kind) => (kind === 'hard' ? this.resetSystem('CF9h hard reset') : this.initCpu('CF9h soft reset')) }),
      new PowerOff(ctx, {
        onPowerOff: (source) => {
          this.log.push(`power off (${source})`);
          this.stop('power-off');
        },
      }),
    );
    if (config.debugExit) this.add(new DebugExit(ctx, { onExit: (status) => this.stop('debug-exit', status) }));

    this.cpu = new Cpu({ model: config.cpuModel, memory: this.memory, io: this.io, clock: this.clock, interrupts: pic });
    // Translator tier (engine/cpu/jit): same results as the interpreter, compiled hot regions.
    if (config.cpu === 'jit') this.cpu.translator = this.translator = new Translator(this.cpu);
    this.cpu.onTripleFault = () => this.stop('triple-fault');
    if (this.cpu.hasFpu) {
      const cpu = this.cpu;
      const fpuError = new FpuErrorF0(ctx, { onClear: () => (cpu.fpu.ignne = cpu.ferr) });
      cpu.onFerr = (on) => fpuError.ferr(on);
      this.add(fpuError);
    }

    const fw = config.firmware;
    if (fw.kind === 'builtin') {
      this.bios = new BuiltinBios({
        memory: this.memory,
        io: this.io,
        clock: this.clock,
        ramBytes: config.memoryMB * MB,
        disks: {
          fda: this.disks.get('fda'),
          fdb: this.disks.get('fdb'),
          hda: this.disks.get('hda'),
          hdb: this.disks.get('hdb'),
          cdrom: this.disks.get('cdrom'),
        },
        bootOrder: config.bootOrder,
        lfbBase: LFB_BASE,
        vramBytes: VRAM_BYTES,
        rtcStartMs: Date.parse(config.rtcStart),
        onPowerOff: () => this.stop('power-off'),
        onReset: () => this.resetSystem('BIOS reboot'),
        log: (line) => this.log.push(line),
        fpu: this.cpu.hasFpu,
      });
      this.bios.attachCpu(biosView(this.cpu));
      this.devices.push(this.bios);
    } else if (fw.kind === 'rom') {
      this.loadSystemRom(fw.path);
    } else {
      const images = loadSeabios(fw.dir);
      const bios = images.bios;
      this.memory.mapRom('bios-high', 0x100000000 - bios.length, bios);
      // The low 128 KiB of the first MiB show the top of the image, shadowed per PAM.
      pam = new PamShadow(this.memory, bios.subarray(Math.max(0, bios.length - 0x20000)));
      this.pam = pam;
      const fwcfg = new FwCfg(ctx, { ramBytes: config.memoryMB * MB });
      fwcfg.addFile('vgaroms/vgabios-stdvga.bin', images.vgaBios);
      fwcfg.addFile('etc/boot-fail-wait', Uint8Array.of(0, 0, 0, 0));
      this.add(fwcfg);
      this.log.push(`firmware: SeaBIOS from ${images.biosPath}`);
    }
    this.fillCmos(rtc);
    this.cpu.reset();
  }

  /** Build a machine from a config (validated here; bad input raises EngineInputError). */
  static async create(config: MachineConfigInput | MachineConfig, source = 'machine config'): Promise<Machine> {
    return new Machine(parseMachineConfig(config, source));
  }

  /** What a PC's setup utility would have stored: memory sizes, drives, boot order (IBM AT CMOS map). */
  private fillCmos(rtc: RtcCmos): void {
    const ramBytes = this.config.memoryMB * MB;
    setCmosMemory(rtc, ramBytes);
    const floppyType = (slot: 'fda' | 'fdb'): FloppyType => {
      const d = this.disks.get(slot);
      return d === undefined ? FloppyType.None : ((floppyGeometry(d.sectorCount * 512)?.type ?? FloppyType.M1_44) as FloppyType);
    };
    setCmosFloppies(rtc, floppyType('fda'), floppyType('fdb'));
    setCmosEquipment(rtc, { fpu: this.cpu.hasFpu });
    setCmosDiskTypes(rtc, this.disks.has('hda') ? 47 : 0, this.disks.has('hdb') ? 47 : 0);
    setCmosBootOrder(rtc, this.config.bootOrder.slice(0, 3), false);
  }

  private context(irq: DeviceContext['irq']): DeviceContext {
    return { io: this.io, memory: this.memory, clock: this.clock, irq };
  }

  private add(...devices: Device[]): void {
    this.devices.push(...devices);
  }

  /** A raw system ROM (64–256 KiB) at the top of the first MiB and of 4 GiB. */
  private loadSystemRom(path: string): void {
    if (!existsSync(path)) throw new EngineInputError(`${path}: firmware file not found`, path);
    const rom = readFileSync(path);
    if (rom.length < 0x10000 || rom.length > 0x40000 || rom.length % 0x1000 !== 0) {
      throw new EngineInputError(`${path}: a system ROM must be 64–256 KiB in whole 4 KiB pages (got ${rom.length} bytes)`, path);
    }
    const low = rom.subarray(Math.max(0, rom.length - 0x20000));
    this.memory.mapRom('system-rom', 0x100000 - low.length, low);
    this.memory.mapRom('system-rom-high', 0x100000000 - rom.length, rom);
  }

  private makeKeyboard(): MachineKeyboard {
    const kbc = this.i8042;
    return {
      press: (chord) => {
        for (const e of parseChord(chord)) (e.down ? kbc.keyDown(e.key) : kbc.keyUp(e.key));
      },
      type: (text) => kbc.typeString(text),
      keyDown: (name) => kbc.keyDown(lookupKey(name).key),
      keyUp: (name) => kbc.keyUp(lookupKey(name).key),
    };
  }

  private makeMouse(): MachineMouse {
    const kbc = this.i8042;
    // The held buttons live in the PS/2 mouse alone (saved with its state), so a
    // restored snapshot continues with the same buttons down.
    const held = (): number => kbc.mouse.buttonMask;
    return {
      move: (dx, dy) => kbc.mouseMove(dx, dy),
      down: (b) => kbc.mouseButtons(held() | BUTTON_BITS[b]),
      up: (b) => kbc.mouseButtons(held() & ~BUTTON_BITS[b]),
      click: (b = 'left') => {
        kbc.mouseButtons(held() | BUTTON_BITS[b]);
        kbc.mouseButtons(held() & ~BUTTON_BITS[b]);
      },
      wheel: (dz) => kbc.mouseWheel(dz),
    };
  }

  private output(channel: ByteChannel, byte: number): void {
    channel.emitByte(byte);
    this.outputSinceCheck = true;
  }

  private stop(reason: StopReason, exitCode?: number): void {
    this.stopState = exitCode === undefined ? { reason } : { reason, exitCode };
    this.cpu.stopRequested = true;
  }

  /**
   * The reset line (8042 pulse, port 92h, CF9h hard reset, Ctrl+Alt+Del, a
   * triple fault): CPU and devices to power-on state, RAM kept. The machine
   * reboots and keeps running, as a PC does; the log records why.
   */
  private resetSystem(source: string): void {
    for (const d of this.devices) d.reset();
    // The A20 gate comes out of reset enabled, as at power-on (8042 output port bit 1 set); SeaBIOS
    // runs from the top of 4 GiB after a reset and needs it.
    this.memory.setA20(true);
    this.syncPam();
    this.cpu.reset();
    this.cpu.stopRequested = true;
    this.log.push(`system reset (${source})`);
  }

  /**
   * Make the shadow-RAM mapping follow the i440FX PAM registers after they
   * changed without a configuration write: a reset (PAM back to 00h, so the
   * BIOS runs from ROM again, 82441FX datasheet §3.2.18) or a snapshot restore.
   */
  private syncPam(): void {
    const pam = this.pam;
    if (pam === undefined) return;
    for (let i = 0; i < 7; i++) pam.setPam(i, this.hostBridge.config[PAM0 + i]);
  }

  /** A soft reset (the CPU's INIT): the processor restarts at the reset vector, devices keep their state. */
  private initCpu(source: string): void {
    this.cpu.reset();
    this.cpu.stopRequested = true;
    this.log.push(`CPU reset (${source})`);
  }

  // ---- running --------------------------------------------------------------------

  get instructions(): number {
    return this.retired;
  }

  get virtualTimeMs(): number {
    return this.clock.nowMs;
  }

  /** The translator tier's counters (regions compiled, compile time, instructions run translated); undefined under `cpu: 'interp'`. */
  get translatorStats(): Readonly<TranslatorStats> | undefined {
    return this.translator?.stats;
  }

  run(opts: RunOptions = {}): RunResult {
    this.checkAlive();
    const clock = this.clock;
    const budget = opts.maxInstructions ?? Infinity;
    const tickLimit = opts.maxVirtualMs === undefined ? Infinity : clock.ticks + clock.msToTicks(opts.maxVirtualMs);
    const poll = Math.max(1, opts.pollInstructions ?? 100_000);
    const start = this.retired;
    let nextPoll = start + poll;
    let idleChecked = false;
    const finish = (reason: StopReason, exitCode?: number): RunResult => {
      // The condition gets a last look when the machine stops for another reason.
      if (reason !== 'until' && opts.until?.(this)) reason = 'until';
      const r: RunResult = { reason, instructions: this.retired - start };
      if (exitCode !== undefined) r.exitCode = exitCode;
      return r;
    };
    if (opts.until?.(this)) return finish('until');
    for (;;) {
      if (this.stopState !== undefined) {
        const s = this.stopState;
        if (s.reason !== 'triple-fault') return finish(s.reason, s.exitCode);
        this.stopState = undefined;
        this.resetSystem('triple fault');
        return finish('triple-fault');
      }
      const done = this.retired - start;
      if (done >= budget) return finish('budget');
      if (clock.ticks >= tickLimit) return finish('budget');
      const interruptsOn = (this.cpu.getFlags() & 0x200) !== 0;
      if (this.cpu.halted && !(interruptsOn && this.pic.hasInterrupt())) {
        // The guest went idle (typically waiting for input): a good moment to
        // look at the stop condition, so a wait for a prompt ends when the
        // prompt is up rather than at the next poll boundary, which an idle
        // guest may take minutes of virtual time to reach. Once per idle
        // stretch, at a point fixed by guest state, so still deterministic.
        if (!idleChecked) {
          idleChecked = true;
          if (opts.until?.(this)) return finish('until');
        }
        // Nothing runs until the next timer: jump virtual time there. With IF
        // clear (CLI; HLT) or no timer pending, nothing can ever wake the CPU.
        const deadline = clock.nextDeadline();
        if (!interruptsOn || deadline === Infinity) {
          this.drainDevices(tickLimit);
          return finish('halted');
        }
        if (deadline > tickLimit) {
          clock.ticks = tickLimit;
          return finish('budget');
        }
        clock.ticks = deadline;
        clock.fireDue();
        continue;
      }
      const slice = Math.max(1, Math.min(budget - done, nextPoll - this.retired, tickLimit - clock.ticks));
      const ran = this.cpu.run(slice);
      if (ran > 0) idleChecked = false;
      this.retired += ran;
      if (this.retired >= nextPoll || this.outputSinceCheck) {
        this.outputSinceCheck = false;
        while (nextPoll <= this.retired) nextPoll += poll;
        if (opts.until?.(this)) return finish('until');
      }
    }
  }

  /**
   * The CPU has stopped for good (CLI; HLT), but devices keep working as on a
   * real PC: let their timers run for a fixed stretch of virtual time so a
   * UART or printer finishes what the guest handed it. Fixed, so deterministic.
   */
  private drainDevices(tickLimit: number): void {
    const clock = this.clock;
    const end = Math.min(tickLimit, clock.ticks + clock.msToTicks(DRAIN_MS));
    for (let deadline = clock.nextDeadline(); deadline <= end; deadline = clock.nextDeadline()) {
      clock.ticks = deadline;
      clock.fireDue();
    }
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('machine has been disposed');
  }

  // ---- screen -----------------------------------------------------------------------

  /** The current frame (RGBA). The data is a fresh copy the caller may keep. */
  screen(): Frame {
    const f = render(this.vga);
    return { width: f.width, height: f.height, data: f.data.slice() };
  }

  /** The text of a text-mode screen, rows joined by newlines; '' in graphics modes. */
  text(): string {
    return screenText(this.vga);
  }

  /** Last instructions with registers (enable with `enableTrace`). */
  trace(): TraceEntry[] {
    return this.cpu.trace();
  }

  enableTrace(count = 200): void {
    this.cpu.enableTrace(count);
  }

  // ---- snapshots ------------------------------------------------------------------------

  snapshot(): Uint8Array {
    const devices: { [name: string]: StateValue } = {};
    for (const d of this.devices) devices[d.name] = d.saveState();
    const disks: { [slot: string]: StateValue } = {};
    for (const [slot, dev] of this.disks) {
      if (dev instanceof MemoryOverlay) disks[slot] = dev.saveState();
    }
    const channels: { [name: string]: StateValue } = {};
    for (const ch of [...this.serial, this.printer, this.debugConsole]) channels[ch.name] = ch.saveState();
    return encodeSnapshot({
      config: JSON.parse(JSON.stringify(this.config)) as StateValue,
      ticks: this.clock.ticks,
      retired: this.retired,
      cpu: this.cpu.saveState(),
      ram: this.memory.ram.slice(),
      a20: this.memory.a20Enabled,
      devices,
      disks,
      channels,
      log: this.log.slice(),
    });
  }

  /** A new machine continuing exactly where `snapshot()` left off. */
  static async restore(data: Uint8Array, source = 'snapshot'): Promise<Machine> {
    const s = decodeSnapshot(data, source);
    const m = new Machine(parseMachineConfig(s.config, `${source} (machine config)`));
    m.clock.reset();
    m.clock.ticks = s.ticks as number;
    m.retired = s.retired as number;
    m.memory.ram.set(s.ram as Uint8Array);
    m.memory.setA20(s.a20 as boolean);
    const devices = s.devices as { [name: string]: DeviceState };
    for (const d of m.devices) {
      const state = devices[d.name];
      if (state === undefined) {
        // Snapshots written before a device existed keep it in its power-on state.
        if (DEVICES_ADDED_LATER.has(d.name)) continue;
        throw new EngineInputError(`${source}: no saved state for device ${d.name}`, source);
      }
      d.loadState(state);
    }
    m.syncPam();
    m.cpu.loadState(s.cpu as DeviceState);
    const disks = s.disks as { [slot: string]: Uint8Array };
    for (const [slot, dev] of m.disks) {
      const state = disks[slot];
      if (state !== undefined && dev instanceof MemoryOverlay) dev.loadState(state);
    }
    const channels = s.channels as { [name: string]: { output: Uint8Array; inbound: Uint8Array } };
    for (const ch of [...m.serial, m.printer, m.debugConsole]) {
      const state = channels[ch.name];
      if (state !== undefined) ch.loadState(state);
    }
    m.log.push(...(s.log as string[]));
    return m;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disks.values()) d.close();
  }
}

/** The BIOS's narrow view of the CPU (see firmware/builtin/bios-cpu.ts). */
function biosView(cpu: Cpu): BiosCpu {
  return {
    get32: (r: R) => cpu.r[r],
    set32: (r: R, v: number) => {
      cpu.r[r] = v >>> 0;
    },
    getSeg: (s: S) => cpu.seg[s],
    setSegReal: (s: S, v: number) => {
      cpu.seg[s] = v & 0xffff;
      cpu.segBase[s] = (v & 0xffff) << 4;
    },
    getIp: () => cpu.eip,
    getFlags: () => cpu.getFlags(),
    setFlags: (v: number) => cpu.setFlags(v, 2, true),
  };
}
