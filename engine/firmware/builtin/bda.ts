/**
 * BIOS Data Area (segment 0x40) offsets the built-in BIOS maintains.
 * Layout per the IBM PC/AT Technical Reference and common BIOS practice.
 */
export const BDA = 0x400;

export const BdaOff = {
  comPorts: 0x00, // 4 words
  lptPorts: 0x08, // 3 words
  ebdaSegment: 0x0e,
  equipment: 0x10,
  memoryKb: 0x13,
  kbdFlags0: 0x17,
  kbdFlags1: 0x18,
  kbdAltKeypad: 0x19,
  kbdHead: 0x1a,
  kbdTail: 0x1c,
  kbdBuffer: 0x1e, // 16 words, 0x1E–0x3D
  floppyRecal: 0x3e,
  floppyMotor: 0x3f,
  floppyMotorCount: 0x40,
  floppyStatus: 0x41,
  videoMode: 0x49,
  videoCols: 0x4a,
  videoPageSize: 0x4c,
  videoPageOffset: 0x4e,
  cursorPos: 0x50, // 8 words (col, row) per page
  cursorShape: 0x60, // word: end, start
  videoPage: 0x62,
  crtcPort: 0x63,
  videoModeCtl: 0x65,
  videoPalette: 0x66,
  ticks: 0x6c, // dword
  ticksRollover: 0x70,
  ctrlBreak: 0x71,
  resetFlag: 0x72,
  hdStatus: 0x74,
  hdCount: 0x75,
  lptTimeout: 0x78,
  comTimeout: 0x7c,
  kbdBufStart: 0x80,
  kbdBufEnd: 0x82,
  videoRows: 0x84, // rows − 1
  charHeight: 0x85, // word
  videoCtl: 0x87,
  videoSwitches: 0x88,
  videoModeSet: 0x89,
  floppyLastRate: 0x8b,
  hdIntFlag: 0x8e,
  floppyMediaState: 0x90, // 2 bytes
  floppyTrack: 0x94, // 2 bytes
  kbdFlags2: 0x96,
  kbdLeds: 0x97,
} as const;

/** Ticks per day of the 18.2 Hz timer: 1,193,180 / 65,536 × 86,400 ≈ 0x1800B0. */
export const TICKS_PER_DAY = 0x1800b0;
