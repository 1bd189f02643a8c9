/**
 * The built-in BIOS: a PC/AT-compatible firmware implemented on the host.
 *
 * The ROM (bios-rom.ts) only holds trap stubs and fixed tables; POST and
 * every service run here in TypeScript when a stub executes `OUT TRAP, AL`.
 * The trap handler finds the service from CS:IP, so a stray write to the
 * trap port from anywhere else is ignored.
 *
 * POST programs the PICs, the PIT, the keyboard controller and the VGA
 * through their I/O ports (the same paths a real BIOS uses), fills the IVT
 * and the BIOS data area, prints a banner, and boots from the configured
 * order: floppy (sector 0), hard disk (MBR with 55AAh), CD-ROM (El Torito
 * no-emulation image).
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { PhysicalMemory } from '../../bus/physical-memory.js';
import type { VirtualClock } from '../../clock/virtual-clock.js';
import type { Device, DeviceState } from '../../devices/device.js';
import { cp437Font } from '../fonts/cp437-font.js';
import { BiosCall } from './bios-call.js';
import { R, S, type BiosCpu } from './bios-cpu.js';
import { cdDrive, floppyDrive, hardDrive, type BiosDrive } from './bios-disks.js';
import { BDA, BdaOff, TICKS_PER_DAY } from './bda.js';
import {
  DISKETTE_PARAMS,
  FONT_8X8_HIGH,
  FONT_8X16,
  POST_ENTRY,
  ROM_BASE,
  ROM_SEGMENT,
  SLOT_BASE,
  SLOT_SIZE,
  TRAP_PORT,
  buildRom,
  type StubKind,
} from './bios-rom.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { int13, type DiskServiceHost } from './int13-disk.js';
import { KeyboardBios } from './int16-keyboard.js';
import { int1a, irq0 } from './int1a-time.js';
import { SystemBios } from './int15-system.js';
import { VideoBios } from './int10-video.js';

export type BootDevice = 'floppy' | 'disk' | 'cdrom';

export interface BuiltinBiosOptions {
  memory: PhysicalMemory;
  io: IoBus;
  clock: VirtualClock;
  ramBytes: number;
  disks: { fda?: BlockDevice; fdb?: BlockDevice; hda?: BlockDevice; hdb?: BlockDevice; cdrom?: BlockDevice };
  bootOrder: BootDevice[];
  lfbBase: number;
  vramBytes: number;
  /** Wall-clock instant of power-on, to seed the BIOS tick count like a BIOS reading the RTC. */
  rtcStartMs: number;
  onPowerOff: () => void;
  onReset: () => void;
  /** Diagnostics (e.g. "Booting from floppy") for the machine's log. */
  log?: (line: string) => void;
  /** The CPU has an x87 FPU: equipment word bit 1 (INT 11h). */
  fpu?: boolean;
}

/** The services behind the stubs, in slot order. */
type Service =
  | 'default'
  | 'irq-master'
  | 'irq-slave'
  | 'timer'
  | 'keyboard'
  | 'floppy-irq'
  | 'int10'
  | 'int11'
  | 'int12'
  | 'int13'
  | 'int14'
  | 'int15'
  | 'int16'
  | 'int17'
  | 'int18'
  | 'int19'
  | 'int1a'
  | 'fpu-irq';

const SLOTS: [Service, StubKind][] = [
  ['default', 'iret'],
  ['irq-master', 'service'],
  ['irq-slave', 'service'],
  ['timer', 'timer'],
  ['keyboard', 'service'],
  ['floppy-irq', 'service'],
  ['int10', 'service'],
  ['int11', 'service'],
  ['int12', 'service'],
  ['int13', 'service'],
  ['int14', 'service'],
  ['int15', 'service'],
  ['int16', 'service'],
  ['int17', 'poll'],
  ['int18', 'halt'],
  ['int19', 'boot'],
  ['int1a', 'service'],
  ['fpu-irq', 'service'],
];

const slotOf = (s: Service): number => SLOTS.findIndex(([name]) => name === s);
const slotAddr = (s: Service): number => SLOT_BASE + slotOf(s) * SLOT_SIZE;

/** The EBDA takes the top 1 KiB of conventional memory. */
const EBDA_BASE = 0x9fc00;

