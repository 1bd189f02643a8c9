/**
 * One BIOS service call as the host sees it: the caller's registers, the
 * FLAGS image the stub's IRET will restore, and real-mode memory helpers.
 * Services return results the way the BIOS interface defines them (AH
 * status, CF error, ZF for "key available"), by writing registers and the
 * saved FLAGS on the interrupt stack frame.
 */
import type { PhysicalMemory } from '../../bus/physical-memory.js';
import { R, S, type BiosCpu } from './bios-cpu.js';

const CF = 0x0001;
const ZF = 0x0040;

export class BiosCall {
  constructor(
    readonly cpu: BiosCpu,
    readonly mem: PhysicalMemory,
  ) {}

  get ax(): number {
    return this.cpu.get32(R.AX) & 0xffff;
  }
  get bx(): number {
    return this.cpu.get32(R.BX) & 0xffff;
  }
  get cx(): number {
    return this.cpu.get32(R.CX) & 0xffff;
  }
  get dx(): number {
    return this.cpu.get32(R.DX) & 0xffff;
  }
  get si(): number {
    return this.cpu.get32(R.SI) & 0xffff;
  }
  get di(): number {
    return this.cpu.get32(R.DI) & 0xffff;
  }
  get bp(): number {
    return this.cpu.get32(R.BP) & 0xffff;
  }
  get ah(): number {
    return (this.cpu.get32(R.AX) >>> 8) & 0xff;
  }
  get al(): number {
    return this.cpu.get32(R.AX) & 0xff;
  }
  get bh(): number {
    return (this.cpu.get32(R.BX) >>> 8) & 0xff;
  }
  get bl(): number {
    return this.cpu.get32(R.BX) & 0xff;
  }
  get ch(): number {
    return (this.cpu.get32(R.CX) >>> 8) & 0xff;
  }
  get cl(): number {
    return this.cpu.get32(R.CX) & 0xff;
  }
  get dh(): number {
    return (this.cpu.get32(R.DX) >>> 8) & 0xff;
  }
  get dl(): number {
    return this.cpu.get32(R.DX) & 0xff;
  }
  get es(): number {
    return this.cpu.getSeg(S.ES);
  }
  get ds(): number {
    return this.cpu.getSeg(S.DS);
  }

  /** Set the low 16 bits of a register, keeping the high half (as a 16-bit BIOS does). */
  set16(r: R, v: number): void {
    const old = this.cpu.get32(r);
    this.cpu.set32(r, ((old & 0xffff0000) | (v & 0xffff)) >>> 0);
  }
  setLow8(r: R, v: number): void {
    const old = this.cpu.get32(r);
    this.cpu.set32(r, ((old & 0xffffff00) | (v & 0xff)) >>> 0);
  }
  setHigh8(r: R, v: number): void {
    const old = this.cpu.get32(r);
    this.cpu.set32(r, ((old & 0xffff00ff) | ((v & 0xff) << 8)) >>> 0);
  }
  set ax(v: number) {
    this.set16(R.AX, v);
  }
  set bx(v: number) {
    this.set16(R.BX, v);
  }
  set cx(v: number) {
    this.set16(R.CX, v);
  }
  set dx(v: number) {
    this.set16(R.DX, v);
  }
  set ah(v: number) {
    this.setHigh8(R.AX, v);
  }
  set al(v: number) {
    this.setLow8(R.AX, v);
  }
  set bh(v: number) {
    this.setHigh8(R.BX, v);
  }
  set bl(v: number) {
    this.setLow8(R.BX, v);
  }
  set ch(v: number) {
    this.setHigh8(R.CX, v);
  }
  set cl(v: number) {
    this.setLow8(R.CX, v);
  }
  set dh(v: number) {
    this.setHigh8(R.DX, v);
  }
  set dl(v: number) {
    this.setLow8(R.DX, v);
  }

  /** Linear address of the saved FLAGS word in the INT frame (SS:SP+4). */
  private flagsImageAddr(): number {
    const ss = this.cpu.getSeg(S.SS);
    const sp = this.cpu.get32(R.SP) & 0xffff;
    return ss * 16 + ((sp + 4) & 0xffff);
  }

  private setImageFlag(mask: number, on: boolean): void {
    const a = this.flagsImageAddr();
    const f = this.mem.read16(a);
    this.mem.write16(a, on ? f | mask : f & ~mask);
  }

  /** CF as the caller will see it after IRET. */
  setCarry(on: boolean): void {
    this.setImageFlag(CF, on);
  }
  setZero(on: boolean): void {
    this.setImageFlag(ZF, on);
  }

  /** Success: AH = 0, CF clear. Failure: AH = status, CF set. */
  status(code: number): void {
    this.ah = code;
    this.setCarry(code !== 0);
  }

  /** Tell the stub to sleep (STI; HLT) and call again: the service cannot complete yet. */
  retryLater(): void {
    this.cpu.setFlags(this.cpu.getFlags() | CF);
  }

  /** Clear live CF: the call completed (the stub then IRETs). */
  done(): void {
    this.cpu.setFlags(this.cpu.getFlags() & ~CF);
  }

  lin(seg: number, off: number): number {
    return seg * 16 + (off & 0xffff);
  }
  rb(seg: number, off: number): number {
    return this.mem.read8(this.lin(seg, off));
  }
  rw(seg: number, off: number): number {
    return this.mem.read8(this.lin(seg, off)) | (this.mem.read8(this.lin(seg, off + 1)) << 8);
  }
  rd(seg: number, off: number): number {
    return (this.rw(seg, off) | (this.rw(seg, off + 2) << 16)) >>> 0;
  }
  wb(seg: number, off: number, v: number): void {
    this.mem.write8(this.lin(seg, off), v);
  }
  ww(seg: number, off: number, v: number): void {
    this.wb(seg, off, v);
    this.wb(seg, off + 1, v >>> 8);
  }
  wd(seg: number, off: number, v: number): void {
    this.ww(seg, off, v);
    this.ww(seg, off + 2, v >>> 16);
  }
}
