import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBudget } from '../../../harness/suite/budget.js';
import { loadSuiteFile, loadSuites, SuiteError } from '../../../harness/suite/loader.js';

function suite(yaml: string, name = 'demo'): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'lab-suite-')), name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'suite.yaml');
  writeFileSync(file, yaml);
  return file;
}

function problems(file: string): string[] {
  try {
    loadSuiteFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(SuiteError);
    expect((e as SuiteError).exitCode).toBe(2);
    return (e as SuiteError).problems;
  }
  throw new Error('expected the suite to be rejected');
}

const rel = (f: string) => path.relative(process.cwd(), f);

describe('suite loader', () => {
  it('normalises every step shape and inherits settings from suite to case', () => {
    const file = suite(`
app: Demo
tags: [smoke]
timeout: 2s
machine:
  memoryMB: 8
  fda: { image: disk.img }
cases:
  - name: one
    tags: [video]
    timeout: 3000000 instructions
    machine: { memoryMB: 16 }
    steps:
      - boot
      - wait_text: "A>"
      - wait_text: { regex: "^C:\\\\\\\\>", row: 3, timeout: 500ms }
      - type: dir
      - press: [Enter, ctrl+c]
      - mouse_move: [3, -4]
      - click
      - wait_still: 250
      - expect_serial: { golden: log, port: 1 }
      - shutdown: { exitCode: 0 }
  - name: two
    app: Other
    xfail: { reason: known bug, link: "https://example.com/1" }
    steps: [boot, { screenshot: s }, { snapshot: a }, { restore: a }, shutdown]
`);
    const [one, two] = loadSuiteFile(file);
    expect(one!.id).toBe('demo/one');
    expect(one!.app).toBe('Demo');
    expect(one!.tags).toEqual(['smoke', 'video']);
    expect(one!.timeout).toEqual({ instructions: 3_000_000 });
    expect(one!.machine.memoryMB).toBe(16);
    expect(one!.machine.fda).toEqual({ image: path.join(path.dirname(file), 'disk.img') });
    expect(one!.steps).toEqual([
      { kind: 'boot' },
      { kind: 'wait_text', match: { contains: 'A>' }, row: undefined, timeout: undefined },
      { kind: 'wait_text', match: { regex: '^C:\\\\>' }, row: 3, timeout: { virtualMs: 500 } },
      { kind: 'type', text: 'dir' },
      { kind: 'press', keys: ['Enter', 'ctrl+c'] },
      { kind: 'mouse_move', dx: 3, dy: -4 },
      { kind: 'click', button: 'left' },
      { kind: 'wait_still', duration: { virtualMs: 250 }, timeout: undefined },
      { kind: 'expect_serial', match: { golden: 'log' }, port: 1 },
      { kind: 'shutdown', wait: true, exitCode: 0, timeout: undefined },
    ]);
    expect(one!.stepLines[0]).toBe(14);
    expect(two!.timeout).toEqual({ virtualMs: 2000 });
    expect(two!.machine.memoryMB).toBe(8);
    expect(two!.app).toBe('Other');
    expect(two!.xfail).toEqual({ reason: 'known bug', link: 'https://example.com/1' });
  });

  it('reports every problem with file:line:col and what is expected', () => {
    const file = suite(`machine:
  fda: { image: a.img }
cases:
  - name: a
    steps:
      - boot
      - wait_text: { text: "Hi", timeout: 5 parsecs }
      - bogus: 1
      - expect_text: { text: a, colour: red }
  - name: b
    colour: red
    steps: [boot]
  - name: c
    machine: { memoryMB: big }
    steps: [boot, { restore: nowhere }]
`);
    const f = rel(file);
    expect(problems(file)).toEqual([
      `${f}:7:43: wait_text: timeout: expected a number of virtual milliseconds, or a string like "500ms", "2s", "1000000 instructions" or "20M insn", got "5 parsecs"`,
      `${f}:8:9: unknown step "bogus"; expected one of: boot, run, wait_text, wait_screen, wait_serial, wait_still, type, press, mouse_move, click, screenshot, expect_golden, expect_text, expect_serial, expect_print, snapshot, restore, shutdown`,
      `${f}:9:33: expect_text: unknown option "colour"; expected one of: text, contains, equals, regex, row`,
      `${f}:11:5: cases.1: unknown key "colour"; expected one of: name, description, app, tags, timeout, machine, xfail, skip, script, steps`,
      `${f}:14:26: cases.2.machine.memoryMB: Invalid input: expected number, received string`,
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const file = suite('cases:\n  - name: a\n    steps: [boot\n');
    const p = problems(file);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^${rel(file).replace(/[.]/g, '\\.')}:\\d+:\\d+: YAML syntax error: `));
  });

  it('rejects duplicate cases, unknown snapshots, cases without a disk, missing case lists', () => {
    const file = suite(`cases:
  - name: a
    steps: [boot, { restore: x }]
  - name: a
    machine: { fda: { image: a.img } }
    steps: [boot]
`);
    const f = rel(file);
    expect(problems(file)).toEqual([
      `${f}:3:19: restore: no earlier snapshot named "x" in this case`,
      `${f}:2:11: case "a": the machine has no disk; expected machine.fda, hda or cdrom in the suite or the case`,
      `${f}:4:11: duplicate case name "a"; case names must be unique in a suite`,
    ]);
    const empty = suite('app: x\n');
    expect(problems(empty)).toEqual([`${rel(empty)}:1:1: cases: Invalid input: expected array, received undefined`]);
  });

  it('loads folders recursively, sorted by case id, and refuses the same suite name twice', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lab-suites-'));
    for (const [dir, name] of [['b', 'z'], ['a', 'y']] as const) {
      mkdirSync(path.join(root, dir), { recursive: true });
      writeFileSync(path.join(root, dir, 'suite.yaml'), `machine: { fda: { image: x.img } }\ncases:\n  - name: ${name}\n    steps: [boot]\n`);
    }
    expect(loadSuites([root]).map((c) => c.id)).toEqual(['a/y', 'b/z']);
    mkdirSync(path.join(root, 'c'));
    writeFileSync(path.join(root, 'c', 'suite.yaml'), `suite: a\nmachine: { fda: { image: x.img } }\ncases:\n  - name: y\n    steps: [boot]\n`);
    expect(() => loadSuites([root])).toThrow(/case id "a\/y" is also defined/);
    expect(() => loadSuites([path.join(root, 'nope')])).toThrow(/no such file or directory/);
  });
});

describe('budgets', () => {
  it('parses units of virtual time and instructions', () => {
    expect(parseBudget(250)).toEqual({ virtualMs: 250 });
    expect(parseBudget('2s')).toEqual({ virtualMs: 2000 });
    expect(parseBudget('1.5 min')).toEqual({ virtualMs: 90_000 });
    expect(parseBudget('20M insn')).toEqual({ instructions: 20_000_000 });
    expect(parseBudget('500 instructions')).toEqual({ instructions: 500 });
    expect(parseBudget('3Ki')).toEqual({ instructions: 3000 });
    for (const bad of ['', 'soon', '-5ms', '0', '5 parsecs', '1h']) expect(parseBudget(bad)).toBeUndefined();
  });

  it('round-trips any positive millisecond and instruction count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), (n) => {
        expect(parseBudget(`${n}ms`)).toEqual({ virtualMs: n });
        expect(parseBudget(`${n} instructions`)).toEqual({ instructions: n });
      }),
    );
  });
});
