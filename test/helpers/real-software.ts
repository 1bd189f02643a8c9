/**
 * Bootable images made from Debian packages (installed by .ci/run): the
 * real software the lab must boot. Each builder writes into a cache folder
 * and returns the image path; images are rebuilt only when missing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cache = join(tmpdir(), 'lab-real-software');

function once(name: string, build: (out: string, work: string) => void): string {
  const out = join(cache, name);
  if (existsSync(out)) return out;
  const work = join(cache, `${name}.work.${process.pid}`);
  mkdirSync(work, { recursive: true });
  const tmp = `${out}.${process.pid}`;
  build(tmp, work);
  copyFileSync(tmp, out);
  return out;
}

/** memtest86+ (package memtest86+): its ia32 image carries a floppy boot sector; padded to 1.44 MB. */
export function memtestFloppy(): string {
  return once('memtest.img', (out) => {
    const bin = readFileSync('/boot/memtest86+ia32.bin');
    const img = Buffer.alloc(1474560);
    bin.copy(img);
    writeFileSync(out, img);
  });
}

/** A GRUB 2 rescue ISO (grub-pc-bin, xorriso, mtools) whose menu waits forever. */
export function grubIso(): string {
  return once('grub.iso', (out, work) => {
    mkdirSync(join(work, 'boot/grub'), { recursive: true });
    writeFileSync(
      join(work, 'boot/grub/grub.cfg'),
      'set timeout=-1\nmenuentry "Compat lab: GRUB menu entry" {\n  echo chosen\n}\nmenuentry "Second entry" {\n  echo second\n}\n',
    );
    execFileSync('grub-mkrescue', ['-o', out, work, '--compress=no'], { stdio: 'ignore' });
  });
}

/** An ISOLINUX ISO (isolinux, syslinux-common, xorriso) with a menu.c32 menu and no timeout. */
export function isolinuxIso(): string {
  return once('isolinux.iso', (out, work) => {
    const dir = join(work, 'isolinux');
    mkdirSync(dir, { recursive: true });
    copyFileSync('/usr/lib/ISOLINUX/isolinux.bin', join(dir, 'isolinux.bin'));
    for (const m of ['ldlinux.c32', 'menu.c32', 'libutil.c32', 'libcom32.c32']) {
      copyFileSync(join('/usr/lib/syslinux/modules/bios', m), join(dir, m));
    }
    writeFileSync(
      join(dir, 'isolinux.cfg'),
      'UI menu.c32\nPROMPT 0\nTIMEOUT 0\nMENU TITLE Compat lab ISOLINUX menu\nLABEL first\n  MENU LABEL First entry\n  LOCALBOOT 0\nLABEL second\n  MENU LABEL Second entry\n  LOCALBOOT 0\n',
    );
    execFileSync(
      'xorriso',
      ['-as', 'mkisofs', '-quiet', '-o', out, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', work],
      { stdio: 'ignore' },
    );
  });
}

/**
 * A GRUB 2 ISO (grub-pc-bin, xorriso, mtools) that boots iPXE (package ipxe)
 * at once: `linux16 /ipxe.lkrn`, the way Debian's /etc/grub.d/20_ipxe does.
 * Note: this iPXE build saves FPU/SSE state with FXSAVE on every switch to
 * protected mode, so it needs a CPU model with FXSAVE/FXRSTOR (Pentium II+).
 */
export function ipxeIso(): string {
  return once('ipxe.iso', (out, work) => {
    mkdirSync(join(work, 'boot/grub'), { recursive: true });
    copyFileSync('/boot/ipxe.lkrn', join(work, 'ipxe.lkrn'));
    writeFileSync(join(work, 'boot/grub/grub.cfg'), 'set timeout=0\nmenuentry "iPXE" {\n  linux16 /ipxe.lkrn\n  boot\n}\n');
    execFileSync('grub-mkrescue', ['-o', out, work, '--compress=no'], { stdio: 'ignore' });
  });
}