export class BuiltinBios implements Device, DiskServiceHost {
  readonly name = 'builtin-bios';
  readonly rom: Uint8Array;
  private cpu: BiosCpu | undefined;
  private readonly drives = new Map<number, BiosDrive>();
  private readonly keyboard: KeyboardBios;
  private readonly system: SystemBios;
  readonly video: VideoBios;
  private cdBoot: { bootDrive: number; loadSegment: number; lba: number; sectors: number } | undefined;
  /** Virtual-time tick at which a waiting INT 17h AH=00h gives up; -1 when not waiting. */
  private printerDeadline = -1;

  constructor(private readonly o: BuiltinBiosOptions) {
    const fonts = { f8: cp437Font(8), f14: cp437Font(14), f16: cp437Font(16) };
    this.rom = buildRom(
      SLOTS.map(([, kind]) => kind),
      fonts,
    );
    const vbe = VideoBios.vbeRomData();
    this.rom.set(vbe.bytes, vbe.offset);
    o.memory.mapRom('bios', ROM_BASE, this.rom);
    // The 80386+ reset vector is FFFFFFF0h: the same ROM is mirrored at the top of 4 GiB.
    o.memory.mapRom('bios-high', 0x100000000 - this.rom.length, this.rom);
    o.io.register('bios-trap', TRAP_PORT, 1, { write8: () => this.trap() });
    this.keyboard = new KeyboardBios(o.io, o.memory, o.onReset);
    this.system = new SystemBios({
      ramBytes: o.ramBytes,
      ebdaBase: EBDA_BASE,
      clock: o.clock,
      setA20: (on) => o.memory.setA20(on),
      a20: () => o.memory.a20Enabled,
      powerOff: o.onPowerOff,
    });
    this.video = new VideoBios(o.io, o.memory, fonts, o.lfbBase, o.vramBytes);
    const d = o.disks;
    const add = (drive: BiosDrive | undefined): void => {
      if (drive !== undefined) this.drives.set(drive.number, drive);
    };
    if (d.fda) add(floppyDrive(0x00, d.fda));
    if (d.fdb) add(floppyDrive(0x01, d.fdb));
    if (d.hda) add(hardDrive(0x80, d.hda));
    if (d.hdb) add(hardDrive(d.hda ? 0x81 : 0x80, d.hdb));
    if (d.cdrom) add(cdDrive(0xe0, d.cdrom));
  }

  /** The CPU is built after the firmware's ROM is mapped; it is attached here. */
  attachCpu(cpu: BiosCpu): void {
    this.cpu = cpu;
  }

  reset(): void {
    this.cdBoot = undefined;
    this.printerDeadline = -1;
  }

  saveState(): DeviceState {
    const cd = this.cdBoot;
    return {
      video: this.video.saveState(),
      system: this.system.saveState(),
      cdBoot: cd === undefined ? null : { ...cd },
      printerDeadline: this.printerDeadline,
    };
  }

  loadState(s: DeviceState): void {
    this.video.loadState(s.video as { vbeMode: number });
    this.system.loadState(s.system as { waitUntil: number });
    this.cdBoot = (s.cdBoot as BuiltinBios['cdBoot'] | null) ?? undefined;
    // Snapshots from before the printer wait was tracked hold no deadline: not waiting.
    this.printerDeadline = (s.printerDeadline as number | undefined) ?? -1;
  }

  // ---- DiskServiceHost ----------------------------------------------------------

  drive(number: number): BiosDrive | undefined {
    return this.drives.get(number);
  }
  floppyCount(): number {
    return (this.drives.has(0) ? 1 : 0) + (this.drives.has(1) ? 1 : 0);
  }
  hardDiskCount(): number {
    return (this.drives.has(0x80) ? 1 : 0) + (this.drives.has(0x81) ? 1 : 0);
  }
  cdBootInfo(): { bootDrive: number; loadSegment: number; lba: number; sectors: number } | undefined {
    return this.cdBoot;
  }

  // ---- trap dispatch -------------------------------------------------------------

