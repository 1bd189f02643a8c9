/**
 * Layout of the built-in BIOS ROM (64 KiB at F000:0000, mirrored below 4 GiB).
 *
 * The ROM holds no BIOS logic: each service vector points at a 16-byte stub
 * whose first instruction traps to the host (`OUT TRAP_PORT, AL`); the host
 * identifies the stub by CS:IP and runs the service in TypeScript. What stays
 * in the ROM is what guest code may look at directly: the reset vector, the
 * fixed-address tables (diskette parameters, configuration table, fonts), the
 * model byte and the date.
 *
 * Stub kinds (bytes chosen so the host can ask the guest to wait by setting
 * CF, and the guest then sleeps in HLT with interrupts on until it retries):
 *   service: OUT; JNC done; STI; HLT; JMP stub; done: IRET
 *   poll:    OUT; JNC done; STI; JMP stub; done: IRET
 *            (waits of microseconds, e.g. a printer's BUSY#: the guest
 *            busy-polls as a real BIOS does, so virtual time advances by
 *            instructions instead of jumping to the next 55 ms timer tick)
 *   timer:   OUT; INT 1Ch; IRET                 (INT 08h calls the user hook)
 *   boot:    OUT; JC fail; JMP FAR 0000:7C00; fail: INT 18h
 *   halt:    OUT; CLI; HLT; JMP back to CLI      (INT 18h: nothing to boot)
 */
export const ROM_BASE = 0xf0000;
export const ROM_SIZE = 0x10000;
export const ROM_SEGMENT = 0xf000;
export const TRAP_PORT = 0xef;

/** Stubs live at F000:E100 + 16 × slot. */
export const SLOT_BASE = 0xe100;
export const SLOT_SIZE = 16;
/** The reset vector jumps here (the traditional F000:E05B POST entry). */
export const POST_ENTRY = 0xe05b;
export const DISKETTE_PARAMS = 0xefc7;
export const CONFIG_TABLE = 0xe6f5;
export const FONT_8X8 = 0xfa6e; // characters 0–127, the traditional address
export const FONT_8X8_HIGH = 0x9000; // characters 128–255 (INT 1Fh)
export const FONT_8X14 = 0x9400;
export const FONT_8X16 = 0xa200;
export const VBE_AREA = 0xb300; // VBE strings and mode list

export type StubKind = 'service' | 'poll' | 'timer' | 'boot' | 'halt' | 'iret';

export function stubBytes(kind: StubKind): number[] {
  switch (kind) {
    case 'service':
      return [0xe6, TRAP_PORT, 0x73, 0x04, 0xfb, 0xf4, 0xeb, 0xf8, 0xcf];
    case 'poll':
      return [0xe6, TRAP_PORT, 0x73, 0x03, 0xfb, 0xeb, 0xf9, 0xcf];
    case 'timer':
      return [0xe6, TRAP_PORT, 0xcd, 0x1c, 0xcf];
    case 'boot':
      return [0xe6, TRAP_PORT, 0x72, 0x05, 0xea, 0x00, 0x7c, 0x00, 0x00, 0xcd, 0x18];
    case 'halt':
      return [0xe6, TRAP_PORT, 0xfa, 0xf4, 0xeb, 0xfc];
    case 'iret':
      return [0xcf];
  }
}

/** Diskette parameter table (INT 1Eh) for a 1.44 MB drive: step rate, head times, 512-byte sectors, 18 per track. */
const DISKETTE_TABLE = [0xaf, 0x02, 0x25, 0x02, 0x12, 0x1b, 0xff, 0x6c, 0xf6, 0x0f, 0x08];

/**
 * INT 15h AH=C0h configuration table: length, model FCh (AT), submodel,
 * BIOS revision, feature bytes (bit 6: second 8259, bit 5: RTC, bit 4:
 * INT 15h/4Fh keyboard intercept, bit 2: EBDA).
 */
const CONFIG = [0x08, 0x00, 0xfc, 0x01, 0x00, 0x74, 0x40, 0x00, 0x00, 0x00];

export function buildRom(slots: StubKind[], fonts: { f8: Uint8Array; f14: Uint8Array; f16: Uint8Array }): Uint8Array {
  const rom = new Uint8Array(ROM_SIZE).fill(0xff);
  // POST entry: trap (the host does POST), then INT 19h; if that returns, stop.
  rom.set([0xe6, TRAP_PORT, 0xcd, 0x19, 0xfa, 0xf4], POST_ENTRY);
  slots.forEach((kind, i) => rom.set(stubBytes(kind), SLOT_BASE + i * SLOT_SIZE));
  rom.set(DISKETTE_TABLE, DISKETTE_PARAMS);
  rom.set(CONFIG, CONFIG_TABLE);
  rom.set(fonts.f8.subarray(0, 128 * 8), FONT_8X8);
  rom.set(fonts.f8.subarray(128 * 8, 256 * 8), FONT_8X8_HIGH);
  rom.set(fonts.f14, FONT_8X14);
  rom.set(fonts.f16, FONT_8X16);
  // Reset vector F000:FFF0: JMP FAR F000:E05B.
  rom.set([0xea, POST_ENTRY & 0xff, POST_ENTRY >> 8, ROM_SEGMENT & 0xff, ROM_SEGMENT >> 8], 0xfff0);
  rom.set(Buffer.from('11/22/26', 'latin1'), 0xfff5);
  rom[0xfffe] = 0xfc; // model byte: PC/AT
  return rom;
}
