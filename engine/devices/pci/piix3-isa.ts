/**
 * Intel 82371SB PIIX3 PCI-to-ISA bridge, PCI 01.0.
 *
 * Facts from the 82371FB/SB (PIIX/PIIX3) datasheet §2.2: vendor 8086h,
 * device 7000h, class 060100h, header type 80h (function 0 of the
 * multi-function PIIX3; IDE is 01.1, USB 01.2). PIRQRC[A:D] at 60h–63h route
 * the four PCI interrupt lines to ISA IRQs: bits 3:0 select the IRQ, bit 7 set
 * disables the route (reset value 80h); IRQ 0–2, 8 and 13 are reserved.
 */
import type { PciBus } from './pci-bus.js';
import type { PciFunction } from './pci-function.js';
import { QEMU_SUBSYSTEM_ID, QEMU_SUBSYSTEM_VENDOR } from './i440fx.js';

export const PIIX3_ISA_DEVICE = 0x7000;
export const PIRQRC = 0x60;

/** ISA IRQs a PIRQ may be steered to (datasheet §2.2.8). */
const ROUTABLE = new Set([3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15]);

export interface Piix3IsaOptions {
  /** PCI device number of the PIIX3 (1 on the i440FX boards QEMU models). */
  device?: number;
  /** Called with the PIRQ index (0 = A … 3 = D) and its ISA IRQ or null when routing is off. */
  onPirqChange?(pirq: number, irq: number | null): void;
}

export class Piix3Isa {
  readonly fn: PciFunction;

  constructor(bus: PciBus, options: Piix3IsaOptions = {}) {
    const writable: { [offset: number]: number } = {
      0x4c: 0xff, // IORT
      0x4e: 0xff, 0x4f: 0xff, // XBCS
      0x69: 0xfe, // TOM
      0x6a: 0xff, 0x6b: 0xff, // MSTAT
      0x70: 0xcf, 0x71: 0xcf, // MBIRQ0/1
      0x76: 0x8f, 0x77: 0x8f, // MBDMA0/1
      0x78: 0xff, 0x79: 0xff, // PCSC
      0x80: 0x7f, // APICBASE
      0x82: 0x0f, // DLC
      0xa0: 0xff, 0xa2: 0xff, 0xa3: 0xff, 0xa4: 0xff, 0xa5: 0xff, 0xa6: 0xff, 0xa7: 0xff, // SMICNTL, SMIEN, SEE
      0xa8: 0xff, 0xaa: 0xff, 0xab: 0xff, 0xac: 0xff, 0xae: 0xff, // FTMR, SMIREQ, CTLTMR, CTHTMR
    };
    const initial: { [offset: number]: number } = {
      0x4c: 0x4d, 0x4e: 0x03, 0x69: 0x02, 0x70: 0x80, 0x71: 0x80, 0x76: 0x04, 0x77: 0x04, 0x78: 0x02, 0xa0: 0x08, 0xa8: 0x0f,
    };
    for (let i = 0; i < 4; i++) {
      writable[PIRQRC + i] = 0x8f;
      initial[PIRQRC + i] = 0x80;
    }
    this.fn = bus.addFunction({
      device: options.device ?? 1,
      function: 0,
      vendorId: 0x8086,
      deviceId: PIIX3_ISA_DEVICE,
      classCode: 0x060100,
      headerType: 0x80,
      subsystemVendorId: QEMU_SUBSYSTEM_VENDOR,
      subsystemId: QEMU_SUBSYSTEM_ID,
      // Function 0 decodes I/O and memory and masters from reset (command 0007h).
      command: 0x0007,
      status: 0x0200,
      writableRegisters: writable,
      initialValues: initial,
      onRegisterWrite: (offset) => {
        if (offset >= PIRQRC && offset < PIRQRC + 4) options.onPirqChange?.(offset - PIRQRC, this.pirqRoute(offset - PIRQRC));
      },
    });
  }

  /** ISA IRQ that PIRQ `index` (0 = A) is routed to, or null when disabled or reserved. */
  pirqRoute(index: number): number | null {
    const v = this.fn.config[PIRQRC + index];
    if ((v & 0x80) !== 0) return null;
    const irq = v & 0x0f;
    return ROUTABLE.has(irq) ? irq : null;
  }
}
