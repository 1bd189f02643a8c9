import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KEYS, lookupKey, parseChord, translateSet2Byte, typeString, UnknownKeyError, nearestKeyNames } from '../../../engine/input/keys.js';

/** What the 8042 does with translation on: F0 sets bit 7 of the next translated byte. */
function translate(bytes: readonly number[]): number[] {
  const out: number[] = [];
  let brk = false;
  for (const b of bytes) {
    if (b === 0xf0) {
      brk = true;
      continue;
    }
    out.push(translateSet2Byte(b) | (brk ? 0x80 : 0));
    brk = false;
  }
  return out;
}

const names = (evs: { key: { name: string }; down: boolean }[]) => evs.map((e) => (e.down ? '+' : '-') + e.key.name);

describe('keys', () => {
  it('every key: 8042 translation of its set-2 codes gives its set-1 codes', () => {
    for (const k of KEYS) {
      expect(translate(k.set2Make), k.name).toEqual([...k.set1Make]);
      expect(translate(k.set2Break), k.name).toEqual([...k.set1Break]);
    }
  });

  it('scan codes are unique per key', () => {
    const seen = new Set(KEYS.map((k) => k.set1Make.join(',')));
    expect(seen.size).toBe(KEYS.length);
    const seen2 = new Set(KEYS.map((k) => k.set2Make.join(',')));
    expect(seen2.size).toBe(KEYS.length);
  });

  it('known codes: Enter, a, F7, Left, Pause, PrintScreen', () => {
    expect(lookupKey('Enter').key.set1Make).toEqual([0x1c]);
    expect(lookupKey('enter').key.set2Break).toEqual([0xf0, 0x5a]);
    expect(lookupKey('a').key.set2Make).toEqual([0x1c]);
    expect(lookupKey('F7').key.set2Make).toEqual([0x83]);
    expect(lookupKey('Left').key.set1Break).toEqual([0xe0, 0xcb]);
    expect(lookupKey('ArrowLeft').key.set2Break).toEqual([0xe0, 0xf0, 0x6b]);
    expect(lookupKey('Pause').key.set1Make).toEqual([0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]);
    expect(lookupKey('PrintScreen').key.set2Make).toEqual([0xe0, 0x12, 0xe0, 0x7c]);
    expect(lookupKey('Esc')).toEqual(lookupKey('ESCAPE'));
  });

  it('A and ! imply Shift; a and 1 do not', () => {
    expect(lookupKey('A')).toEqual({ key: lookupKey('a').key, shift: true });
    expect(lookupKey('!')).toEqual({ key: lookupKey('1').key, shift: true });
    expect(lookupKey('a').shift).toBe(false);
  });

  it('parses chords: press in order, release in reverse', () => {
    expect(names(parseChord('ctrl+alt+del'))).toEqual(['+Ctrl', '+Alt', '+Delete', '-Delete', '-Alt', '-Ctrl']);
    expect(names(parseChord('shift+a'))).toEqual(['+Shift', '+a', '-a', '-Shift']);
    expect(names(parseChord('ctrl+A'))).toEqual(['+Shift', '+Ctrl', '+a', '-a', '-Ctrl', '-Shift']);
    expect(names(parseChord('alt++'))).toEqual(['+Shift', '+Alt', '+=', '-=', '-Alt', '-Shift']);
    expect(names(parseChord('F1'))).toEqual(['+F1', '-F1']);
  });

  it('unknown names throw and list the nearest valid names', () => {
    expect(() => lookupKey('Entr')).toThrow(UnknownKeyError);
    expect(() => lookupKey('Entr')).toThrow(/Enter/);
    expect(() => parseChord('ctrl+alt+dell')).toThrow(/Del/);
    expect(nearestKeyNames('pgup')[0]).toBe('PgUp');
    expect(() => lookupKey('€')).toThrow(/unknown key/);
  });

  it('typeString wraps shifted characters in Shift and maps control characters', () => {
    expect(names(typeString('Hi!\n'))).toEqual([
      '+Shift', '+h', '-h', '-Shift',
      '+i', '-i',
      '+Shift', '+1', '-1', '-Shift',
      '+Enter', '-Enter',
    ]);
  });

  it('property: typing printable ASCII is balanced and shift-correct', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }), (s) => {
        const evs = typeString(s);
        const held = new Set<string>();
        let presses = 0;
        for (const e of evs) {
          if (e.down) {
            expect(held.has(e.key.name)).toBe(false);
            held.add(e.key.name);
            if (e.key.name !== 'Shift') presses++;
          } else {
            expect(held.delete(e.key.name)).toBe(true);
          }
        }
        expect(held.size).toBe(0);
        expect(presses).toBe(s.length);
      }),
    );
  });
});