  private trap(): void {
    const cpu = this.cpu;
    if (cpu === undefined || cpu.getSeg(S.CS) !== ROM_SEGMENT) return;
    const ip = cpu.getIp();
    if (ip === POST_ENTRY + 2) return this.post(cpu);
    const slot = Math.floor((ip - SLOT_BASE) / SLOT_SIZE);
    const entry = SLOTS[slot];
    if (entry === undefined || ip - SLOT_BASE - slot * SLOT_SIZE !== 2) return;
    const c = new BiosCall(cpu, this.o.memory);
    const io = this.o.io;
    switch (entry[0]) {
      case 'irq-master':
        io.write8(0x20, 0x20);
        return c.done();
      case 'irq-slave':
        io.write8(0xa0, 0x20);
        io.write8(0x20, 0x20);
        return c.done();
      case 'fpu-irq':
        // INT 75h (IRQ13, x87 error with CR0.NE = 0): clear the coprocessor error latch at
        // port F0h (which lets the waiting x87 instruction proceed, see fpu-error-f0.ts) and
        // acknowledge. An AT BIOS then also issues INT 02h for old software; we do not.
        io.write8(0xf0, 0);
        io.write8(0xa0, 0x20);
        io.write8(0x20, 0x20);
        return c.done();
      case 'timer':
        return irq0(io, this.o.memory);
      case 'keyboard':
        this.keyboard.irq1();
        return c.done();
      case 'floppy-irq':
        this.o.memory.write8(BDA + BdaOff.floppyRecal, this.o.memory.read8(BDA + BdaOff.floppyRecal) | 0x80);
        io.write8(0x20, 0x20);
        return c.done();
      case 'int10':
        return this.video.int10(c);
      case 'int11':
        c.ax = this.o.memory.read16(BDA + BdaOff.equipment);
        return c.done();
      case 'int12':
        c.ax = this.o.memory.read16(BDA + BdaOff.memoryKb);
        return c.done();
      case 'int13':
        int13(c, this);
        return c.done();
      case 'int14':
        return this.serial(c);
      case 'int15':
        return this.system.int15(c);
      case 'int16':
        return this.keyboard.int16(c);
      case 'int17':
        return this.printer(c);
      case 'int18':
        this.video.writeString('\r\nNo bootable device.\r\n');
        this.o.log?.('no bootable device');
        return;
      case 'int19':
        return this.boot(cpu);
      case 'int1a':
        return int1a(c, io);
      case 'default':
        return;
    }
  }

  // ---- POST --------------------------------------------------------------------------

