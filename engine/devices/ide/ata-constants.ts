/**
 * ATA register bits and command opcodes (ATA/ATAPI-6, T13/1410D, §7 and §8).
 */

// Status register.
export const ST_BSY = 0x80;
export const ST_DRDY = 0x40;
export const ST_DF = 0x20;
export const ST_DSC = 0x10;
export const ST_DRQ = 0x08;
export const ST_ERR = 0x01;

// Error register.
export const ERR_AMNF = 0x01;
export const ERR_ABRT = 0x04;
export const ERR_IDNF = 0x10;
export const ERR_UNC = 0x40;

// Device control register.
export const DC_NIEN = 0x02;
export const DC_SRST = 0x04;
export const DC_HOB = 0x80;

/** ATAPI interrupt reason (sector count register) bits. */
export const IR_COD = 0x01;
export const IR_IO = 0x02;

/** Indexes into a device's task-file copy. */
export const TF_FEATURE = 0;
export const TF_COUNT = 1;
export const TF_LBA_LOW = 2;
export const TF_LBA_MID = 3;
export const TF_LBA_HIGH = 4;
export const TF_DEVICE = 5;
/** Previous contents ("high order bytes") of registers 0–4, for 48-bit commands. */
export const TF_HOB = 6;
export const TF_SIZE = 11;

export const CMD = {
  NOP: 0x00,
  DEVICE_RESET: 0x08,
  RECALIBRATE: 0x10,
  READ_SECTORS: 0x20,
  READ_SECTORS_NORETRY: 0x21,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NORETRY: 0x31,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  READ_VERIFY: 0x40,
  READ_VERIFY_NORETRY: 0x41,
  READ_VERIFY_EXT: 0x42,
  SEEK: 0x70,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  PACKET: 0xa0,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  READ_DMA: 0xc8,
  READ_DMA_NORETRY: 0xc9,
  WRITE_DMA: 0xca,
  WRITE_DMA_NORETRY: 0xcb,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
  // Pre-ATA-4 opcodes of the power commands.
  STANDBY_IMMEDIATE_OLD: 0x94,
  IDLE_IMMEDIATE_OLD: 0x95,
  STANDBY_OLD: 0x96,
  IDLE_OLD: 0x97,
  CHECK_POWER_MODE_OLD: 0x98,
  SLEEP_OLD: 0x99,
} as const;

/**
 * Store an ATA string (IDENTIFY words 10–19, 23–26, 27–46): space padded,
 * and within each word the first character goes in the high byte (§8.15.8).
 */
export function putAtaString(buf: Uint8Array, word: number, words: number, text: string): void {
  const padded = text.padEnd(words * 2, ' ').slice(0, words * 2);
  for (let i = 0; i < words * 2; i += 2) {
    buf[(word * 2) + i] = padded.charCodeAt(i + 1) & 0x7f;
    buf[(word * 2) + i + 1] = padded.charCodeAt(i) & 0x7f;
  }
}

export function putWord(buf: Uint8Array, word: number, value: number): void {
  buf[word * 2] = value & 0xff;
  buf[word * 2 + 1] = (value >>> 8) & 0xff;
}

/** Word 255: signature A5h and a checksum byte making the 512 bytes sum to zero (§8.15.66). */
export function sealIdentify(buf: Uint8Array): void {
  buf[510] = 0xa5;
  let sum = 0;
  for (let i = 0; i < 511; i++) sum += buf[i];
  buf[511] = (256 - (sum & 0xff)) & 0xff;
}
