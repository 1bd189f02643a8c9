/**
 * A test session on one machine: the TypeScript API for the suite steps.
 * suite.yaml steps are dispatched to these methods, and cases that need logic
 * can call them directly from a script:
 *
 *   export default async function (s: Session) {
 *     await s.boot();
 *     s.waitText({ contains: 'A>' });
 *     s.type('DIR\n');
 *     s.expectGolden('dir-listing');
 *   }
 *
 * Every method records a StepRecord; a failed check throws StepFailure (the
 * case FAILs), an infrastructure problem throws InfraFailure (the case is an
 * ERROR).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MachineConfigInput } from '../../engine/machine-config.js';
import { compareFrames } from '../golden/compare.js';
import { goldenMetaPath, goldenPngPath, goldenTextPath, readGoldenMeta, sha256, writeGoldenMeta, type Provenance } from '../golden/golden.js';
import type { Frame, LabMachine, MachineFactory } from '../machine-api.js';
import { readPng, writePng } from '../png.js';
import { formatBudget, type Budget } from '../suite/budget.js';
import type { Step, StepKind, TextMatch } from '../suite/schema.js';
import { describeMatch, screenRow, tail, textMatches } from './match.js';
import { DEFAULT_POLL_INSTRUCTIONS, describeStop, runOptionsFor, stillPoll, waitFor, waitStill } from './wait.js';

export type UpdateGoldens = 'none' | 'missing' | 'changed' | 'all';
export const UPDATE_MODES: readonly UpdateGoldens[] = ['none', 'missing', 'changed', 'all'];

export type StepOutcome = 'pass' | 'fail' | 'error' | 'not-run';

export interface StepArtifacts {
  /** File names relative to the case's artifact folder. */
  expected?: string;
  actual?: string;
  diff?: string;
  text?: string;
}

export interface StepRecord {
  index: number;
  kind: StepKind;
  label: string;
  line?: number;
  outcome: StepOutcome;
  message?: string;
  instructions: number;
  virtualMs: number;
  /** Host time the step took (for MIPS; never used to decide an outcome). */
  wallMs?: number;
  artifacts?: StepArtifacts;
  /** Golden name and hash of the golden the step was checked against (after any update). */
  golden?: { name: string; sha256: string; written?: 'created' | 'updated' };
  diffPixels?: number;
}

export class StepFailure extends Error {
  override name = 'StepFailure';
}

export class InfraFailure extends Error {
  override name = 'InfraFailure';
}

export interface SessionOptions {
  caseId: string;
  config: MachineConfigInput;
  factory: MachineFactory;
  goldenRoot: string;
  artifactsDir: string;
  updateGoldens: UpdateGoldens;
  defaultTimeout: Budget;
  provenance: Provenance;
  pollInstructions?: number;
  /** How long the screen must stay unchanged before a missing screen golden is captured. */
  settle?: Budget;
}

