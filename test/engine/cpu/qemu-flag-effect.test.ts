/**
 * The undefined-flag rules the QEMU differential test masks with (flagEffect in
 * engine/cpu/generator.ts). A mask that is too wide would hide real differences,
 * so each rule is pinned to its SDM statement here.
 */
import { describe, expect, it } from 'vitest';
import { flagEffect, flagsOf } from '../../../engine/cpu/generator.js';
import { AF, CF, OF, OSZAPC, PF, SF, ZF } from '../../../engine/cpu/spec.js';

describe('flag effects used to mask undefined flags', () => {
  it('come from the spec table for plain instructions', () => {
    expect(flagsOf('add')).toEqual({ read: 0, written: OSZAPC, undefined: 0 });
    expect(flagsOf('adc').read).toBe(CF);
    expect(flagsOf('and').undefined).toBe(AF); // logical ops: AF undefined (SDM AND)
    expect(flagsOf('mul').undefined).toBe(SF | ZF | AF | PF);
    expect(flagsOf('div').undefined).toBe(OSZAPC);
    expect(flagsOf('inc').written).toBe(OSZAPC & ~CF);
    expect(flagsOf('bsf').undefined).toBe(OSZAPC & ~ZF);
    expect(flagsOf('mov')).toEqual({ read: 0, written: 0, undefined: 0 });
  });

  it('shifts: count 0 changes nothing, OF only defined for 1, SHL/SHR CF undefined from the operand width on', () => {
    expect(flagEffect('shl', 4, 0).written).toBe(0);
    expect(flagEffect('shl', 4, 32).written).toBe(0); // masked to 0
    expect(flagEffect('shl', 4, 1).undefined).toBe(AF);
    expect(flagEffect('shr', 4, 2).undefined).toBe(AF | OF);
    expect(flagEffect('shl', 1, 8).undefined).toBe(AF | OF | CF);
    expect(flagEffect('shr', 2, 15).undefined).toBe(AF | OF);
    expect(flagEffect('sar', 1, 8).undefined).toBe(AF | OF); // SAR: CF is the sign, defined
  });

  it('rotates: only OF can be undefined, and only for counts other than 1', () => {
    expect(flagEffect('rol', 1, 1)).toMatchObject({ written: OF | CF, undefined: 0 });
    expect(flagEffect('rcr', 2, 5)).toMatchObject({ written: OF | CF, undefined: OF });
    expect(flagEffect('ror', 4, 0).written).toBe(0);
  });

  it('SHLD/SHRD: count above the operand size leaves everything undefined', () => {
    expect(flagEffect('shld', 2, 17).undefined).toBe(OSZAPC);
    expect(flagEffect('shld', 2, 16).undefined).toBe(AF | OF);
    expect(flagEffect('shrd', 4, 1).undefined).toBe(AF);
    expect(flagEffect('shrd', 4, 0).written).toBe(0);
  });

  it('REP CMPS/SCAS with a zero count write no flags', () => {
    expect(flagEffect('cmps', 1, 0, 0).written).toBe(0);
    expect(flagEffect('scas', 4, 0, 3).written).toBe(OSZAPC);
    expect(flagEffect('cmps', 2, 0, -1).written).toBe(OSZAPC); // no REP prefix
  });
});
