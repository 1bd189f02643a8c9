/**
 * What the PCI function of the adapter looks like (the QEMU/Bochs "std VGA"
 * identity that guest drivers such as the Bochs VBE drivers probe for).
 * The integrator registers it on the PCI bus; BAR0 is the linear framebuffer.
 */

export interface VgaPciFunction {
  readonly vendorId: number;
  readonly deviceId: number;
  /** Class code as base class << 16 | subclass << 8 | programming interface. */
  readonly classCode: number;
  readonly revision: number;
  readonly subsystemVendorId: number;
  readonly subsystemId: number;
  readonly bar0: {
    readonly kind: 'memory32';
    readonly prefetchable: true;
    /** Current base address (the adapter's LFB base). */
    readonly base: number;
    /** Size in bytes: the VRAM size, a power of two as PCI BAR sizing requires. */
    readonly size: number;
  };
}

export const VGA_PCI_VENDOR_ID = 0x1234;
export const VGA_PCI_DEVICE_ID = 0x1111;
/** 0x03 display controller, 0x00 VGA-compatible, interface 0x00. */
export const VGA_PCI_CLASS_CODE = 0x030000;

export function vgaPciFunction(lfbBase: number, vramBytes: number): VgaPciFunction {
  return {
    vendorId: VGA_PCI_VENDOR_ID,
    deviceId: VGA_PCI_DEVICE_ID,
    classCode: VGA_PCI_CLASS_CODE,
    revision: 0x02,
    subsystemVendorId: 0x1af4,
    subsystemId: 0x1100,
    bar0: { kind: 'memory32', prefetchable: true, base: lfbBase >>> 0, size: vramBytes },
  };
}