  private post(cpu: BiosCpu): void {
    const { memory: mem, io } = this.o;
    for (let a = 0; a < 0x500; a++) mem.write8(a, 0);
    for (let a = EBDA_BASE; a < EBDA_BASE + 0x400; a++) mem.write8(a, 0);
    mem.write8(EBDA_BASE, 1); // EBDA size in KiB

    // Interrupt vector table: every vector to an IRET, then the services.
    const vec = (n: number, off: number, seg = ROM_SEGMENT): void => {
      mem.write16(n * 4, off);
      mem.write16(n * 4 + 2, seg);
    };
    for (let n = 0; n < 256; n++) vec(n, slotAddr('default'));
    for (let n = 0x08; n <= 0x0f; n++) vec(n, slotAddr('irq-master'));
    for (let n = 0x70; n <= 0x77; n++) vec(n, slotAddr('irq-slave'));
    if (this.o.fpu === true) vec(0x75, slotAddr('fpu-irq'));
    vec(0x08, slotAddr('timer'));
    vec(0x09, slotAddr('keyboard'));
    vec(0x0e, slotAddr('floppy-irq'));
    vec(0x10, slotAddr('int10'));
    vec(0x11, slotAddr('int11'));
    vec(0x12, slotAddr('int12'));
    vec(0x13, slotAddr('int13'));
    vec(0x40, slotAddr('int13')); // diskette services when a hard disk takes over INT 13h
    vec(0x14, slotAddr('int14'));
    vec(0x15, slotAddr('int15'));
    vec(0x16, slotAddr('int16'));
    vec(0x17, slotAddr('int17'));
    vec(0x18, slotAddr('int18'));
    vec(0x19, slotAddr('int19'));
    vec(0x1a, slotAddr('int1a'));
    vec(0x1e, DISKETTE_PARAMS);
    vec(0x1f, FONT_8X8_HIGH);
    vec(0x43, FONT_8X16);
    vec(0x1d, 0, 0);
    vec(0x41, 0, 0);
    vec(0x46, 0, 0);

    // BIOS data area.
    const w16 = (off: number, v: number): void => mem.write16(BDA + off, v);
    const w8 = (off: number, v: number): void => mem.write8(BDA + off, v);
    [0x3f8, 0x2f8, 0x3e8, 0x2e8].forEach((p, i) => w16(BdaOff.comPorts + i * 2, p));
    w16(BdaOff.lptPorts, 0x378);
    w16(BdaOff.ebdaSegment, EBDA_BASE >>> 4);
    const floppies = this.floppyCount();
    // Equipment word: diskettes present + count, math coprocessor, 80×25 colour, 4 serial ports, 1 printer.
    w16(BdaOff.equipment, (floppies > 0 ? 0x0001 | ((floppies - 1) << 6) : 0) | (this.o.fpu === true ? 0x0002 : 0) | 0x0020 | (4 << 9) | (1 << 14));
    w16(BdaOff.memoryKb, EBDA_BASE >>> 10);
    w16(BdaOff.kbdHead, 0x1e);
    w16(BdaOff.kbdTail, 0x1e);
    w16(BdaOff.kbdBufStart, 0x1e);
    w16(BdaOff.kbdBufEnd, 0x3e);
    w8(BdaOff.kbdFlags2, 0x10); // enhanced keyboard installed
    w8(BdaOff.hdCount, this.hardDiskCount());
    for (let i = 0; i < 3; i++) w8(BdaOff.lptTimeout + i, 0x14);
    for (let i = 0; i < 4; i++) w8(BdaOff.comTimeout + i, 0x01);
    // Ticks since midnight from the configured RTC start (18.2065 Hz: 1,193,182 / 65,536).
    const msOfDay = this.o.rtcStartMs - Math.floor(this.o.rtcStartMs / 86_400_000) * 86_400_000;
    mem.write32(BDA + BdaOff.ticks, Math.min(TICKS_PER_DAY - 1, Math.floor((msOfDay * 1_193_182) / 65_536 / 1000)));

    // 8259 pair: edge-triggered, cascaded, master vectors 08h–0Fh, slave 70h–77h (ICW1–ICW4).
    io.write8(0x20, 0x11);
    io.write8(0x21, 0x08);
    io.write8(0x21, 0x04);
    io.write8(0x21, 0x01);
    io.write8(0xa0, 0x11);
    io.write8(0xa1, 0x70);
    io.write8(0xa1, 0x02);
    io.write8(0xa1, 0x01);
    io.write8(0x21, 0xb8); // unmask IRQ0 timer, 1 keyboard, 2 cascade, 6 floppy
    io.write8(0xa1, 0x8f); // unmask IRQ12 mouse, 13 FPU, 14 IDE — all handled by EOI stubs
    // 8237 pair (IBM PC/AT Technical Reference, "DMA controller"): master clear
    // both, then put DMA2 channel 4 in cascade mode (mode register C0h) and
    // unmask it, since DMA1 (channels 0–3: floppy, sound cards) reaches the bus
    // only through it. Channels 0–3 and 5–7 stay masked until a driver
    // programs them.
    io.write8(0x0d, 0x00);
    io.write8(0xda, 0x00);
    io.write8(0xd6, 0xc0);
    io.write8(0xd4, 0x00);
    // Floppy digital output register (82077AA §2.1.3): 0Ch = out of reset
    // (bit 2), DMA and IRQ 6 gate on (bit 3), drive 0 selected, motors off.
    // Leaving reset makes the controller raise IRQ 6, which the floppy IRQ
    // stub records in the BDA's recalibrate byte as a PC BIOS does.
    io.write8(0x3f2, 0x0c);
    // 8254 channel 0: mode 3, divisor 65536 → 18.2 Hz.
    io.write8(0x43, 0x36);
    io.write8(0x40, 0x00);
    io.write8(0x40, 0x00);
    // 8042: keyboard interface on, translation to set 1, IRQ 1; mouse port off.
    io.write8(0x64, 0x60);
    io.write8(0x60, 0x65);
    // No flush of the output buffer: the keyboard has nothing of its own to
    // report at power-on, so anything waiting there is keys the host typed
    // early, and those must reach INT 16h. Such a byte raised IRQ 1 before
    // the PIC initialisation above, which clears the edge latch (8259A
    // datasheet, ICW1), so no interrupt will ever come for it: take it into
    // the BIOS buffer here. Reading port 60h lets the 8042 load the next
    // byte, whose rising IRQ 1 edge the initialised PIC then sees.
    if ((io.read8(0x64) & 0x21) === 0x01) this.keyboard.irq1();

    // Serial ports: 9600 baud 8N1 (divisor 12), FIFOs on, so a guest that writes without
    // programming the UART gets readable output at a realistic rate.
    for (const base of [0x3f8, 0x2f8, 0x3e8, 0x2e8]) {
      io.write8(base + 3, 0x80);
      io.write8(base, 12);
      io.write8(base + 1, 0);
      io.write8(base + 3, 0x03);
      io.write8(base + 2, 0x07);
      io.write8(base + 4, 0x03);
    }
    this.video.setMode(0x03);
    this.video.writeString('compat-lab BIOS\r\n');
    this.video.writeString(`${Math.floor(this.o.ramBytes / 1024)} KiB RAM\r\n\r\n`);

    // Boot with SS:SP below the boot sector, DS=ES=0 and interrupts on.
    cpu.setSegReal(S.SS, 0);
    cpu.set32(R.SP, 0x7c00);
    cpu.setSegReal(S.DS, 0);
    cpu.setSegReal(S.ES, 0);
    cpu.setFlags(cpu.getFlags() | 0x0200);
  }

