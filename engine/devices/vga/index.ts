/** The VGA + Bochs VBE adapter: device, mode programming, PCI identity. */
export { VgaAdapter, VGA_WINDOW_BASE, VGA_WINDOW_SIZE, type VgaOptions, type CrtTiming } from './vga.js';
export {
  VGA_MODES,
  vgaModeInfo,
  programMode,
  setVideoMode,
  loadFont,
  loadDac,
  setCharHeight,
  fontMapOffset,
  egaPalette,
  cgaPalette,
  monoPalette,
  vga256Palette,
  type VgaModeInfo,
  type VgaModeKind,
  type SetModeOptions,
  type TextScanLines,
} from './vga-modes.js';
export { vgaPciFunction, VGA_PCI_VENDOR_ID, VGA_PCI_DEVICE_ID, VGA_PCI_CLASS_CODE, type VgaPciFunction } from './vga-pci.js';
export * from './vbe-dispi.js';
