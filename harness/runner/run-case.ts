/**
 * Runs one case on one machine and turns what happened into a CaseResult.
 * A failed check is FAIL; anything that stops the case from being judged
 * (machine cannot be created, engine exception) is ERROR; xfail cases turn
 * FAIL into XFAIL and PASS into XPASS. On failure the case keeps what is
 * needed to understand and reproduce it: screenshots, diff images, serial and
 * printer logs, the engine's instruction trace, and a snapshot of the state
 * before the failing step with a repro.json that `lab repro` replays.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MachineFactory } from '../machine-api.js';
import type { CaseResult, Outcome, StepResult } from '../results/schema.js';
import { InfraFailure, Session, stepLabel, StepFailure } from '../steps/session.js';
import type { CaseTask } from './prepare.js';

export const REPRO_FILE = 'repro.json';
export const SNAPSHOT_FILE = 'before-failure.snap';

export interface ReproInfo {
  version: 1;
  caseId: string;
  /** Index of the failing step in `steps`. */
  failedStep: number;
  steps: CaseTask['case']['steps'];
  stepLines: number[];
  snapshot: string | null;
  config: CaseTask['config'];
  goldenRoot: string;
  timeout: CaseTask['case']['timeout'];
  pollInstructions?: number;
}

function baseResult(task: CaseTask): CaseResult {
  const c = task.case;
  return {
    id: c.id,
    suite: c.suite,
    name: c.name,
    file: path.relative(process.cwd(), c.file) || c.file,
    line: c.line,
    app: c.app,
    description: c.description,
    tags: c.tags,
    image: task.image,
    tier: task.tier,
    cpuModel: task.cpuModel,
    outcome: 'PASS',
    xfail: c.xfail,
    skip: c.skip,
    steps: [],
    instructions: 0,
    virtualMs: 0,
    wallMs: 0,
    mips: 0,
    artifacts: null,
    files: {},
  };
}

function applyXfail(outcome: Outcome, task: CaseTask): Outcome {
  if (!task.case.xfail) return outcome;
  if (outcome === 'FAIL') return 'XFAIL';
  if (outcome === 'PASS') return 'XPASS';
  return outcome;
}

type CaseScript = (s: Session) => Promise<void> | void;

/**
 * The machine state just before step `k`, for `lab repro`. The engine is
 * deterministic, so rather than snapshotting before every step (costly on
 * passing cases) the steps before the failure are replayed on a fresh machine
 * — with goldens read-only and artifacts thrown away — and snapshotted there.
 */
