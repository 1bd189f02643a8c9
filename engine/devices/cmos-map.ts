/**
 * The PC/AT CMOS RAM layout the BIOS reads, as helpers that fill an `RtcCmos`.
 *
 * These byte positions are facts of the AT CMOS map (IBM PC/AT Technical
 * Reference; the Bochs/SeaBIOS extensions for memory above 16 MiB / 4 GiB and
 * the boot order): 0x10 floppy types, 0x12 and 0x19/0x1A hard-disk types,
 * 0x14 equipment byte, 0x15/0x16 base memory (KiB), 0x17/0x18 and 0x30/0x31
 * extended memory above 1 MiB (KiB, capped at 0xFFFF), 0x34/0x35 memory above
 * 16 MiB in 64 KiB units, 0x5B–0x5D memory above 4 GiB in 64 KiB units,
 * 0x3D/0x38 boot order (SeaBIOS/Bochs: first device in 0x3D bits 3–0, second
 * in 0x3D bits 7–4, third in 0x38 bits 7–4; 0x38 bit 0 = skip the floppy boot
 * signature check). `setNvram` keeps the checksum at 0x2E/0x2F consistent.
 */
import type { RtcCmos } from './rtc-cmos.js';

export const CMOS_FLOPPY_TYPES = 0x10;
export const CMOS_DISK_TYPES = 0x12;
export const CMOS_EQUIPMENT = 0x14;
export const CMOS_BASE_MEM_LO = 0x15;
export const CMOS_EXT_MEM_LO = 0x17;
export const CMOS_DISK0_EXT_TYPE = 0x19;
export const CMOS_DISK1_EXT_TYPE = 0x1a;
export const CMOS_EXT_MEM2_LO = 0x30;
export const CMOS_MEM_ABOVE_16M_LO = 0x34;
export const CMOS_BOOT_ORDER_3 = 0x38;
export const CMOS_BOOT_ORDER_12 = 0x3d;
export const CMOS_MEM_ABOVE_4G = 0x5b;

/** AT floppy drive type codes (CMOS 0x10 nibbles). */
export const enum FloppyType {
  None = 0,
  K360 = 1,
  M1_2 = 2,
  K720 = 3,
  M1_44 = 4,
  M2_88 = 5,
}

/** Boot device codes in CMOS 0x3D/0x38 as SeaBIOS and the Bochs BIOS read them. */
export type BootDevice = 'floppy' | 'disk' | 'cdrom' | 'network';
const BOOT_CODE: Record<BootDevice, number> = { floppy: 1, disk: 2, cdrom: 3, network: 4 };

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Fill the memory-size bytes. `belowFourGiB` is the RAM mapped below 4 GiB
 * (the machine subtracts its PCI hole); `aboveFourGiB` the RAM mapped from
 * 4 GiB up. Base memory is always reported as 640 KiB.
 */
export function setCmosMemory(rtc: RtcCmos, belowFourGiB: number, aboveFourGiB = 0): void {
  const baseKiB = 640;
  rtc.setNvram(CMOS_BASE_MEM_LO, baseKiB & 0xff);
  rtc.setNvram(CMOS_BASE_MEM_LO + 1, baseKiB >>> 8);
  const extKiB = Math.min(0xffff, Math.max(0, Math.floor((belowFourGiB - MIB) / KIB)));
  for (const at of [CMOS_EXT_MEM_LO, CMOS_EXT_MEM2_LO]) {
    rtc.setNvram(at, extKiB & 0xff);
    rtc.setNvram(at + 1, extKiB >>> 8);
  }
  const above16 = Math.min(0xffff, Math.max(0, Math.floor((belowFourGiB - 16 * MIB) / (64 * KIB))));
  rtc.setNvram(CMOS_MEM_ABOVE_16M_LO, above16 & 0xff);
  rtc.setNvram(CMOS_MEM_ABOVE_16M_LO + 1, above16 >>> 8);
  const above4g = Math.floor(aboveFourGiB / (64 * KIB));
  rtc.setNvram(CMOS_MEM_ABOVE_4G, above4g & 0xff);
  rtc.setNvram(CMOS_MEM_ABOVE_4G + 1, (above4g >>> 8) & 0xff);
  rtc.setNvram(CMOS_MEM_ABOVE_4G + 2, (above4g >>> 16) & 0xff);
}

/** Drive A in the high nibble, drive B in the low nibble; also updates the equipment byte. */
export function setCmosFloppies(rtc: RtcCmos, a: FloppyType, b: FloppyType = FloppyType.None): void {
  rtc.setNvram(CMOS_FLOPPY_TYPES, ((a & 15) << 4) | (b & 15));
  const count = (a !== FloppyType.None ? 1 : 0) + (b !== FloppyType.None ? 1 : 0);
  let eq = rtc.nvram[CMOS_EQUIPMENT] & ~0xc1;
  if (count > 0) eq |= 0x01 | ((count - 1) << 6);
  rtc.setNvram(CMOS_EQUIPMENT, eq);
}

/**
 * Equipment byte bits other than the floppies: display (bits 5–4: 00 = EGA/VGA
 * with its own BIOS) and math coprocessor (bit 1).
 */
export function setCmosEquipment(rtc: RtcCmos, opts: { fpu: boolean; display?: 0 | 1 | 2 | 3 }): void {
  let eq = rtc.nvram[CMOS_EQUIPMENT] & 0xc1;
  if (opts.fpu) eq |= 0x02;
  eq |= ((opts.display ?? 0) & 3) << 4;
  rtc.setNvram(CMOS_EQUIPMENT, eq);
}

/**
 * Hard-disk types for disk 0/1: 0 = none; types 1–14 go straight into the
 * 0x12 nibble; 15 and above are stored as 0xF with the real type in 0x19/0x1A
 * (47 is the conventional user-defined type).
 */
export function setCmosDiskTypes(rtc: RtcCmos, disk0: number, disk1 = 0): void {
  const nib = (t: number) => (t >= 15 ? 0xf : t & 0xf);
  rtc.setNvram(CMOS_DISK_TYPES, (nib(disk0) << 4) | nib(disk1));
  rtc.setNvram(CMOS_DISK0_EXT_TYPE, disk0 >= 15 ? disk0 : 0);
  rtc.setNvram(CMOS_DISK1_EXT_TYPE, disk1 >= 15 ? disk1 : 0);
}

/** Up to three boot devices in order; `checkFloppySignature: false` sets 0x38 bit 0. */
export function setCmosBootOrder(rtc: RtcCmos, order: BootDevice[], checkFloppySignature = true): void {
  if (order.length > 3) throw new Error(`at most 3 boot devices fit in CMOS, got ${order.length}`);
  const code = (i: number) => (i < order.length ? BOOT_CODE[order[i]] : 0);
  rtc.setNvram(CMOS_BOOT_ORDER_12, code(0) | (code(1) << 4));
  rtc.setNvram(CMOS_BOOT_ORDER_3, (code(2) << 4) | (checkFloppySignature ? 0 : 1));
}
