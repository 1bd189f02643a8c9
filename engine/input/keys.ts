/**
 * US-layout key names → PC keyboard scan codes (sets 1 and 2), key-chord
 * parsing (`ctrl+alt+del`, `shift+a`) and text typing (`typeString`).
 *
 * Scan codes are the IBM PC/AT and MF2 keyboard facts (IBM "Keyboard and
 * Auxiliary Device Controller" / PS/2 Hardware Interface Technical Reference,
 * scan code tables for sets 1 and 2). Set 1 break = make with bit 7 set on the
 * final byte; set 2 break = F0 before the final byte. E0-prefixed keys keep
 * their prefix. Print Screen and Pause have their own multi-byte sequences,
 * and Pause has no break code.
 *
 * Names are case-insensitive except single characters, where `a` and `A`
 * differ (the latter needs Shift).
 */

export interface KeyDef {
  /** Canonical name, e.g. `Enter`, `a`, `KP5`, `Left`. */
  readonly name: string;
  readonly set1Make: readonly number[];
  readonly set1Break: readonly number[];
  readonly set2Make: readonly number[];
  readonly set2Break: readonly number[];
}

export interface KeyEvent {
  readonly key: KeyDef;
  readonly down: boolean;
}

export class UnknownKeyError extends Error {
  constructor(
    readonly keyName: string,
    readonly suggestions: readonly string[],
  ) {
    super(`unknown key "${keyName}"${suggestions.length ? `; nearest valid names: ${suggestions.join(', ')}` : ''}`);
    this.name = 'UnknownKeyError';
  }
}

function simple(name: string, s1: number, s2: number): KeyDef {
  return { name, set1Make: [s1], set1Break: [s1 | 0x80], set2Make: [s2], set2Break: [0xf0, s2] };
}

function extended(name: string, s1: number, s2: number): KeyDef {
  return { name, set1Make: [0xe0, s1], set1Break: [0xe0, s1 | 0x80], set2Make: [0xe0, s2], set2Break: [0xe0, 0xf0, s2] };
}