async function stateBefore(task: CaseTask, k: number, factory: MachineFactory | undefined): Promise<Uint8Array | null> {
  if (!factory || !task.config) return null;
  const scratch = mkdtempSync(path.join(tmpdir(), 'lab-repro-'));
  const s = new Session({
    caseId: task.case.id,
    config: task.config,
    factory,
    goldenRoot: task.options.goldenRoot,
    artifactsDir: scratch,
    updateGoldens: 'none',
    defaultTimeout: task.case.timeout,
    provenance: {},
    pollInstructions: task.options.pollInstructions,
  });
  try {
    if (task.case.steps[0]?.kind !== 'boot') await s.boot();
    for (let i = 0; i < k; i++) await s.step(task.case.steps[i]!, task.case.stepLines[i]);
    return s.running ? s.machine.snapshot() : null;
  } catch {
    return null;
  } finally {
    s.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function runCase(task: CaseTask, factory: MachineFactory | (() => Promise<MachineFactory>)): Promise<CaseResult> {
  const res = baseResult(task);
  const c = task.case;
  if (c.skip) {
    res.outcome = 'SKIP';
    res.message = c.skip;
    return res;
  }
  if (task.prepError || !task.config) {
    res.outcome = 'ERROR';
    res.message = task.prepError ?? 'no machine configuration';
    return res;
  }
  const opts = task.options;
  const artDir = path.join(opts.resultsDir, task.artifacts);
  mkdirSync(artDir, { recursive: true });
  res.artifacts = task.artifacts;
  const started = performance.now();
  let session: Session | undefined;
  let failedStep = -1;
  let beforeFailure: Uint8Array | null = null;
  let outcome: Outcome = 'PASS';
  let implicitBoot = false;
  let f: MachineFactory | undefined;
  try {
    f = typeof factory === 'function' ? await factory() : factory;
    session = new Session({
      caseId: c.id,
      config: task.config,
      factory: f,
      goldenRoot: opts.goldenRoot,
      artifactsDir: artDir,
      updateGoldens: opts.updateGoldens,
      defaultTimeout: c.timeout,
      provenance: {
        engineVersion: opts.engine.version,
        engineCommit: opts.engine.commit,
        imageHash: task.image?.sha256 ?? '',
        date: new Date().toISOString().slice(0, 10),
      },
      pollInstructions: opts.pollInstructions,
    });
    if (c.script) {
      const mod = (await import(pathToFileURL(c.script).href)) as { default?: CaseScript };
      if (typeof mod.default !== 'function') throw new InfraFailure(`${c.script}: expected a default export function (session) => …`);
      await mod.default(session);
    } else {
      if (c.steps[0]?.kind !== 'boot') {
        implicitBoot = true;
        await session.boot();
      }
      for (let i = 0; i < c.steps.length; i++) {
        failedStep = i;
        await session.step(c.steps[i]!, c.stepLines[i]);
      }
      failedStep = -1;
    }
  } catch (e) {
    outcome = e instanceof StepFailure ? 'FAIL' : 'ERROR';
    res.message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof StepFailure) && !(e instanceof InfraFailure)) res.message = `${c.script ? 'error in the case script or the engine' : 'engine error'}: ${res.message}`;
  }
  res.wallMs = Math.round((performance.now() - started) * 1000) / 1000;
  const records = session?.records ?? [];
  res.steps = records.map((r): StepResult => ({ ...r, kind: r.kind }));
  if (!c.script) {
    // Steps after the failure did not run; list them so the report shows the whole case.
    const ran = records.length - (implicitBoot ? 1 : 0);
    for (let i = ran; i < c.steps.length; i++) {
      res.steps.push({ index: res.steps.length, kind: c.steps[i]!.kind, label: stepLabel(c.steps[i]!), line: c.stepLines[i], outcome: 'not-run', instructions: 0, virtualMs: 0 });
    }
  }
  let runWallMs = 0;
  for (const r of records) {
    if (r.kind === 'boot' || r.kind === 'restore') continue;
    res.instructions += r.instructions;
    res.virtualMs += r.virtualMs;
    runWallMs += r.wallMs ?? 0;
  }
  res.virtualMs = Math.round(res.virtualMs * 1000) / 1000;
  // MIPS over the steps that run the guest (not machine creation or snapshot restores).
  res.mips = runWallMs > 0 ? Math.round((res.instructions / runWallMs / 1000) * 1000) / 1000 : 0;
  try {
    if (session?.running) {
      const m = session.machine;
      const serial: string[] = [];
      m.serial.forEach((ch, i) => {
        if (ch.outputLength > 0) {
          writeFileSync(path.join(artDir, `com${i + 1}.log`), ch.output());
          serial.push(`com${i + 1}.log`);
        }
      });
      if (serial.length) res.files.serial = serial;
      if (m.printer.outputLength > 0) {
        writeFileSync(path.join(artDir, 'lpt1.prn'), m.printer.output());
        res.files.printer = 'lpt1.prn';
      }
      if (outcome !== 'PASS') {
        const trace = typeof m.trace === 'function' ? m.trace() : undefined;
        if (trace && trace.length) {
          writeFileSync(path.join(artDir, 'trace.json'), JSON.stringify(trace, null, 1) + '\n');
          res.files.trace = 'trace.json';
        }
      }
    }
    if (outcome !== 'PASS' && !c.script && failedStep >= 0) {
      if (opts.reproSnapshots) beforeFailure = await stateBefore(task, failedStep, f);
      if (beforeFailure) {
        writeFileSync(path.join(artDir, SNAPSHOT_FILE), beforeFailure);
        res.files.snapshot = SNAPSHOT_FILE;
      }
      const repro: ReproInfo = {
        version: 1,
        caseId: c.id,
        failedStep,
        steps: c.steps,
        stepLines: c.stepLines,
        snapshot: beforeFailure ? SNAPSHOT_FILE : null,
        config: task.config,
        goldenRoot: opts.goldenRoot,
        timeout: c.timeout,
        pollInstructions: opts.pollInstructions,
      };
      writeFileSync(path.join(artDir, REPRO_FILE), JSON.stringify(repro, null, 2) + '\n');
      res.files.repro = REPRO_FILE;
    }
  } catch (e) {
    if (outcome === 'PASS') {
      outcome = 'ERROR';
      res.message = `collecting artifacts failed: ${(e as Error).message}`;
    }
  } finally {
    session?.dispose();
  }
  res.outcome = applyXfail(outcome, task);
  if (res.outcome === 'XPASS') res.message = `expected to fail (${c.xfail?.reason}) but passed`;
  if (res.outcome === 'XFAIL') res.message = `${res.message} [xfail: ${c.xfail?.reason}]`;
  return res;
}
