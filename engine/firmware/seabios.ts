/**
 * Real SeaBIOS and SeaVGABIOS (Debian package `seabios`) as the machine's
 * firmware. SeaBIOS recognises the QEMU-style platform through fw_cfg and
 * the i440FX/PIIX3 PCI functions; the VGA BIOS is handed to it as the
 * fw_cfg file `vgaroms/vgabios-stdvga.bin` (SeaBIOS runs every file under
 * `vgaroms/` as a VGA option ROM), which drives our Bochs-DISPI adapter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineInputError } from '../errors.js';

export const DEFAULT_SEABIOS_DIR = '/usr/share/seabios';

export interface SeabiosImages {
  bios: Uint8Array;
  vgaBios: Uint8Array;
  biosPath: string;
}

/** Load bios-256k.bin (or bios.bin) and vgabios-stdvga.bin from `dir`, with a clear error when missing. */
export function loadSeabios(dir = DEFAULT_SEABIOS_DIR): SeabiosImages {
  const candidates = ['bios-256k.bin', 'bios.bin'].map((f) => join(dir, f));
  const biosPath = candidates.find((p) => existsSync(p));
  if (biosPath === undefined) {
    throw new EngineInputError(
      `firmware seabios: no bios-256k.bin or bios.bin in ${dir} (install the Debian package "seabios", or give --firmware a ROM file)`,
      dir,
    );
  }
  const vgaPath = join(dir, 'vgabios-stdvga.bin');
  if (!existsSync(vgaPath)) {
    throw new EngineInputError(`firmware seabios: ${vgaPath} not found (install the Debian package "seabios")`, vgaPath);
  }
  const bios = readFileSync(biosPath);
  if (bios.length < 0x10000 || bios.length > 0x40000 || bios.length % 0x10000 !== 0) {
    throw new EngineInputError(`${biosPath}: expected a 64–256 KiB SeaBIOS image, got ${bios.length} bytes`, biosPath);
  }
  return { bios: new Uint8Array(bios), vgaBios: new Uint8Array(readFileSync(vgaPath)), biosPath };
}