/** [name, set-1 code, set-2 code, ...aliases] for the single-byte keys. */
const SIMPLE: [string, number, number, ...string[]][] = [
  ['Esc', 0x01, 0x76, 'Escape'],
  ['1', 0x02, 0x16],
  ['2', 0x03, 0x1e],
  ['3', 0x04, 0x26],
  ['4', 0x05, 0x25],
  ['5', 0x06, 0x2e],
  ['6', 0x07, 0x36],
  ['7', 0x08, 0x3d],
  ['8', 0x09, 0x3e],
  ['9', 0x0a, 0x46],
  ['0', 0x0b, 0x45],
  ['-', 0x0c, 0x4e, 'Minus'],
  ['=', 0x0d, 0x55, 'Equal', 'Equals'],
  ['Backspace', 0x0e, 0x66, 'BS'],
  ['Tab', 0x0f, 0x0d],
  ['q', 0x10, 0x15],
  ['w', 0x11, 0x1d],
  ['e', 0x12, 0x24],
  ['r', 0x13, 0x2d],
  ['t', 0x14, 0x2c],
  ['y', 0x15, 0x35],
  ['u', 0x16, 0x3c],
  ['i', 0x17, 0x43],
  ['o', 0x18, 0x44],
  ['p', 0x19, 0x4d],
  ['[', 0x1a, 0x54, 'BracketLeft'],
  [']', 0x1b, 0x5b, 'BracketRight'],
  ['Enter', 0x1c, 0x5a, 'Return'],
  ['Ctrl', 0x1d, 0x14, 'Control', 'LeftCtrl', 'LCtrl', 'ControlLeft'],
  ['a', 0x1e, 0x1c],
  ['s', 0x1f, 0x1b],
  ['d', 0x20, 0x23],
  ['f', 0x21, 0x2b],
  ['g', 0x22, 0x34],
  ['h', 0x23, 0x33],
  ['j', 0x24, 0x3b],
  ['k', 0x25, 0x42],
  ['l', 0x26, 0x4b],
  [';', 0x27, 0x4c, 'Semicolon'],
  ["'", 0x28, 0x52, 'Quote', 'Apostrophe'],
  ['`', 0x29, 0x0e, 'Backquote', 'Grave'],
  ['Shift', 0x2a, 0x12, 'LeftShift', 'LShift', 'ShiftLeft'],
  ['\\', 0x2b, 0x5d, 'Backslash'],
  ['z', 0x2c, 0x1a],
  ['x', 0x2d, 0x22],
  ['c', 0x2e, 0x21],
  ['v', 0x2f, 0x2a],
  ['b', 0x30, 0x32],
  ['n', 0x31, 0x31],
  ['m', 0x32, 0x3a],
  [',', 0x33, 0x41, 'Comma'],
  ['.', 0x34, 0x49, 'Period'],
  ['/', 0x35, 0x4a, 'Slash'],
  ['RightShift', 0x36, 0x59, 'RShift', 'ShiftRight'],
  ['KP*', 0x37, 0x7c, 'KPMultiply', 'NumpadMultiply'],
  ['Alt', 0x38, 0x11, 'LeftAlt', 'LAlt', 'AltLeft'],
  ['Space', 0x39, 0x29, ' ', 'Spacebar'],
  ['CapsLock', 0x3a, 0x58, 'Caps'],
  ['F1', 0x3b, 0x05],
  ['F2', 0x3c, 0x06],
  ['F3', 0x3d, 0x04],
  ['F4', 0x3e, 0x0c],
  ['F5', 0x3f, 0x03],
  ['F6', 0x40, 0x0b],
  ['F7', 0x41, 0x83],
  ['F8', 0x42, 0x0a],
  ['F9', 0x43, 0x01],
  ['F10', 0x44, 0x09],
  ['NumLock', 0x45, 0x77],
  ['ScrollLock', 0x46, 0x7e],
  ['KP7', 0x47, 0x6c, 'Numpad7'],
  ['KP8', 0x48, 0x75, 'Numpad8'],
  ['KP9', 0x49, 0x7d, 'Numpad9'],
  ['KP-', 0x4a, 0x7b, 'KPMinus', 'NumpadSubtract'],
  ['KP4', 0x4b, 0x6b, 'Numpad4'],
  ['KP5', 0x4c, 0x73, 'Numpad5'],
  ['KP6', 0x4d, 0x74, 'Numpad6'],
  ['KP+', 0x4e, 0x79, 'KPPlus', 'NumpadAdd'],
  ['KP1', 0x4f, 0x69, 'Numpad1'],
  ['KP2', 0x50, 0x72, 'Numpad2'],
  ['KP3', 0x51, 0x7a, 'Numpad3'],
  ['KP0', 0x52, 0x70, 'Numpad0'],
  ['KP.', 0x53, 0x71, 'KPDecimal', 'NumpadDecimal'],
  ['IntlBackslash', 0x56, 0x61, '102nd'],
  ['F11', 0x57, 0x78],
  ['F12', 0x58, 0x07],
];

/** E0-prefixed keys: [name, set-1 code, set-2 code, ...aliases]. */
const EXTENDED: [string, number, number, ...string[]][] = [
  ['KPEnter', 0x1c, 0x5a, 'NumpadEnter'],
  ['RightCtrl', 0x1d, 0x14, 'RCtrl', 'ControlRight'],
  ['KP/', 0x35, 0x4a, 'KPDivide', 'NumpadDivide'],
  ['RightAlt', 0x38, 0x11, 'RAlt', 'AltGr', 'AltRight'],
  ['Home', 0x47, 0x6c],
  ['Up', 0x48, 0x75, 'ArrowUp'],
  ['PageUp', 0x49, 0x7d, 'PgUp'],
  ['Left', 0x4b, 0x6b, 'ArrowLeft'],
  ['Right', 0x4d, 0x74, 'ArrowRight'],
  ['End', 0x4f, 0x69],
  ['Down', 0x50, 0x72, 'ArrowDown'],
  ['PageDown', 0x51, 0x7a, 'PgDn', 'PageDn'],
  ['Insert', 0x52, 0x70, 'Ins'],
  ['Delete', 0x53, 0x71, 'Del'],
  ['Win', 0x5b, 0x1f, 'LeftWin', 'Meta', 'Super', 'MetaLeft', 'OS'],
  ['RightWin', 0x5c, 0x27, 'MetaRight'],
  ['Menu', 0x5d, 0x2f, 'ContextMenu', 'Apps'],
];

