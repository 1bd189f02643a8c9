/**
 * INT 13h — disk services: CHS functions for floppies and hard disks, the
 * EDD extensions (41h–48h) and El Torito CD-ROM access in 2048-byte blocks.
 * Status codes per the IBM PC/AT Technical Reference and the Phoenix
 * Enhanced Disk Drive Specification 3.0.
 */
import type { BiosCall } from './bios-call.js';
import type { BiosDrive } from './bios-disks.js';
import { BDA, BdaOff } from './bda.js';
import { R, S } from './bios-cpu.js';

const ST_OK = 0x00;
const ST_BAD_COMMAND = 0x01;
const ST_WRITE_PROTECTED = 0x03;
const ST_SECTOR_NOT_FOUND = 0x04;
const ST_TIMEOUT = 0x80;

export interface DiskServiceHost {
  drive(number: number): BiosDrive | undefined;
  floppyCount(): number;
  hardDiskCount(): number;
  /** Address of the El Torito specification packet source for AH=4Bh (the boot info). */
  cdBootInfo(): { bootDrive: number; loadSegment: number; lba: number; sectors: number } | undefined;
}

export function int13(c: BiosCall, host: DiskServiceHost): void {
  const fn = c.ah;
  const dl = c.dl;
  const drive = host.drive(dl);
  const isFloppyNumber = dl < 0x80;
  const setStatus = (st: number): void => {
    c.mem.write8(BDA + (isFloppyNumber ? BdaOff.floppyStatus : BdaOff.hdStatus), st);
    c.status(st);
  };

  if (fn === 0x01) {
    const st = c.mem.read8(BDA + (isFloppyNumber ? BdaOff.floppyStatus : BdaOff.hdStatus));
    c.al = st;
    c.status(ST_OK);
    return;
  }
  if (fn === 0x08 && drive === undefined) {
    setStatus(isFloppyNumber ? ST_OK : ST_TIMEOUT);
    if (isFloppyNumber) {
      // No diskette in that drive: report the drive count anyway, with no geometry.
      c.bl = 0;
      c.cx = 0;
      c.dh = 0;
      c.dl = host.floppyCount();
    }
    return;
  }
  if (fn === 0x15 && drive === undefined) {
    c.ah = 0; // no such drive
    c.setCarry(false);
    return;
  }
  if (drive === undefined) {
    setStatus(ST_TIMEOUT);
    return;
  }

  switch (fn) {
    case 0x00: // reset
    case 0x0d:
    case 0x10: // test ready
    case 0x11: // recalibrate
    case 0x0c: // seek
    case 0x47: // extended seek
      setStatus(ST_OK);
      return;
    case 0x02:
    case 0x03:
    case 0x04: {
      if (drive.kind === 'cd') return setStatus(ST_BAD_COMMAND);
      const count = c.al;
      const cyl = c.ch | ((c.cl & 0xc0) << 2);
      const sector = c.cl & 0x3f;
      const head = c.dh;
      if (count === 0 || sector === 0 || sector > drive.spt || head >= drive.heads || cyl >= drive.cylinders) {
        c.al = 0;
        return setStatus(ST_SECTOR_NOT_FOUND);
      }
      const lba = (cyl * drive.heads + head) * drive.spt + sector - 1;
      const done = transfer(c, drive, fn === 0x03 ? 'write' : fn === 0x04 ? 'verify' : 'read', lba, count, c.es, c.bx);
      c.al = done.sectors;
      return setStatus(done.status);
    }
    case 0x05: // format track: the data is whatever the image holds; nothing to do.
      return setStatus(drive.dev.readOnly ? ST_WRITE_PROTECTED : ST_OK);
    case 0x08: {
      if (drive.kind === 'floppy') {
        c.bl = drive.floppyType;
        c.ax = 0;
        // Pointer to the diskette parameter table (INT 1Eh vector).
        c.set16(R.DI, c.mem.read16(0x1e * 4));
        c.cpu.setSegReal(S.ES, c.mem.read16(0x1e * 4 + 2));
        c.dl = host.floppyCount();
      } else {
        c.dl = host.hardDiskCount();
      }
      const maxCyl = drive.cylinders - 1;
      c.ch = maxCyl & 0xff;
      c.cl = (drive.spt & 0x3f) | ((maxCyl >> 2) & 0xc0);
      c.dh = drive.heads - 1;
      return setStatus(ST_OK);
    }
    case 0x15: // drive type
      if (drive.kind === 'floppy') {
        c.ah = 0x02; // diskette, change line supported
        c.setCarry(false);
      } else {
        const n = drive.dev.sectorCount;
        c.ah = 0x03;
        c.cx = n >>> 16;
        c.dx = n & 0xffff;
        c.setCarry(false);
      }
      return;
    case 0x16: // change line: never changed
      return setStatus(ST_OK);
    case 0x41: // EDD installation check
      if (c.bx !== 0x55aa) return setStatus(ST_BAD_COMMAND);
      c.bx = 0xaa55;
      c.ah = 0x30; // EDD 3.0
      c.cx = 0x0001 | 0x0004; // fixed disk access subset, EDD support
      c.setCarry(false);
      return;
    case 0x42:
    case 0x43:
    case 0x44: {
      // Disk address packet at DS:SI: size, reserved, count (word), buffer (off:seg), LBA (qword).
      const ds = c.ds;
      const si = c.si;
      const size = c.rb(ds, si);
      if (size < 0x10) return setStatus(ST_BAD_COMMAND);
      const count = c.rw(ds, si + 2);
      let bufOff = c.rw(ds, si + 4);
      let bufSeg = c.rw(ds, si + 6);
      const lbaLow = c.rd(ds, si + 8);
      const lbaHigh = c.rd(ds, si + 12);
      if (bufOff === 0xffff && bufSeg === 0xffff && size >= 0x18) {
        // 64-bit flat buffer address: supported below 1 MiB only in real mode.
        const flat = c.rd(ds, si + 16);
        bufSeg = flat >>> 4;
        bufOff = flat & 0xf;
      }
      const lba = lbaHigh * 0x100000000 + lbaLow;
      const mode = fn === 0x43 ? 'write' : fn === 0x44 ? 'verify' : 'read';
      const done = transfer(c, drive, mode, lba, count, bufSeg, bufOff);
      c.ww(ds, si + 2, done.sectors);
      return setStatus(done.status);
    }
    case 0x48: {
      // Drive parameters into the result buffer at DS:SI (EDD 1.1 layout, 26 bytes).
      const ds = c.ds;
      const si = c.si;
      const bufSize = c.rw(ds, si);
      if (bufSize < 0x1a) return setStatus(ST_BAD_COMMAND);
      const cd = drive.kind === 'cd';
      const bps = cd ? 2048 : 512;
      const total = cd ? Math.floor(drive.dev.sectorCount / 4) : drive.dev.sectorCount;
      c.ww(ds, si, 0x1a);
      c.ww(ds, si + 2, cd ? 0x0074 : drive.kind === 'floppy' ? 0x0004 : 0x0002); // removable/changeline for CD & floppy, CHS valid for HD
      c.wd(ds, si + 4, drive.cylinders);
      c.wd(ds, si + 8, drive.heads);
      c.wd(ds, si + 12, drive.spt);
      c.wd(ds, si + 16, total >>> 0);
      c.wd(ds, si + 20, Math.floor(total / 0x100000000));
      c.ww(ds, si + 24, bps);
      return setStatus(ST_OK);
    }
    case 0x4b: {
      // El Torito: terminate disk emulation / get status. Fill the 13h-byte specification packet at DS:SI.
      const info = host.cdBootInfo();
      if (info === undefined || drive.kind !== 'cd') return setStatus(ST_BAD_COMMAND);
      const ds = c.ds;
      const si = c.si;
      c.wb(ds, si, 0x13);
      c.wb(ds, si + 1, 0x00); // no emulation
      c.wb(ds, si + 2, info.bootDrive);
      c.wb(ds, si + 3, 0); // controller index
      c.wd(ds, si + 4, info.lba);
      c.ww(ds, si + 8, 0); // device specification
      c.ww(ds, si + 10, 0); // user buffer segment
      c.ww(ds, si + 12, info.loadSegment);
      c.ww(ds, si + 14, info.sectors);
      c.wb(ds, si + 16, 0);
      c.wb(ds, si + 17, 0);
      c.wb(ds, si + 18, 0);
      return setStatus(ST_OK);
    }
    default:
      return setStatus(ST_BAD_COMMAND);
  }
}

