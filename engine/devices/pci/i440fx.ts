/**
 * Intel 82441FX PCI and Memory Controller (i440FX host bridge), PCI 00.0.
 *
 * Register facts from the 82441FX PMC datasheet §3.2: vendor 8086h, device
 * 1237h, class 060000h (host bridge). The registers firmware touches are the
 * DRAM row boundaries (DRB, 60h–67h), the Programmable Attribute Map (PAM0–6,
 * 59h–5Fh: read/write enables for the BIOS and option-ROM shadow areas) and
 * SMRAM control (72h). Memory-map changes belong to the machine, so PAM
 * writes are reported through `onPamChange` rather than applied here.
 */
import type { PciBus } from './pci-bus.js';
import type { PciFunction } from './pci-function.js';

export const I440FX_VENDOR = 0x8086;
export const I440FX_DEVICE = 0x1237;
/** First PAM register; PAM0 covers F0000–FFFFF, PAM1–6 the 16 KiB blocks C0000–EFFFF. */
export const PAM0 = 0x59;

/**
 * Subsystem IDs QEMU gives its PCI functions (Red Hat 1AF4h, "QEMU virtual
 * machine" 1100h). SeaBIOS recognises a QEMU i440FX board by exactly these
 * values on the host bridge and only then takes its QEMU/fw_cfg paths.
 */
export const QEMU_SUBSYSTEM_VENDOR = 0x1af4;
export const QEMU_SUBSYSTEM_ID = 0x1100;

export interface I440fxOptions {
  /** Subsystem vendor/ID of the host bridge; defaults to QEMU's so SeaBIOS detects the board. */
  subsystemVendorId?: number;
  subsystemId?: number;
  /** Called with the PAM register index (0–6) and its new value after a write. */
  onPamChange?(index: number, value: number): void;
  /** Called with the new SMRAM control byte (72h). */
  onSmramChange?(value: number): void;
}

export function addI440fx(bus: PciBus, options: I440fxOptions = {}): PciFunction {
  const writable: { [offset: number]: number } = {
    0x50: 0xff, 0x51: 0xff, // PMCCFG
    0x52: 0xff, // DETURBO
    0x53: 0xff, // DBC
    0x54: 0xff, // AXC
    0x55: 0xff, 0x56: 0xff, // DRAMR
    0x57: 0xff, // DRAMC
    0x58: 0xff, // DRAMT
    0x68: 0xff, // FDHC
    0x70: 0xff, // MTT
    0x71: 0xff, // CLT
    0x72: 0x78, // SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME; C_BASE_SEG (2:0) is fixed at 010b
    0x90: 0xff, // ERRCMD
    0x91: 0xff, // ERRSTS
  };
  const initial: { [offset: number]: number } = { 0x52: 0x80, 0x53: 0x80, 0x57: 0x01, 0x58: 0x10, 0x70: 0x20, 0x71: 0x10, 0x72: 0x02 };
  for (let i = 0; i < 7; i++) writable[PAM0 + i] = 0x33; // RE/WE pairs for the low and high halves
  for (let i = 0; i < 8; i++) {
    writable[0x60 + i] = 0xff; // DRB0–7, default 02h (datasheet §3.2.19)
    initial[0x60 + i] = 0x02;
  }
  return bus.addFunction({
    device: 0,
    function: 0,
    vendorId: I440FX_VENDOR,
    deviceId: I440FX_DEVICE,
    classCode: 0x060000,
    revision: 0x02,
    subsystemVendorId: options.subsystemVendorId ?? QEMU_SUBSYSTEM_VENDOR,
    subsystemId: options.subsystemId ?? QEMU_SUBSYSTEM_ID,
    command: 0x0006, // memory and bus-master enabled from reset (§3.2.3)
    status: 0x0280,
    writableRegisters: writable,
    initialValues: initial,
    onRegisterWrite(offset, value) {
      if (offset >= PAM0 && offset < PAM0 + 7) options.onPamChange?.(offset - PAM0, value);
      else if (offset === 0x72) options.onSmramChange?.(value);
    },
  });
}