const PRINT_SCREEN: KeyDef = {
  name: 'PrintScreen',
  set1Make: [0xe0, 0x2a, 0xe0, 0x37],
  set1Break: [0xe0, 0xb7, 0xe0, 0xaa],
  set2Make: [0xe0, 0x12, 0xe0, 0x7c],
  set2Break: [0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12],
};

const PAUSE: KeyDef = {
  name: 'Pause',
  set1Make: [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5],
  set1Break: [],
  set2Make: [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77],
  set2Break: [],
};

/** Shifted characters of the US layout → their unshifted key. */
const SHIFTED: Record<string, string> = {
  '!': '1',
  '@': '2',
  '#': '3',
  $: '4',
  '%': '5',
  '^': '6',
  '&': '7',
  '*': '8',
  '(': '9',
  ')': '0',
  _: '-',
  '+': '=',
  '{': '[',
  '}': ']',
  ':': ';',
  '"': "'",
  '~': '`',
  '|': '\\',
  '<': ',',
  '>': '.',
  '?': '/',
};

/** Every physical key, in set-1 order. */
export const KEYS: readonly KeyDef[] = [
  ...SIMPLE.map(([n, s1, s2]) => simple(n, s1, s2)),
  ...EXTENDED.map(([n, s1, s2]) => extended(n, s1, s2)),
  PRINT_SCREEN,
  PAUSE,
];

/** Lower-cased names/aliases of multi-character names → key; single characters are exact. */
const BY_NAME = new Map<string, KeyDef>();
const ALL_NAMES: string[] = [];
{
  const add = (alias: string, key: KeyDef) => {
    BY_NAME.set(alias.length === 1 ? alias : alias.toLowerCase(), key);
    ALL_NAMES.push(alias);
  };
  const byCanonical = new Map(KEYS.map((k) => [k.name, k]));
  for (const [n, , , ...aliases] of [...SIMPLE, ...EXTENDED]) {
    const key = byCanonical.get(n)!;
    add(n, key);
    for (const a of aliases) add(a, key);
  }
  add('PrintScreen', PRINT_SCREEN);
  add('PrtSc', PRINT_SCREEN);
  add('Pause', PAUSE);
  add('Break', PAUSE);
  for (const [n] of SIMPLE) if (n.length === 1 && n >= 'a' && n <= 'z') ALL_NAMES.push(n.toUpperCase());
  ALL_NAMES.push(...Object.keys(SHIFTED));
}

/** A resolved key name: the physical key plus whether the name implies Shift (`A`, `!`). */
export interface KeyStroke {
  readonly key: KeyDef;
  readonly shift: boolean;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The valid names closest to `name` (for error messages). */
export function nearestKeyNames(name: string, count = 5): string[] {
  const lower = name.toLowerCase();
  return [...new Set(ALL_NAMES)]
    .filter((n) => n.length > 1 || name.length === 1)
    .map((n) => ({ n, d: editDistance(lower, n.toLowerCase()) + (n.toLowerCase().startsWith(lower) ? -1 : 0) }))
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n))
    .slice(0, count)
    .map((x) => x.n);
}