  // ---- INT 19h: bootstrap --------------------------------------------------------------

  /** Load a boot sector to 0000:7C00 and set DL; live CF tells the stub whether to jump or give up (INT 18h). */
  private boot(cpu: BiosCpu): void {
    const mem = this.o.memory;
    const sector = new Uint8Array(2048);
    const fail = (): void => cpu.setFlags(cpu.getFlags() | 0x0001);
    for (const dev of this.o.bootOrder) {
      if (dev === 'floppy' || dev === 'disk') {
        const drive = this.drives.get(dev === 'floppy' ? 0x00 : 0x80);
        if (drive === undefined) continue;
        drive.dev.read(0, 1, sector, 0);
        // Hard disks need the 55AAh signature; many old diskettes lack it, so a non-empty sector is enough there.
        const signed = sector[510] === 0x55 && sector[511] === 0xaa;
        if (dev === 'disk' ? !signed : sector.every((b) => b === 0) || sector[0] === 0xf6) continue;
        for (let i = 0; i < 512; i++) mem.write8(0x7c00 + i, sector[i]);
        this.o.log?.(`booting from ${dev === 'floppy' ? 'floppy' : 'hard disk'}`);
        return this.jumpToBootSector(cpu, drive.number);
      }
      const cd = this.drives.get(0xe0);
      if (cd === undefined) continue;
      if (this.loadElTorito(cd)) {
        this.o.log?.('booting from CD-ROM (El Torito, no emulation)');
        return this.jumpToBootSector(cpu, 0xe0);
      }
    }
    this.video.writeString('No bootable device found.\r\n');
    fail();
  }

  private jumpToBootSector(cpu: BiosCpu, driveNumber: number): void {
    cpu.set32(R.DX, driveNumber);
    cpu.setSegReal(S.DS, 0);
    cpu.setSegReal(S.ES, 0);
    // CF clear tells the stub to jump; the boot sector starts with interrupts on, as on a PC/AT.
    cpu.setFlags((cpu.getFlags() & ~0x0001) | 0x0200);
  }

  /**
   * El Torito (Bootable CD-ROM Format Specification 1.0): the boot record
   * volume descriptor at sector 17 points to the boot catalog; its initial
   * entry gives the load segment, sector count (512-byte units) and image LBA.
   * Only no-emulation images are supported; they are loaded to 0000:7C00.
   */
  private loadElTorito(cd: BiosDrive): boolean {
    const blocks = Math.floor(cd.dev.sectorCount / 4);
    if (blocks <= 17) return false;
    const buf = new Uint8Array(2048);
    cd.dev.read(17 * 4, 4, buf, 0);
    const id = Buffer.from(buf.subarray(7, 30)).toString('latin1');
    if (buf[0] !== 0 || id !== 'EL TORITO SPECIFICATION') return false;
    const catalog = buf[0x47] | (buf[0x48] << 8) | (buf[0x49] << 16) | (buf[0x4a] << 24);
    if (catalog >= blocks) return false;
    const cat = new Uint8Array(2048);
    cd.dev.read(catalog * 4, 4, cat, 0);
    if (cat[0] !== 0x01 || cat[0x1e] !== 0x55 || cat[0x1f] !== 0xaa) return false;
    const entry = cat.subarray(0x20, 0x40);
    if (entry[0] !== 0x88 || (entry[1] & 0x0f) !== 0) return false;
    const loadSegment = (entry[2] | (entry[3] << 8)) || 0x07c0;
    const sectors = entry[6] | (entry[7] << 8);
    const lba = (entry[8] | (entry[9] << 8) | (entry[10] << 16) | (entry[11] << 24)) >>> 0;
    const bytes = Math.max(1, sectors) * 512;
    const image = new Uint8Array(Math.ceil(bytes / 2048) * 2048);
    if (lba + image.length / 2048 > blocks) return false;
    cd.dev.read(lba * 4, image.length / 512, image, 0);
    // The boot stub jumps to 0000:7C00, so only the standard load segment (07C0h) is bootable.
    if (loadSegment !== 0x07c0) return false;
    for (let i = 0; i < bytes; i++) this.o.memory.write8(0x7c00 + i, image[i]);
    this.cdBoot = { bootDrive: 0xe0, loadSegment, lba, sectors };
    return true;
  }

