/**
 * The suite.yaml schema. A suite declares a machine and its cases; a case is a
 * list of steps. Steps are written either as a bare word (`- boot`), as a
 * one-key map with a shorthand value (`- wait_text: "A>"`) or as a one-key map
 * with options (`- wait_text: { text: "A>", timeout: 5s }`). Every shape is
 * normalised here to one `Step` object, so the runner and the TypeScript API
 * see a single form.
 */
import { z } from 'zod';
import { BOOT_DEVICES, CPU_MODELS, CPU_TIERS } from '../../engine/machine-config.js';
import { BUDGET_HELP, parseBudget, type Budget } from './budget.js';

const budget = z.union([z.number(), z.string()]).transform((v, ctx): Budget => {
  const b = parseBudget(v);
  if (!b) {
    ctx.addIssue({ code: 'custom', message: `expected ${BUDGET_HELP}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return b;
});

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, ".", "_" or "-"');

/** A disk in a suite: an image file, or a nasm source the runner assembles (paths relative to suite.yaml). */
export const suiteDiskSchema = z.union([
  z.object({ image: z.string().min(1) }).strict(),
  z
    .object({
      asm: z.string().min(1),
      /** Pad the assembled binary to this many bytes (default: a 1.44 MB floppy for fda/fdb). */
      size: z.number().int().positive().optional(),
    })
    .strict(),
]);
export type SuiteDisk = z.infer<typeof suiteDiskSchema>;

export const suiteMachineSchema = z
  .object({
    memoryMB: z.number().int().min(1).max(3072),
    cpuModel: z.enum(CPU_MODELS),
    cpu: z.enum(CPU_TIERS),
    firmware: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('builtin') }).strict(),
      z.object({ kind: z.literal('seabios'), dir: z.string().optional() }).strict(),
      z.object({ kind: z.literal('rom'), path: z.string().min(1) }).strict(),
    ]),
    fda: suiteDiskSchema,
    fdb: suiteDiskSchema,
    hda: suiteDiskSchema,
    hdb: suiteDiskSchema,
    cdrom: suiteDiskSchema,
    bootOrder: z.array(z.enum(BOOT_DEVICES)).min(1),
    virtualMips: z.number().positive().max(100_000),
    rtcStart: z.string(),
    debugExit: z.boolean(),
  })
  .partial()
  .strict();
export type SuiteMachine = z.infer<typeof suiteMachineSchema>;

const xfailSchema = z
  .object({
    reason: z.string().min(1),
    link: z.string().url().optional(),
  })
  .strict();

const caseFields = {
  description: z.string().optional(),
  app: z.string().min(1).optional(),
  tags: z.array(name).optional(),
  timeout: budget.optional(),
  machine: suiteMachineSchema.optional(),
};

export const caseSchema = z
  .object({
    name,
    ...caseFields,
    xfail: xfailSchema.optional(),
    skip: z.string().min(1, 'expected the reason the case is skipped').optional(),
    /** A JavaScript module (default export `async (session) => {}`) for cases that need logic. */
    script: z.string().min(1).optional(),
    steps: z.array(z.unknown()).optional(),
  })
  .strict();

export const suiteSchema = z
  .object({
    suite: name.optional(),
    ...caseFields,
    cases: z.array(z.unknown()).min(1, 'expected at least one case'),
  })
  .strict();

export type CaseInput = z.infer<typeof caseSchema>;
export type SuiteInput = z.infer<typeof suiteSchema>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type TextMatch = { contains: string } | { equals: string } | { regex: string };

export type Step =
  | { kind: 'boot' }
  | { kind: 'run'; budget: Budget }
  | { kind: 'wait_text'; match: TextMatch; row?: number; timeout?: Budget }
  | { kind: 'wait_screen'; golden: string; timeout?: Budget }
  | { kind: 'wait_serial'; match: TextMatch; port: number; timeout?: Budget }
  | { kind: 'wait_still'; duration: Budget; timeout?: Budget }
  | { kind: 'type'; text: string }
  | { kind: 'press'; keys: string[] }
  | { kind: 'mouse_move'; dx: number; dy: number }
  | { kind: 'click'; button: 'left' | 'right' | 'middle' }
  | { kind: 'screenshot'; name: string }
  | { kind: 'expect_golden'; name: string }
  | { kind: 'expect_text'; match: TextMatch; row?: number }
  | { kind: 'expect_serial'; match: TextMatch | { golden: string }; port: number }
  | { kind: 'expect_print'; golden: string }
  | { kind: 'snapshot'; name: string }
  | { kind: 'restore'; name: string }
  | { kind: 'shutdown'; wait: boolean; exitCode?: number; timeout?: Budget };

export type StepKind = Step['kind'];

const textMatchFields = {
  text: z.string().min(1).optional(),
  contains: z.string().min(1).optional(),
  equals: z.string().optional(),
  regex: z
    .string()
    .min(1)
    .refine((r) => {
      try {
        new RegExp(r);
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid JavaScript regular expression')
    .optional(),
};

function toMatch(o: { text?: string; contains?: string; equals?: string; regex?: string }): TextMatch | undefined {
  if (o.regex !== undefined) return { regex: o.regex };
  if (o.equals !== undefined) return { equals: o.equals };
  const c = o.contains ?? o.text;
  return c !== undefined ? { contains: c } : undefined;
}

const oneMatch = (o: Record<string, unknown>) =>
  ['text', 'contains', 'equals', 'regex', 'golden'].filter((k) => o[k] !== undefined).length === 1;
const ONE_MATCH_MSG = 'expected exactly one of "text", "contains", "equals" or "regex"';

interface StepDef {
  /** Turns the shorthand value (anything that is not a map) into the options map. */
  shorthand?: (v: unknown) => Record<string, unknown> | undefined;
  shorthandHelp?: string;
  schema: z.ZodType<Step>;
}

const port = z.number().int().min(0).max(3).default(0);

/** One entry per step kind. The schemas output normalised `Step` objects. */
export const STEP_DEFS: Record<StepKind, StepDef> = {
  boot: {
    shorthand: (v) => (v === null || v === true ? {} : undefined),
    schema: z.object({}).strict().transform((): Step => ({ kind: 'boot' })),
  },
  run: {
    shorthand: (v) => (typeof v === 'string' || typeof v === 'number' ? { for: v } : undefined),
    shorthandHelp: 'a duration',
    schema: z
      .object({ for: budget })
      .strict()
      .transform((o): Step => ({ kind: 'run', budget: o.for })),
  },
  wait_text: {
    shorthand: (v) => (typeof v === 'string' ? { text: v } : undefined),
    shorthandHelp: 'the text to wait for',
    schema: z
      .object({ ...textMatchFields, row: z.number().int().min(0).optional(), timeout: budget.optional() })
      .strict()
      .refine(oneMatch, ONE_MATCH_MSG)
      .transform((o): Step => ({ kind: 'wait_text', match: toMatch(o)!, row: o.row, timeout: o.timeout })),
  },
  wait_screen: {
    shorthand: (v) => (typeof v === 'string' ? { golden: v } : undefined),
    shorthandHelp: 'a golden name',
    schema: z
      .object({ golden: name, timeout: budget.optional() })
      .strict()
      .transform((o): Step => ({ kind: 'wait_screen', golden: o.golden, timeout: o.timeout })),
  },
  wait_serial: {
    shorthand: (v) => (typeof v === 'string' ? { text: v } : undefined),
    shorthandHelp: 'the text to wait for',
    schema: z
      .object({ ...textMatchFields, port, timeout: budget.optional() })
      .strict()
      .refine(oneMatch, ONE_MATCH_MSG)
      .transform((o): Step => ({ kind: 'wait_serial', match: toMatch(o)!, port: o.port, timeout: o.timeout })),
  },
  wait_still: {
    shorthand: (v) => (typeof v === 'string' || typeof v === 'number' ? { duration: v } : undefined),
    shorthandHelp: 'a duration',
    schema: z
      .object({ duration: budget, timeout: budget.optional() })
      .strict()
      .transform((o): Step => ({ kind: 'wait_still', duration: o.duration, timeout: o.timeout })),
  },
  type: {
    shorthand: (v) => (typeof v === 'string' ? { text: v } : undefined),
    shorthandHelp: 'the text to type',
    schema: z
      .object({ text: z.string().min(1) })
      .strict()
      .transform((o): Step => ({ kind: 'type', text: o.text })),
  },
  press: {
    shorthand: (v) => (typeof v === 'string' || Array.isArray(v) ? { keys: v } : undefined),
    shorthandHelp: 'a key name like "Enter" or "ctrl+alt+del", or a list of them',
    schema: z
      .object({ keys: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]) })
      .strict()
      .transform((o): Step => ({ kind: 'press', keys: typeof o.keys === 'string' ? [o.keys] : o.keys })),
  },
  mouse_move: {
    shorthand: (v) => (Array.isArray(v) && v.length === 2 ? { dx: v[0], dy: v[1] } : undefined),
    shorthandHelp: '[dx, dy]',
    schema: z
      .object({ dx: z.number().int(), dy: z.number().int() })
      .strict()
      .transform((o): Step => ({ kind: 'mouse_move', dx: o.dx, dy: o.dy })),
  },
  click: {
    shorthand: (v) => (v === null ? { button: 'left' } : typeof v === 'string' ? { button: v } : undefined),
    shorthandHelp: '"left", "right" or "middle"',
    schema: z
      .object({ button: z.enum(['left', 'right', 'middle']).default('left') })
      .strict()
      .transform((o): Step => ({ kind: 'click', button: o.button })),
  },
  screenshot: {
    shorthand: (v) => (typeof v === 'string' ? { name: v } : undefined),
    shorthandHelp: 'a screenshot name',
    schema: z
      .object({ name })
      .strict()
      .transform((o): Step => ({ kind: 'screenshot', name: o.name })),
  },
  expect_golden: {
    shorthand: (v) => (typeof v === 'string' ? { name: v } : undefined),
    shorthandHelp: 'a golden name',
    schema: z
      .object({ name })
      .strict()
      .transform((o): Step => ({ kind: 'expect_golden', name: o.name })),
  },
  expect_text: {
    shorthand: (v) => (typeof v === 'string' ? { text: v } : undefined),
    shorthandHelp: 'the text expected on screen',
    schema: z
      .object({ ...textMatchFields, row: z.number().int().min(0).optional() })
      .strict()
      .refine(oneMatch, ONE_MATCH_MSG)
      .transform((o): Step => ({ kind: 'expect_text', match: toMatch(o)!, row: o.row })),
  },
  expect_serial: {
    shorthand: (v) => (typeof v === 'string' ? { text: v } : undefined),
    shorthandHelp: 'the text expected in the serial output',
    schema: z
      .object({ ...textMatchFields, golden: name.optional(), port })
      .strict()
      .refine(oneMatch, 'expected exactly one of "text", "contains", "equals", "regex" or "golden"')
      .transform(
        (o): Step => ({
          kind: 'expect_serial',
          match: o.golden !== undefined ? { golden: o.golden } : toMatch(o)!,
          port: o.port,
        }),
      ),
  },
  expect_print: {
    shorthand: (v) => (typeof v === 'string' ? { golden: v } : undefined),
    shorthandHelp: 'a golden name',
    schema: z
      .object({ golden: name })
      .strict()
      .transform((o): Step => ({ kind: 'expect_print', golden: o.golden })),
  },
  snapshot: {
    shorthand: (v) => (typeof v === 'string' ? { name: v } : undefined),
    shorthandHelp: 'a snapshot name',
    schema: z
      .object({ name })
      .strict()
      .transform((o): Step => ({ kind: 'snapshot', name: o.name })),
  },
  restore: {
    shorthand: (v) => (typeof v === 'string' ? { name: v } : undefined),
    shorthandHelp: 'the name of an earlier snapshot',
    schema: z
      .object({ name })
      .strict()
      .transform((o): Step => ({ kind: 'restore', name: o.name })),
  },
  shutdown: {
    shorthand: (v) => (v === null || v === true ? {} : undefined),
    schema: z
      .object({
        /** Wait for the guest to power off (ACPI/APM off or the debug-exit port) instead of pulling the plug. */
        wait: z.boolean().default(false),
        exitCode: z.number().int().optional(),
        timeout: budget.optional(),
      })
      .strict()
      .transform((o): Step => ({ kind: 'shutdown', wait: o.wait || o.exitCode !== undefined, exitCode: o.exitCode, timeout: o.timeout })),
  },
};

export const STEP_KINDS = Object.keys(STEP_DEFS) as StepKind[];

export function isStepKind(k: string): k is StepKind {
  return Object.prototype.hasOwnProperty.call(STEP_DEFS, k);
}
