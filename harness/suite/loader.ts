/**
 * Finds and loads suite.yaml files. Loading validates everything up front —
 * YAML syntax, the suite schema, every step — and reports all problems at once,
 * each as "file:line:col: what is wrong; what is expected", as a UsageError
 * (exit 2). Settings inherit down the tree: a case's machine is the suite's
 * machine with the case's keys laid over it; tags accumulate; app and timeout
 * fall back to the suite's.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../cli/errors.js';
import type { Budget } from './budget.js';
import { locate } from './locate.js';
import { caseSchema, isStepKind, STEP_DEFS, STEP_KINDS, suiteSchema, type Step, type SuiteDisk, type SuiteMachine } from './schema.js';
import { keysAt } from './zod-keys.js';

export const SUITE_FILE = 'suite.yaml';
/** Applied when neither the step, the case nor the suite gives a timeout. */
export const DEFAULT_TIMEOUT: Budget = { virtualMs: 10_000 };

export interface ResolvedCase {
  /** "<suite>/<case>": unique across a run, used for sharding, goldens and results. */
  id: string;
  suite: string;
  name: string;
  /** Absolute path of the suite.yaml, and the line the case starts on. */
  file: string;
  line: number;
  suiteDir: string;
  app: string;
  description?: string;
  tags: string[];
  /** The merged machine; disk and ROM paths are absolute. */
  machine: SuiteMachine;
  timeout: Budget;
  xfail?: { reason: string; link?: string };
  skip?: string;
  steps: Step[];
  /** Source line of each step. */
  stepLines: number[];
  /** Absolute path of a script module, for cases written with the TypeScript API. */
  script?: string;
}