  // ---- INT 14h / INT 17h: serial and printer through their ports ---------------------------

  private serial(c: BiosCall): void {
    const io = this.o.io;
    const port = this.o.memory.read16(BDA + BdaOff.comPorts + (c.dx & 3) * 2);
    if (port === 0 || c.dx > 3) {
      c.ah = 0x80;
      return c.done();
    }
    const status = (): void => {
      c.ah = io.read8(port + 5);
      c.al = io.read8(port + 6);
    };
    switch (c.ah) {
      case 0x00: {
        // AL: baud (bits 7–5), parity, stop bits, word length → divisor and LCR.
        const divisors = [0x417, 0x300, 0x180, 0xc0, 0x60, 0x30, 0x18, 0x0c];
        const div = divisors[c.al >> 5];
        io.write8(port + 3, 0x80);
        io.write8(port, div & 0xff);
        io.write8(port + 1, div >> 8);
        io.write8(port + 3, c.al & 0x1f);
        io.write8(port + 1, 0);
        status();
        return c.done();
      }
      case 0x01:
        io.write8(port + 4, 0x03); // DTR, RTS
        if ((io.read8(port + 5) & 0x20) === 0) return c.retryLater();
        io.write8(port, c.al);
        c.ah = io.read8(port + 5);
        return c.done();
      case 0x02:
        io.write8(port + 4, 0x03);
        if ((io.read8(port + 5) & 0x01) === 0) return c.retryLater();
        c.al = io.read8(port);
        c.ah = io.read8(port + 5) & 0x1e;
        return c.done();
      case 0x03:
        status();
        return c.done();
      default:
        return c.done();
    }
  }

  /**
   * INT 17h (IBM PC/AT Technical Reference, BIOS "Printer I/O"). AH returns
   * the printer status in BIOS sense: bit 7 not busy, bit 6 acknowledge,
   * bit 5 out of paper, bit 4 selected, bit 3 I/O error, bit 0 time-out.
   * The port's status register has BUSY# (bit 7) already in that sense, while
   * ACK# (bit 6) and ERROR# (bit 3) are active low and get flipped.
   *
   * AH=00h waits while the printer is busy. The stub is a polling one (see
   * bios-rom.ts), so the wait costs instructions — virtual time — as the
   * BIOS's busy-wait loop does, and it gives up with the time-out bit after
   * the BDA's per-printer time-out count (40:78h), taken as seconds here.
   */
  private printer(c: BiosCall): void {
    const io = this.o.io;
    const mem = this.o.memory;
    const n = c.dx;
    const port = n < 3 ? mem.read16(BDA + BdaOff.lptPorts + n * 2) : 0;
    const status = (): number => (io.read8(port + 1) & 0xf8) ^ 0x48;
    if (port === 0) {
      c.ah = 0x01; // no such printer: time-out
      return c.done();
    }
    switch (c.ah) {
      case 0x00: {
        if ((io.read8(port + 1) & 0x80) === 0) {
          const clock = this.o.clock;
          if (this.printerDeadline < 0) this.printerDeadline = clock.ticks + clock.msToTicks(1000 * mem.read8(BDA + BdaOff.lptTimeout + n));
          if (clock.ticks < this.printerDeadline) return c.retryLater();
          this.printerDeadline = -1;
          c.ah = status() | 0x01;
          return c.done();
        }
        this.printerDeadline = -1;
        io.write8(port, c.al);
        // STROBE (control bit 0, inverted at the connector) pulsed with INIT# (bit 2) high and SELECT IN (bit 3).
        io.write8(port + 2, 0x0d);
        io.write8(port + 2, 0x0c);
        c.ah = status();
        return c.done();
      }
      case 0x01:
        io.write8(port + 2, 0x08); // INIT# (bit 2) low: the printer resets
        io.write8(port + 2, 0x0c);
        c.ah = status();
        return c.done();
      case 0x02:
        c.ah = status();
        return c.done();
      default:
        return c.done();
    }
  }
}
