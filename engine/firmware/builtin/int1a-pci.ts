/**
 * PCI BIOS (INT 1Ah AX=B1xxh), PCI BIOS Specification 2.1 §2.
 * Configuration accesses use mechanism #1 (ports 0CF8h/0CFCh), the same path
 * a driver takes, so the BIOS sees exactly the functions the machine built.
 */
import type { IoBus } from '../../bus/io-bus.js';
import type { BiosCall } from './bios-call.js';
import { R } from './bios-cpu.js';

const SUCCESSFUL = 0x00;
const FUNC_NOT_SUPPORTED = 0x81;
const DEVICE_NOT_FOUND = 0x86;
const BAD_REGISTER = 0x87;

function address(busDevFn: number, reg: number): number {
  return (0x80000000 | (busDevFn << 8) | (reg & 0xfc)) >>> 0;
}

export function pciRead(io: IoBus, busDevFn: number, reg: number, size: 1 | 2 | 4): number {
  io.write32(0xcf8, address(busDevFn, reg));
  const port = 0xcfc + (reg & 3);
  return size === 1 ? io.read8(port) : size === 2 ? io.read16(port) : io.read32(0xcfc);
}

function pciWrite(io: IoBus, busDevFn: number, reg: number, size: 1 | 2 | 4, v: number): void {
  io.write32(0xcf8, address(busDevFn, reg));
  const port = 0xcfc + (reg & 3);
  if (size === 1) io.write8(port, v);
  else if (size === 2) io.write16(port, v);
  else io.write32(0xcfc, v);
}

/** Every present function on bus 0, in bus/device/function order. */
function* functions(io: IoBus): Generator<number> {
  for (let dev = 0; dev < 32; dev++) {
    for (let fn = 0; fn < 8; fn++) {
      const bdf = (dev << 3) | fn;
      if ((pciRead(io, bdf, 0, 2) & 0xffff) === 0xffff) {
        if (fn === 0) break;
        continue;
      }
      yield bdf;
      if (fn === 0 && (pciRead(io, bdf, 0x0e, 1) & 0x80) === 0) break; // single-function device
    }
  }
}

export function pciBios(c: BiosCall, io: IoBus): void {
  const result = (code: number): void => {
    c.ah = code;
    c.setCarry(code !== SUCCESSFUL);
  };
  const bdf = c.bx;
  const reg = c.di;
  switch (c.al) {
    case 0x01: // installation check
      c.cpu.set32(R.DX, 0x20494350); // "PCI "
      c.al = 0x01; // configuration mechanism #1
      c.bx = 0x0210; // version 2.10
      c.cl = 0; // last bus
      c.cpu.set32(R.DI, 0);
      return result(SUCCESSFUL);
    case 0x02: {
      // find device CX=device, DX=vendor, SI=index
      let index = c.si;
      for (const f of functions(io)) {
        if (pciRead(io, f, 0, 2) === c.dx && pciRead(io, f, 2, 2) === c.cx && index-- === 0) {
          c.bx = f;
          return result(SUCCESSFUL);
        }
      }
      return result(DEVICE_NOT_FOUND);
    }
    case 0x03: {
      // find class code ECX (24 bits), SI=index
      const cls = c.cpu.get32(R.CX) & 0xffffff;
      let index = c.si;
      for (const f of functions(io)) {
        if (pciRead(io, f, 8, 4) >>> 8 === cls && index-- === 0) {
          c.bx = f;
          return result(SUCCESSFUL);
        }
      }
      return result(DEVICE_NOT_FOUND);
    }
    case 0x08:
      c.cl = pciRead(io, bdf, reg, 1);
      return result(SUCCESSFUL);
    case 0x09:
      if (reg & 1) return result(BAD_REGISTER);
      c.cx = pciRead(io, bdf, reg, 2);
      return result(SUCCESSFUL);
    case 0x0a:
      if (reg & 3) return result(BAD_REGISTER);
      c.cpu.set32(R.CX, pciRead(io, bdf, reg, 4));
      return result(SUCCESSFUL);
    case 0x0b:
      pciWrite(io, bdf, reg, 1, c.cl);
      return result(SUCCESSFUL);
    case 0x0c:
      if (reg & 1) return result(BAD_REGISTER);
      pciWrite(io, bdf, reg, 2, c.cx);
      return result(SUCCESSFUL);
    case 0x0d:
      if (reg & 3) return result(BAD_REGISTER);
      pciWrite(io, bdf, reg, 4, c.cpu.get32(R.CX));
      return result(SUCCESSFUL);
    default:
      return result(FUNC_NOT_SUPPORTED);
  }
}