export class SuiteError extends UsageError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems in suite files:\n  ${problems.join('\n  ')}`);
    this.name = 'SuiteError';
  }
}

class Problems {
  readonly list: string[] = [];
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly counter: LineCounter,
  ) {}

  add(p: readonly (string | number)[], message: string, keyName?: string): void {
    const at = locate(this.doc, this.counter, p, keyName);
    this.list.push(`${this.file}:${at.line}:${at.col}: ${message}`);
  }

  /** Adds zod issues found under `base`; `schema` is used to list the expected keys. */
  addZod(base: readonly (string | number)[], error: z.ZodError, schema: z.ZodType): void {
    for (const issue of error.issues) {
      const p = [...base, ...(issue.path as (string | number)[])];
      const where = p.length ? `${p.join('.')}: ` : '';
      if (issue.code === 'unrecognized_keys') {
        const allowed = keysAt(schema, issue.path as (string | number)[]);
        for (const k of issue.keys) {
          this.add(p, `${where}unknown key "${k}"${allowed.length ? `; expected one of: ${allowed.join(', ')}` : ''}`, k);
        }
      } else {
        this.add(p, `${where}${issue.message}`);
      }
    }
  }
}

function mergeMachine(base: SuiteMachine, over: SuiteMachine | undefined): SuiteMachine {
  if (!over) return { ...base };
  return { ...base, ...over, firmware: over.firmware ?? base.firmware };
}

function absDisk(d: SuiteDisk, dir: string): SuiteDisk {
  return 'image' in d ? { image: path.resolve(dir, d.image) } : { ...d, asm: path.resolve(dir, d.asm) };
}

function absMachine(m: SuiteMachine, dir: string): SuiteMachine {
  const out: SuiteMachine = { ...m };
  for (const slot of ['fda', 'fdb', 'hda', 'hdb', 'cdrom'] as const) {
    const d = m[slot];
    if (d) out[slot] = absDisk(d, dir);
  }
  if (m.firmware?.kind === 'rom') out.firmware = { kind: 'rom', path: path.resolve(dir, m.firmware.path) };
  if (m.firmware?.kind === 'seabios' && m.firmware.dir) out.firmware = { kind: 'seabios', dir: path.resolve(dir, m.firmware.dir) };
  return out;
}

/** Normalises one raw step; returns undefined (and records problems) when it is invalid. */
function parseStep(raw: unknown, at: (string | number)[], problems: Problems): Step | undefined {
  let kind: string;
  let arg: unknown;
  if (typeof raw === 'string') {
    kind = raw;
    arg = null;
  } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1) {
    kind = Object.keys(raw)[0]!;
    arg = (raw as Record<string, unknown>)[kind];
  } else {
    problems.add(at, `expected a step: a step name or a map with one key (one of: ${STEP_KINDS.join(', ')})`);
    return undefined;
  }
  if (!isStepKind(kind)) {
    problems.add(at, `unknown step "${kind}"; expected one of: ${STEP_KINDS.join(', ')}`);
    return undefined;
  }
  const def = STEP_DEFS[kind];
  const argPath = typeof raw === 'string' ? at : [...at, kind];
  let options: unknown = arg;
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) {
    options = def.shorthand?.(arg);
    if (options === undefined) {
      const help = def.shorthandHelp ? `${def.shorthandHelp} or a map of options` : 'a map of options';
      problems.add(argPath, `${kind}: expected ${help}, got ${JSON.stringify(arg)}`);
      return undefined;
    }
  }
  const result = def.schema.safeParse(options);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const p = [...argPath, ...(issue.path as (string | number)[])];
      if (issue.code === 'unrecognized_keys') {
        const allowed = keysAt(def.schema, []);
        for (const k of issue.keys) problems.add(p, `${kind}: unknown option "${k}"; expected one of: ${allowed.join(', ')}`, k);
      } else {
        const key = issue.path.length ? `${issue.path.join('.')}: ` : '';
        problems.add(p, `${kind}: ${key}${issue.message}`);
      }
    }
    return undefined;
  }
  return result.data;
}

/** Parses and validates one suite.yaml; throws SuiteError listing every problem. */
export function loadSuiteFile(file: string): ResolvedCase[] {
  const abs = path.resolve(file);
  const shown = path.relative(process.cwd(), abs) || abs;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    throw new UsageError(`${shown}: cannot read suite file`);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SuiteError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
        return `${shown}:${pos.line}:${pos.col}: YAML syntax error: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const problems = new Problems(shown, doc, counter);
  const raw: unknown = doc.toJS();
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) {
    problems.addZod([], parsed.error, suiteSchema);
    throw new SuiteError(problems.list);
  }
  const suite = parsed.data;
  const dir = path.dirname(abs);
  const suiteName = suite.suite ?? path.basename(dir);
  const suiteMachine = absMachine(suite.machine ?? {}, dir);
  const cases: ResolvedCase[] = [];
  const seen = new Set<string>();
  suite.cases.forEach((rawCase, i) => {
    const at = ['cases', i];
    const c = caseSchema.safeParse(rawCase);
    if (!c.success) {
      problems.addZod(at, c.error, caseSchema);
      return;
    }
    const kase = c.data;
    if (seen.has(kase.name)) problems.add([...at, 'name'], `duplicate case name "${kase.name}"; case names must be unique in a suite`);
    seen.add(kase.name);
    if (!kase.steps && !kase.script) problems.add(at, `case "${kase.name}": expected "steps" (a list of steps) or "script" (a module path)`);
    if (kase.steps && kase.script) problems.add([...at, 'script'], `case "${kase.name}": expected either "steps" or "script", not both`);
    if (kase.xfail && kase.skip) problems.add([...at, 'skip'], `case "${kase.name}": a case is either xfail or skipped, not both`);
    const steps: Step[] = [];
    const stepLines: number[] = [];
    const snapshots = new Set<string>();
    (kase.steps ?? []).forEach((rawStep, j) => {
      const sp = [...at, 'steps', j];
      const step = parseStep(rawStep, sp, problems);
      if (!step) return;
      if (step.kind === 'snapshot') snapshots.add(step.name);
      if (step.kind === 'restore' && !snapshots.has(step.name)) {
        problems.add(sp, `restore: no earlier snapshot named "${step.name}" in this case`);
      }
      steps.push(step);
      stepLines.push(locate(doc, counter, sp).line);
    });
    const machine = mergeMachine(suiteMachine, kase.machine ? absMachine(kase.machine, dir) : undefined);
    if (kase.steps && !machine.fda && !machine.fdb && !machine.hda && !machine.hdb && !machine.cdrom) {
      problems.add([...at, 'name'], `case "${kase.name}": the machine has no disk; expected machine.fda, hda or cdrom in the suite or the case`);
    }
    cases.push({
      id: `${suiteName}/${kase.name}`,
      suite: suiteName,
      name: kase.name,
      file: abs,
      line: locate(doc, counter, at).line,
      suiteDir: dir,
      app: kase.app ?? suite.app ?? suiteName,
      description: kase.description,
      tags: [...new Set([...(suite.tags ?? []), ...(kase.tags ?? [])])],
      machine,
      timeout: kase.timeout ?? suite.timeout ?? DEFAULT_TIMEOUT,
      xfail: kase.xfail,
      skip: kase.skip,
      steps,
      stepLines,
      script: kase.script ? path.resolve(dir, kase.script) : undefined,
    });
  });
  if (problems.list.length > 0) throw new SuiteError(problems.list);
  return cases;
}

/**
 * Expands command-line paths into suite files: a suite.yaml itself, a
 * directory holding one, or a directory searched recursively.
 */
export function findSuiteFiles(paths: string[]): string[] {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    const direct = path.join(dir, SUITE_FILE);
    if (existsSync(direct)) {
      out.add(path.resolve(direct));
      return;
    }
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(path.join(dir, e.name));
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
    if (statSync(p).isDirectory()) walk(p);
    else out.add(path.resolve(p));
  }
  if (out.size === 0) throw new UsageError(`no ${SUITE_FILE} found under ${paths.join(', ')}`);
  return [...out].sort();
}

/** Loads every suite under `paths`, collecting problems from all files before failing. */
export function loadSuites(paths: string[]): ResolvedCase[] {
  const all: ResolvedCase[] = [];
  const problems: string[] = [];
  for (const f of findSuiteFiles(paths)) {
    try {
      all.push(...loadSuiteFile(f));
    } catch (e) {
      if (e instanceof SuiteError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length) throw new SuiteError(problems);
  const ids = new Map<string, string>();
  for (const c of all) {
    const prev = ids.get(c.id);
    if (prev && prev !== c.file) problems.push(`${c.file}:${c.line}:1: case id "${c.id}" is also defined in ${prev}; suite names must be unique`);
    ids.set(c.id, c.file);
  }
  if (problems.length) throw new SuiteError(problems);
  return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