const sectorBuf = new Uint8Array(2048);

/** Move sectors between the drive and guest memory. CD drives count in 2048-byte blocks. */
function transfer(
  c: BiosCall,
  drive: BiosDrive,
  mode: 'read' | 'write' | 'verify',
  lba: number,
  count: number,
  seg: number,
  off: number,
): { status: number; sectors: number } {
  const per = drive.kind === 'cd' ? 4 : 1;
  const blockBytes = 512 * per;
  const total = Math.floor(drive.dev.sectorCount / per);
  if (mode === 'write' && (drive.dev.readOnly || drive.kind === 'cd')) return { status: ST_WRITE_PROTECTED, sectors: 0 };
  let base = c.lin(seg, off);
  for (let i = 0; i < count; i++) {
    if (lba + i >= total) return { status: ST_SECTOR_NOT_FOUND, sectors: i };
    if (mode === 'read') {
      drive.dev.read((lba + i) * per, per, sectorBuf, 0);
      for (let b = 0; b < blockBytes; b++) c.mem.write8(base + b, sectorBuf[b]);
    } else if (mode === 'write') {
      for (let b = 0; b < blockBytes; b++) sectorBuf[b] = c.mem.read8(base + b);
      drive.dev.write((lba + i) * per, per, sectorBuf, 0);
    }
    base += blockBytes;
  }
  return { status: ST_OK, sectors: count };
}
