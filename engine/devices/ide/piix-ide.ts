/**
 * Intel 82371SB PIIX3 IDE controller, PCI function 01.1 (8086:7010).
 *
 * Both channels run in ISA compatibility mode — programming interface 80h:
 * bus-master capable, native mode neither enabled nor selectable — so they
 * decode the legacy ports (primary 1F0–1F7/3F6 on IRQ 14, secondary
 * 170–177/376 on IRQ 15) whatever BARs 0–3 hold. BAR4 is the 16-byte
 * bus-master I/O block (datasheet §2.3): offsets 0–7 for the primary
 * channel, 8–F for the secondary. Firmware places it (SeaBIOS uses C000h);
 * the block follows the BAR whenever it moves.
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { BlockDevice } from '../../disk/block-device.js';
import type { Device, DeviceContext, DeviceState } from '../device.js';
import type { PciBus } from '../pci/pci-bus.js';
import type { PciFunction } from '../pci/pci-function.js';
import { QEMU_SUBSYSTEM_ID, QEMU_SUBSYSTEM_VENDOR } from '../pci/i440fx.js';
import { AtaDisk, type AtaDiskOptions } from './ata-disk.js';
import { AtapiCdrom, type AtapiCdromOptions } from './atapi-cdrom.js';
import { BusMasterChannel } from './bus-master.js';
import { IdeChannel } from './ide-channel.js';
import type { IdeDrive } from './ide-drive.js';

export const PIIX3_IDE_DEVICE = 0x7010;

export type IdeDriveSpec =
  | ({ type: 'hd'; disk: BlockDevice } & AtaDiskOptions)
  | ({ type: 'cdrom'; media: BlockDevice | null } & AtapiCdromOptions);

export interface PiixIdeOptions {
  pci: PciBus;
  /** PCI device number shared with the PIIX3 ISA bridge (function 0). */
  pciDevice?: number;
  primaryMaster?: IdeDriveSpec;
  primarySlave?: IdeDriveSpec;
  secondaryMaster?: IdeDriveSpec;
  secondarySlave?: IdeDriveSpec;
}

export class PiixIde implements Device {
  readonly name = 'piix-ide';
  readonly channels: readonly [IdeChannel, IdeChannel];
  readonly pciFunction: PciFunction;
  private readonly io: IoBus;
  private bmBase: number | null = null;
  /** Bases at which the bus-master block has ever been registered (IoBus cannot unregister). */
  private readonly bmRegistered = new Set<number>();

  constructor(ctx: DeviceContext, options: PiixIdeOptions) {
    this.io = ctx.io;
    const make = (spec: IdeDriveSpec | undefined): IdeDrive | null => {
      if (spec === undefined) return null;
      return spec.type === 'hd' ? new AtaDisk(ctx.clock, spec.disk, spec) : new AtapiCdrom(ctx.clock, spec.media, spec);
    };
    const bm0 = new BusMasterChannel(ctx.memory, () => this.channels[0].dmaRequest());
    const bm1 = new BusMasterChannel(ctx.memory, () => this.channels[1].dmaRequest());
    this.channels = [
      new IdeChannel(ctx.io, this.name, 0x1f0, 0x3f6, ctx.irq, 14, bm0, [make(options.primaryMaster), make(options.primarySlave)]),
      new IdeChannel(ctx.io, this.name, 0x170, 0x376, ctx.irq, 15, bm1, [make(options.secondaryMaster), make(options.secondarySlave)]),
    ];
    // Drive-DMA-capable bits (5/6) start set for fitted drives; firmware may rewrite them.
    this.channels.forEach((ch) => {
      ch.busMaster.status = (ch.drives[0] !== null ? 0x20 : 0) | (ch.drives[1] !== null ? 0x40 : 0);
    });
    this.pciFunction = options.pci.addFunction({
      device: options.pciDevice ?? 1,
      function: 1,
      vendorId: 0x8086,
      deviceId: PIIX3_IDE_DEVICE,
      classCode: 0x010180,
      subsystemVendorId: QEMU_SUBSYSTEM_VENDOR,
      subsystemId: QEMU_SUBSYSTEM_ID,
      status: 0x0280,
      bars: [undefined, undefined, undefined, undefined, { kind: 'io', size: 16, onMap: (base) => this.mapBusMaster(base) }],
      // IDETIM primary/secondary (40h–43h), SIDETIM (44h).
      writableRegisters: { 0x40: 0xff, 0x41: 0xf3, 0x42: 0xff, 0x43: 0xf3, 0x44: 0xff },
    });
  }

  /** Drive `unit` (0 master, 1 slave) on `channel` (0 primary, 1 secondary). */
  drive(channel: number, unit: number): IdeDrive | null {
    return this.channels[channel].drives[unit];
  }

  private mapBusMaster(base: number | null): void {
    this.bmBase = base;
    if (base === null || this.bmRegistered.has(base)) return;
    this.bmRegistered.add(base);
    this.io.register(`${this.name}-busmaster`, base, 16, {
      read8: (p) => this.bmRead(p),
      write8: (p, v) => this.bmWrite(p, v),
    });
  }

  private bmRead(port: number): number {
    if (this.bmBase === null) return 0xff;
    const off = port - this.bmBase;
    if (off < 0 || off > 15) return 0xff;
    return this.channels[off >>> 3].busMaster.readByte(off & 7);
  }

  private bmWrite(port: number, v: number): void {
    if (this.bmBase === null) return;
    const off = port - this.bmBase;
    if (off < 0 || off > 15) return;
    this.channels[off >>> 3].busMaster.writeByte(off & 7, v);
  }

  reset(): void {
    for (const ch of this.channels) ch.reset();
    this.channels.forEach((ch) => {
      ch.busMaster.status = (ch.drives[0] !== null ? 0x20 : 0) | (ch.drives[1] !== null ? 0x40 : 0);
    });
  }

  saveState(): DeviceState {
    return { channels: this.channels.map((c) => c.saveState()) };
  }

  loadState(s: DeviceState): void {
    const chs = s.channels as DeviceState[];
    this.channels.forEach((c, i) => c.loadState(chs[i]));
  }
}