export function stepLabel(step: Step): string {
  switch (step.kind) {
    case 'boot':
      return 'boot';
    case 'run':
      return `run ${formatBudget(step.budget)}`;
    case 'wait_text':
    case 'expect_text':
      return `${step.kind} ${describeMatch(step.match)}${step.row !== undefined ? ` on row ${step.row}` : ''}`;
    case 'wait_serial':
      return `wait_serial COM${step.port + 1} ${describeMatch(step.match)}`;
    case 'expect_serial':
      return `expect_serial COM${step.port + 1} ${'golden' in step.match ? `golden ${step.match.golden}` : describeMatch(step.match)}`;
    case 'wait_screen':
      return `wait_screen ${step.golden}`;
    case 'wait_still':
      return `wait_still ${formatBudget(step.duration)}`;
    case 'type':
      return `type ${JSON.stringify(step.text)}`;
    case 'press':
      return `press ${step.keys.join(', ')}`;
    case 'mouse_move':
      return `mouse_move ${step.dx},${step.dy}`;
    case 'click':
      return `click ${step.button}`;
    case 'screenshot':
    case 'expect_golden':
    case 'snapshot':
    case 'restore':
      return `${step.kind} ${step.name}`;
    case 'expect_print':
      return `expect_print ${step.golden}`;
    case 'shutdown':
      return step.wait ? `shutdown (wait${step.exitCode !== undefined ? `, exit code ${step.exitCode}` : ''})` : 'shutdown';
  }
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

export class Session {
  readonly records: StepRecord[] = [];
  private m: LabMachine | undefined;
  private readonly snapshots = new Map<string, Uint8Array>();
  private readonly poll: number;
  private current: StepRecord | undefined;
  private shotCount = 0;
  /** Counters of the last machine, for the step that shut it down. */
  private lastCounts: { instructions: number; virtualTimeMs: number } | undefined;

  constructor(readonly opts: SessionOptions) {
    this.poll = opts.pollInstructions ?? DEFAULT_POLL_INSTRUCTIONS;
    mkdirSync(opts.artifactsDir, { recursive: true });
  }

  /** The machine; booting first when a step needs it and the case did not say `boot`. */
  get machine(): LabMachine {
    if (!this.m) throw new StepFailure('the machine is not running: add a "boot" step (or "restore") first');
    return this.m;
  }

  get running(): boolean {
    return this.m !== undefined;
  }

  // ---- bookkeeping -------------------------------------------------------

  private begin(kind: StepKind, label: string, line?: number): StepRecord {
    const rec: StepRecord = {
      index: this.records.length,
      kind,
      label,
      line,
      outcome: 'pass',
      instructions: this.m?.instructions ?? 0,
      virtualMs: this.m?.virtualTimeMs ?? 0,
      wallMs: performance.now(),
    };
    this.records.push(rec);
    this.current = rec;
    return rec;
  }

  private end(rec: StepRecord): void {
    rec.wallMs = Math.round((performance.now() - (rec.wallMs ?? 0)) * 1000) / 1000;
    if (rec.kind === 'boot' || rec.kind === 'restore') {
      // These replace the machine; the guest runs no instructions in them.
      rec.instructions = 0;
      rec.virtualMs = 0;
    } else {
      const now = this.m ?? this.lastCounts;
      rec.instructions = (now?.instructions ?? rec.instructions) - rec.instructions;
      rec.virtualMs = (now?.virtualTimeMs ?? rec.virtualMs) - rec.virtualMs;
    }
    this.current = undefined;
  }

  private async record<T>(kind: StepKind, label: string, body: (rec: StepRecord) => T | Promise<T>, line?: number): Promise<T> {
    const rec = this.begin(kind, label, line);
    try {
      const v = await body(rec);
      return v;
    } catch (e) {
      rec.outcome = e instanceof StepFailure ? 'fail' : 'error';
      rec.message = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      this.end(rec);
    }
  }

  private recordSync<T>(kind: StepKind, label: string, body: (rec: StepRecord) => T, line?: number): T {
    const rec = this.begin(kind, label, line);
    try {
      return body(rec);
    } catch (e) {
      rec.outcome = e instanceof StepFailure ? 'fail' : 'error';
      rec.message = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      this.end(rec);
    }
  }

  private stillPoll(duration: Budget): number {
    // Instructions per virtual ms follow from the machine's virtual MIPS (engine default 100).
    return stillPoll(duration, this.poll, (this.opts.config.virtualMips ?? 100) * 1000);
  }

  private timeout(t: Budget | undefined): Budget {
    return t ?? this.opts.defaultTimeout;
  }

  private artifact(name: string): string {
    return path.join(this.opts.artifactsDir, name);
  }

  // ---- steps -------------------------------------------------------------

  /** Runs one normalised step (as read from suite.yaml). */
  async step(step: Step, line?: number): Promise<void> {
    const label = stepLabel(step);
    switch (step.kind) {
      case 'boot':
        return this.boot(line);
      case 'restore':
        return this.restore(step.name, line);
      case 'run':
        return this.recordSync('run', label, () => this.runFor(step.budget), line);
      case 'wait_text':
        return this.recordSync('wait_text', label, () => this.doWaitText(step.match, step.row, step.timeout), line);
      case 'wait_screen':
        return this.recordSync('wait_screen', label, (r) => this.doWaitScreen(r, step.golden, step.timeout), line);
      case 'wait_serial':
        return this.recordSync('wait_serial', label, () => this.doWaitSerial(step.match, step.port, step.timeout), line);
      case 'wait_still':
        return this.recordSync('wait_still', label, () => this.doWaitStill(step.duration, step.timeout), line);
      case 'type':
        return this.recordSync('type', label, () => this.machine.keyboard.type(step.text), line);
      case 'press':
        return this.recordSync('press', label, () => step.keys.forEach((k) => this.machine.keyboard.press(k)), line);
      case 'mouse_move':
        return this.recordSync('mouse_move', label, () => this.machine.mouse.move(step.dx, step.dy), line);
      case 'click':
        return this.recordSync('click', label, () => this.machine.mouse.click(step.button), line);
      case 'screenshot':
        return this.recordSync('screenshot', label, (r) => this.doScreenshot(r, step.name), line);
      case 'expect_golden':
        return this.recordSync('expect_golden', label, (r) => this.doExpectGolden(r, step.name), line);
      case 'expect_text':
        return this.recordSync('expect_text', label, () => this.doExpectText(step.match, step.row), line);
      case 'expect_serial':
        return this.recordSync('expect_serial', label, (r) => this.doExpectSerial(r, step.match, step.port), line);
      case 'expect_print':
        return this.recordSync('expect_print', label, (r) => this.doExpectBytes(r, step.golden, this.machine.printer.output(), 'printer output'), line);
      case 'snapshot':
        return this.recordSync('snapshot', label, () => void this.snapshots.set(step.name, this.machine.snapshot()), line);
      case 'shutdown':
        return this.recordSync('shutdown', label, () => this.doShutdown(step.wait, step.exitCode, step.timeout), line);
    }
  }

  async boot(line?: number): Promise<void> {
    await this.record(
      'boot',
      'boot',
      async () => {
        if (this.m) throw new StepFailure('boot: the machine is already running');
        try {
          this.m = await this.opts.factory.create(this.opts.config);
        } catch (e) {
          throw new InfraFailure(`cannot create the machine: ${(e as Error).message}`);
        }
      },
      line,
    );
  }

  async restore(name: string, line?: number): Promise<void> {
    await this.record(
      'restore',
      `restore ${name}`,
      async () => {
        const bytes = this.snapshots.get(name);
        if (!bytes) throw new StepFailure(`restore: no snapshot named "${name}"`);
        this.m?.dispose();
        this.m = undefined;
        try {
          this.m = await this.opts.factory.restore(bytes);
        } catch (e) {
          throw new InfraFailure(`cannot restore snapshot "${name}": ${(e as Error).message}`);
        }
      },
      line,
    );
  }

  /** Starts from a saved machine state instead of booting (for `lab repro`). */
  async resume(bytes: Uint8Array): Promise<void> {
    if (this.m) throw new StepFailure('resume: the machine is already running');
    try {
      this.m = await this.opts.factory.restore(bytes);
    } catch (e) {
      throw new InfraFailure(`cannot restore the saved state: ${(e as Error).message}`);
    }
  }

  run(budget: Budget): void {
    this.recordSync('run', `run ${formatBudget(budget)}`, () => this.runFor(budget));
  }
  waitText(match: TextMatch, opts: { row?: number; timeout?: Budget } = {}): void {
    this.recordSync('wait_text', `wait_text ${describeMatch(match)}`, () => this.doWaitText(match, opts.row, opts.timeout));
  }
  waitScreen(golden: string, opts: { timeout?: Budget } = {}): void {
    this.recordSync('wait_screen', `wait_screen ${golden}`, (r) => this.doWaitScreen(r, golden, opts.timeout));
  }
  waitSerial(match: TextMatch, opts: { port?: number; timeout?: Budget } = {}): void {
    this.recordSync('wait_serial', `wait_serial ${describeMatch(match)}`, () => this.doWaitSerial(match, opts.port ?? 0, opts.timeout));
  }
  waitStill(duration: Budget, opts: { timeout?: Budget } = {}): void {
    this.recordSync('wait_still', `wait_still ${formatBudget(duration)}`, () => this.doWaitStill(duration, opts.timeout));
  }
  type(text: string): void {
    this.recordSync('type', `type ${JSON.stringify(text)}`, () => this.machine.keyboard.type(text));
  }
  press(...keys: string[]): void {
    this.recordSync('press', `press ${keys.join(', ')}`, () => keys.forEach((k) => this.machine.keyboard.press(k)));
  }
  mouseMove(dx: number, dy: number): void {
    this.recordSync('mouse_move', `mouse_move ${dx},${dy}`, () => this.machine.mouse.move(dx, dy));
  }
  click(button: 'left' | 'right' | 'middle' = 'left'): void {
    this.recordSync('click', `click ${button}`, () => this.machine.mouse.click(button));
  }
  screenshot(name: string): void {
    this.recordSync('screenshot', `screenshot ${name}`, (r) => this.doScreenshot(r, name));
  }
  expectGolden(name: string): void {
    this.recordSync('expect_golden', `expect_golden ${name}`, (r) => this.doExpectGolden(r, name));
  }
  expectText(match: TextMatch, opts: { row?: number } = {}): void {
    this.recordSync('expect_text', `expect_text ${describeMatch(match)}`, () => this.doExpectText(match, opts.row));
  }
  expectSerial(match: TextMatch | { golden: string }, opts: { port?: number } = {}): void {
    this.recordSync('expect_serial', `expect_serial`, (r) => this.doExpectSerial(r, match, opts.port ?? 0));
  }
  expectPrint(golden: string): void {
    this.recordSync('expect_print', `expect_print ${golden}`, (r) => this.doExpectBytes(r, golden, this.machine.printer.output(), 'printer output'));
  }
  snapshot(name: string): void {
    this.recordSync('snapshot', `snapshot ${name}`, () => void this.snapshots.set(name, this.machine.snapshot()));
  }
  shutdown(opts: { wait?: boolean; exitCode?: number; timeout?: Budget } = {}): void {
    this.recordSync('shutdown', 'shutdown', () => this.doShutdown(opts.wait ?? opts.exitCode !== undefined, opts.exitCode, opts.timeout));
  }

  /** Releases the machine (idempotent). */
  dispose(): void {
    if (this.m) this.lastCounts = { instructions: this.m.instructions, virtualTimeMs: this.m.virtualTimeMs };
    this.m?.dispose();
    this.m = undefined;
  }

  // ---- implementations ---------------------------------------------------

  private runFor(budget: Budget): void {
    const r = this.machine.run({ ...runOptionsFor(budget), pollInstructions: this.poll });
    if (r.reason === 'triple-fault') throw new StepFailure(`run: ${describeStop(r.reason)}`);
  }

  private fail(what: string, reason: string, exitCode: number | undefined, timeout: Budget, detail: string): never {
    const why = reason === 'budget' ? `timed out after ${formatBudget(timeout)}` : `${describeStop(reason as never, exitCode)} first`;
    throw new StepFailure(`${what}: ${why}; ${detail}`);
  }

  private doWaitText(match: TextMatch, row: number | undefined, t: Budget | undefined): void {
    const m = this.machine;
    const timeout = this.timeout(t);
    const w = waitFor(m, () => textMatches(screenRow(m.text(), row), match), timeout, this.poll);
    if (!w.met) {
      this.saveScreen('timeout');
      this.fail(`waiting for ${describeMatch(match)} on screen`, w.reason, w.exitCode, timeout, `screen text is ${tail(screenRow(m.text(), row), 400)}`);
    }
  }

  private doWaitSerial(match: TextMatch, port: number, t: Budget | undefined): void {
    const m = this.machine;
    const ch = m.serial[port];
    if (!ch) throw new StepFailure(`wait_serial: no serial port ${port}`);
    const timeout = this.timeout(t);
    const w = waitFor(m, () => textMatches(ch.text(), match), timeout, this.poll);
    if (!w.met) this.fail(`waiting for ${describeMatch(match)} on COM${port + 1}`, w.reason, w.exitCode, timeout, `serial output is ${tail(ch.text())}`);
  }

  private doWaitStill(duration: Budget, t: Budget | undefined): void {
    const timeout = this.timeout(t);
    const w = waitStill(this.machine, duration, timeout, this.stillPoll(duration));
    if (!w.met) {
      this.saveScreen('timeout');
      throw new StepFailure(`waiting for the screen to stay unchanged for ${formatBudget(duration)}: timed out after ${formatBudget(timeout)}`);
    }
  }

  private doExpectText(match: TextMatch, row: number | undefined): void {
    const text = screenRow(this.machine.text(), row);
    if (!textMatches(text, match)) {
      this.saveScreen('actual');
      throw new StepFailure(`expected ${describeMatch(match)} on screen${row !== undefined ? ` row ${row}` : ''}; screen text is ${tail(text, 400)}`);
    }
  }

  private doExpectSerial(rec: StepRecord, match: TextMatch | { golden: string }, port: number): void {
    const ch = this.machine.serial[port];
    if (!ch) throw new StepFailure(`expect_serial: no serial port ${port}`);
    if ('golden' in match) return this.doExpectBytes(rec, match.golden, ch.output(), `COM${port + 1} output`);
    if (!textMatches(ch.text(), match)) throw new StepFailure(`expected ${describeMatch(match)} in COM${port + 1} output; it is ${tail(ch.text())}`);
  }

  private doShutdown(wait: boolean, exitCode: number | undefined, t: Budget | undefined): void {
    if (wait) {
      const timeout = this.timeout(t);
      const r = this.machine.run({ ...runOptionsFor(timeout), pollInstructions: this.poll });
      if (r.reason !== 'power-off' && r.reason !== 'debug-exit') {
        throw new StepFailure(`waiting for the guest to power off: ${r.reason === 'budget' ? `timed out after ${formatBudget(timeout)}` : describeStop(r.reason)}`);
      }
      if (exitCode !== undefined && r.exitCode !== exitCode) throw new StepFailure(`guest exit code ${r.exitCode ?? 'none'}, expected ${exitCode}`);
    }
    this.dispose();
  }

  /** Saves the current screen as an artifact; returns the file name. */
  private saveScreen(suffix: string, frame?: Frame): string | undefined {
    if (!this.m && !frame) return undefined;
    const rec = this.current;
    const name = `${String(rec?.index ?? this.shotCount++).padStart(2, '0')}-${safeName(suffix)}.png`;
    writePng(this.artifact(name), frame ?? this.machine.screen());
    if (rec) rec.artifacts = { ...rec.artifacts, actual: rec.artifacts?.actual ?? name };
    return name;
  }

  private doScreenshot(rec: StepRecord, name: string): void {
    const file = `${safeName(name)}.png`;
    writePng(this.artifact(file), this.machine.screen());
    rec.artifacts = { actual: file };
  }

  private mayWrite(exists: boolean, equal: boolean): boolean {
    switch (this.opts.updateGoldens) {
      case 'none':
        return false;
      case 'missing':
        return !exists;
      case 'changed':
        return !exists || !equal;
      case 'all':
        return true;
    }
  }

  /** Compares `frame` with golden `name`, writing artifacts and (if allowed) the golden. */
  private checkScreen(rec: StepRecord, name: string, frame: Frame, final: boolean): boolean {
    const root = this.opts.goldenRoot;
    const pngPath = goldenPngPath(root, this.opts.caseId, name);
    const metaPath = goldenMetaPath(root, this.opts.caseId, name);
    const exists = existsSync(pngPath);
    const meta = readGoldenMeta(metaPath);
    let equal = false;
    let result: ReturnType<typeof compareFrames> | undefined;
    if (exists) {
      const expected = readPng(pngPath);
      result = compareFrames(expected, frame, meta, final);
      equal = result.equal;
    }
    if (!final && !equal) return false;
    const base = safeName(name);
    rec.artifacts = { actual: `${base}.actual.png` };
    writePng(this.artifact(`${base}.actual.png`), frame);
    if (exists) {
      copyFileSync(pngPath, this.artifact(`${base}.expected.png`));
      rec.artifacts.expected = `${base}.expected.png`;
      rec.diffPixels = result?.diffPixels;
      if (result?.diff && !equal) {
        writePng(this.artifact(`${base}.diff.png`), result.diff);
        rec.artifacts.diff = `${base}.diff.png`;
      }
    }
    if (this.mayWrite(exists, equal)) {
      mkdirSync(path.dirname(pngPath), { recursive: true });
      writePng(pngPath, frame);
      writeGoldenMeta(metaPath, { ...this.opts.provenance, case: this.opts.caseId });
      rec.golden = { name, sha256: sha256(readFileSync(pngPath)), written: exists ? (equal ? undefined : 'updated') : 'created' };
      if (rec.golden.written === undefined) delete rec.golden.written;
      return true;
    }
    if (exists) rec.golden = { name, sha256: sha256(readFileSync(pngPath)) };
    if (!exists) {
      throw new StepFailure(
        `golden "${name}" does not exist (${path.relative(process.cwd(), pngPath)}); run with --update-goldens missing to create it, or approve the actual capture with \`lab golden approve\``,
      );
    }
    if (!equal) throw new StepFailure(`screen differs from golden "${name}": ${result?.reason}`);
    return true;
  }

  private doExpectGolden(rec: StepRecord, name: string): void {
    this.checkScreen(rec, name, this.machine.screen(), true);
  }

  private doWaitScreen(rec: StepRecord, name: string, t: Budget | undefined): void {
    const m = this.machine;
    const timeout = this.timeout(t);
    const pngPath = goldenPngPath(this.opts.goldenRoot, this.opts.caseId, name);
    if (!existsSync(pngPath)) {
      // Nothing to wait for: if the golden may be created, capture the screen once it settles.
      const settle = this.opts.settle ?? { virtualMs: 500 };
      if (this.opts.updateGoldens !== 'none') waitStill(m, settle, timeout, this.stillPoll(settle));
      this.checkScreen(rec, name, m.screen(), true);
      return;
    }
    const expected = readPng(pngPath);
    const meta = readGoldenMeta(goldenMetaPath(this.opts.goldenRoot, this.opts.caseId, name));
    const w = waitFor(m, () => compareFrames(expected, m.screen(), meta, false).equal, timeout, this.poll);
    try {
      this.checkScreen(rec, name, m.screen(), true);
    } catch (e) {
      if (e instanceof StepFailure && !w.met) {
        const why = w.reason === 'budget' ? `timed out after ${formatBudget(timeout)}` : `${describeStop(w.reason, w.exitCode)} first`;
        throw new StepFailure(`waiting for the screen to match golden "${name}": ${why}; ${e.message}`);
      }
      throw e;
    }
  }

  private doExpectBytes(rec: StepRecord, name: string, actual: Uint8Array, what: string): void {
    const file = goldenTextPath(this.opts.goldenRoot, this.opts.caseId, name);
    const exists = existsSync(file);
    const expected = exists ? readFileSync(file) : undefined;
    const equal = expected !== undefined && Buffer.compare(expected, Buffer.from(actual)) === 0;
    const base = safeName(name);
    writeFileSync(this.artifact(`${base}.actual.txt`), actual);
    rec.artifacts = { actual: `${base}.actual.txt` };
    if (expected) {
      writeFileSync(this.artifact(`${base}.expected.txt`), expected);
      rec.artifacts.expected = `${base}.expected.txt`;
    }
    if (this.mayWrite(exists, equal)) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, actual);
      writeGoldenMeta(goldenMetaPath(this.opts.goldenRoot, this.opts.caseId, name), { ...this.opts.provenance, case: this.opts.caseId });
      rec.golden = { name, sha256: sha256(actual), ...(exists ? (equal ? {} : { written: 'updated' as const }) : { written: 'created' as const }) };
      return;
    }
    if (!expected) throw new StepFailure(`golden "${name}" does not exist (${path.relative(process.cwd(), file)}); run with --update-goldens missing to create it`);
    rec.golden = { name, sha256: sha256(expected) };
    if (!equal) {
      let at = 0;
      while (at < expected.length && at < actual.length && expected[at] === actual[at]) at++;
      throw new StepFailure(
        `${what} differs from golden "${name}" at byte ${at} (expected ${expected.length} bytes, got ${actual.length}); expected ${tail(expected.subarray(at, at + 40).toString('latin1'), 40)}, got ${tail(Buffer.from(actual.subarray(at, at + 40)).toString('latin1'), 40)}`,
      );
    }
  }
}