/** Resolve one key name (`Enter`, `a`, `A`, `!`, `F5`, `ctrl`). Throws UnknownKeyError. */
export function lookupKey(name: string): KeyStroke {
  if (name.length === 1) {
    const direct = BY_NAME.get(name);
    if (direct) return { key: direct, shift: false };
    if (name >= 'A' && name <= 'Z') return { key: BY_NAME.get(name.toLowerCase())!, shift: true };
    const base = SHIFTED[name];
    if (base !== undefined) return { key: BY_NAME.get(base)!, shift: true };
  } else {
    const key = BY_NAME.get(name.toLowerCase());
    if (key) return { key, shift: false };
  }
  throw new UnknownKeyError(name, nearestKeyNames(name));
}

/** Make codes of `key` in scan code set 1 or 2. */
export function makeCodes(key: KeyDef, set: 1 | 2): readonly number[] {
  return set === 1 ? key.set1Make : key.set2Make;
}

/** Break codes of `key` in scan code set 1 or 2 (empty for Pause). */
export function breakCodes(key: KeyDef, set: 1 | 2): readonly number[] {
  return set === 1 ? key.set1Break : key.set2Break;
}

const SHIFT = BY_NAME.get('shift')!;

/**
 * Parse a chord like `ctrl+alt+del`, `shift+a`, `ctrl+A`, `alt++`: the keys
 * are pressed left to right and released in reverse order. A name that
 * implies Shift (`A`, `!`) adds a Shift press unless the chord has one.
 */
export function parseChord(chord: string): KeyEvent[] {
  const trimmed = chord.trim();
  if (trimmed === '') throw new UnknownKeyError(chord, []);
  const parts: string[] = [];
  let rest = trimmed;
  // A trailing "++" means the "+" key itself.
  if (rest.endsWith('++')) {
    rest = rest.slice(0, -2);
    parts.push(...(rest === '' ? [] : rest.split('+')), '+');
  } else if (rest === '+') {
    parts.push('+');
  } else {
    parts.push(...rest.split('+'));
  }
  const keys: KeyDef[] = [];
  let needShift = false;
  for (const p of parts) {
    const name = p.trim();
    const s = lookupKey(name === '' ? p : name);
    needShift ||= s.shift;
    if (!keys.includes(s.key)) keys.push(s.key);
  }
  if (needShift && !keys.includes(SHIFT) && !keys.some((k) => k.name === 'RightShift')) keys.unshift(SHIFT);
  return [...keys.map((key) => ({ key, down: true })), ...[...keys].reverse().map((key) => ({ key, down: false }))];
}

/**
 * Key events that type `text` on a US keyboard: each character is pressed
 * and released, wrapped in Shift for upper case and shifted symbols.
 * `\n` and `\r` type Enter, `\t` Tab, `\b` Backspace.
 */
export function typeString(text: string): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const ch of text) {
    const name = ch === '\n' || ch === '\r' ? 'Enter' : ch === '\t' ? 'Tab' : ch === '\b' ? 'Backspace' : ch;
    const s = lookupKey(name);
    if (s.shift) events.push({ key: SHIFT, down: true });
    events.push({ key: s.key, down: true }, { key: s.key, down: false });
    if (s.shift) events.push({ key: SHIFT, down: false });
  }
  return events;
}

/**
 * The 8042's set 2 → set 1 translation (active when command-byte bit 6 is
 * set), indexed by the set-2 byte 0x00–0x7F; bytes from 0x80 up pass through
 * unchanged except F7's 0x83 (→ 0x41) and SysRq's 0x84 (→ 0x54), and F0 is
 * consumed to set bit 7 of the following translated byte.
 */
export const SET2_TO_SET1: Uint8Array = Uint8Array.from([
  0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
  0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
  0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
  0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
  0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
  0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
  0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
  0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
]);

/** Translate one set-2 byte (not F0) to set 1. */
export function translateSet2Byte(b: number): number {
  if (b < 0x80) return SET2_TO_SET1[b];
  if (b === 0x83) return 0x41;
  if (b === 0x84) return 0x54;
  return b;
}
