/**
 * One IDE channel (cable): the command block (data, error/features, sector
 * count, LBA low/mid/high, device, status/command) and the control block
 * (alternate status / device control) for up to two devices.
 *
 * Writes to the command block reach both devices; reads, status and INTRQ
 * come from the selected one (ATA/ATAPI-6 §5.2). With device 1 selected but
 * absent, device 0 answers status reads with 00h. A channel with no device
 * at all reads 00h everywhere, as QEMU's PIIX model does and as SeaBIOS
 * expects (BSY clear, so probing does not wait for a timeout). The data port
 * also accepts 32-bit I/O, split into two 16-bit transfers as the PIIX does.
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { DeviceState, IrqLines } from '../device.js';
import { CMD, DC_HOB, DC_NIEN, DC_SRST, ST_BSY, TF_DEVICE, TF_HOB } from './ata-constants.js';
import { BM_ST_IRQ, type BusMasterChannel } from './bus-master.js';
import type { IdeBus, IdeDrive } from './ide-drive.js';

export class IdeChannel implements IdeBus {
  private selected = 0;
  private devCtl = 0;
  private irqLevel = false;

  constructor(
    io: IoBus,
    owner: string,
    cmdBase: number,
    ctlPort: number,
    private readonly irq: IrqLines,
    private readonly irqNumber: number,
    readonly busMaster: BusMasterChannel,
    readonly drives: readonly [IdeDrive | null, IdeDrive | null],
  ) {
    for (const d of drives) d?.attach(this);
    io.register(owner, cmdBase, 1, {
      read8: () => this.sel()?.readData8() ?? 0xff,
      write8: (_p, v) => this.sel()?.writeData8(v),
      read16: () => this.sel()?.readData16() ?? 0xffff,
      write16: (_p, v) => this.sel()?.writeData16(v),
      read32: () => {
        const d = this.sel();
        if (d === null) return 0xffffffff;
        const lo = d.readData16();
        return (lo | (d.readData16() << 16)) >>> 0;
      },
      write32: (_p, v) => {
        const d = this.sel();
        if (d === null) return;
        d.writeData16(v & 0xffff);
        d.writeData16(v >>> 16);
      },
    });
    io.register(owner, cmdBase + 1, 7, {
      read8: (p) => this.readReg(p - cmdBase),
      write8: (p, v) => this.writeReg(p - cmdBase, v),
    });
    io.register(owner, ctlPort, 1, {
      read8: () => this.status(false),
      write8: (_p, v) => this.writeControl(v),
    });
  }

  /** The selected device, or null when that position is empty. */
  private sel(): IdeDrive | null {
    return this.drives[this.selected];
  }

  private get present(): IdeDrive | null {
    return this.drives[0] ?? this.drives[1];
  }

  private status(clearIrq: boolean): number {
    const d = this.sel();
    if (d === null) return 0x00;
    if (clearIrq && d.irqPending) {
      d.irqPending = false;
      this.updateIrq();
    }
    return d.status;
  }

  private readReg(r: number): number {
    if (r === 7) return this.status(true);
    const d = this.sel() ?? this.present;
    if (d === null) return 0x00;
    if (r === 1) return this.sel() === null ? 0 : d.error;
    if (r === 6) return d.tf[TF_DEVICE];
    const idx = r - 1;
    return (this.devCtl & DC_HOB) !== 0 ? d.tf[TF_HOB + idx] : d.tf[idx];
  }

  private writeReg(r: number, v: number): void {
    if (r === 7) return this.writeCommand(v);
    // A write to any command block register clears HOB (§7.8).
    this.devCtl &= ~DC_HOB;
    if (r === 6) {
      for (const d of this.drives) if (d !== null) d.tf[TF_DEVICE] = v;
      this.selected = (v >>> 4) & 1;
      this.updateIrq();
      return;
    }
    const idx = r - 1;
    for (const d of this.drives) {
      if (d === null) continue;
      d.tf[TF_HOB + idx] = d.tf[idx];
      d.tf[idx] = v;
    }
  }

  private writeCommand(cmd: number): void {
    if (cmd === CMD.EXECUTE_DEVICE_DIAGNOSTIC) {
      // Addressed to both devices; device 0 reports (§8.11).
      this.drives.forEach((d, i) => d?.diagnose(i === 0 || this.drives[0] === null));
      this.selected = 0;
      this.updateIrq();
      return;
    }
    const d = this.sel();
    if (d === null) return;
    if ((d.status & ST_BSY) !== 0 && cmd !== CMD.DEVICE_RESET) return;
    d.irqPending = false;
    this.updateIrq();
    d.command(cmd);
  }

  private writeControl(v: number): void {
    const old = this.devCtl;
    this.devCtl = v & (DC_HOB | DC_SRST | DC_NIEN);
    if ((v & DC_SRST) !== 0 && (old & DC_SRST) === 0) {
      for (const d of this.drives) d?.holdInReset();
    } else if ((v & DC_SRST) === 0 && (old & DC_SRST) !== 0) {
      this.selected = 0;
      for (const d of this.drives) d?.releaseReset();
    }
    this.updateIrq();
  }

  updateIrq(): void {
    const d = this.sel();
    const level = d !== null && d.irqPending && (this.devCtl & DC_NIEN) === 0;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    // The bus-master status interrupt bit latches every rising edge of INTRQ, DMA or not.
    if (level) this.busMaster.status |= BM_ST_IRQ;
    if (level) this.irq.raise(this.irqNumber);
    else this.irq.lower(this.irqNumber);
  }

  dmaRequest(): void {
    if (!this.busMaster.active) return;
    for (const d of this.drives) if (d !== null && d.dmaPending) d.startDma();
  }

  reset(): void {
    this.selected = 0;
    this.devCtl = 0;
    for (const d of this.drives) d?.powerOn();
    this.busMaster.reset();
    this.irqLevel = false;
    this.irq.lower(this.irqNumber);
  }

  saveState(): DeviceState {
    return {
      selected: this.selected,
      devCtl: this.devCtl,
      irqLevel: this.irqLevel,
      busMaster: this.busMaster.saveState(),
      drives: this.drives.map((d) => (d === null ? null : d.saveState())),
    };
  }

  loadState(s: DeviceState): void {
    this.selected = Number(s.selected);
    this.devCtl = Number(s.devCtl);
    this.busMaster.loadState(s.busMaster as DeviceState);
    const drives = s.drives as (DeviceState | null)[];
    this.drives.forEach((d, i) => {
      const ds = drives[i];
      if (d !== null && ds !== null) d.loadState(ds);
    });
    this.irqLevel = s.irqLevel === true;
    if (this.irqLevel) this.irq.raise(this.irqNumber);
    else this.irq.lower(this.irqNumber);
  }
}
