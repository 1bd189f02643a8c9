/**
 * The machine configuration: what a PC is made of. Validated once, here, so
 * every consumer (CLI flags, suite files, the TypeScript API, snapshots) gets
 * the same checks and the same error messages.
 */
import { z } from 'zod';
import { EngineInputError } from './errors.js';

export const CPU_MODELS = ['8086', '80186', '80286', '80386', 'i486', 'pentium', 'p6', 'pentium2'] as const;
export const CPU_TIERS = ['interp', 'jit'] as const;
export const BOOT_DEVICES = ['floppy', 'disk', 'cdrom'] as const;

const diskSchema = z
  .object({
    /** Image file: raw, VHD (fixed/dynamic/differencing) or ISO (CD-ROM). */
    path: z.string().min(1),
    /**
     * Write to the image itself instead of a copy-on-write overlay. Off by
     * default: a run never modifies a base image unless asked to.
     */
    persist: z.boolean().default(false),
  })
  .strict();

const firmwareSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }).strict(),
  z.object({ kind: z.literal('seabios'), dir: z.string().optional() }).strict(),
  z.object({ kind: z.literal('rom'), path: z.string().min(1) }).strict(),
]);

export const machineConfigSchema = z
  .object({
    memoryMB: z.number().int().min(1).max(3072).default(32),
    cpuModel: z.enum(CPU_MODELS).default('pentium'),
    cpu: z.enum(CPU_TIERS).default('interp'),
    firmware: firmwareSchema.default({ kind: 'builtin' }),
    fda: diskSchema.optional(),
    fdb: diskSchema.optional(),
    hda: diskSchema.optional(),
    hdb: diskSchema.optional(),
    cdrom: diskSchema.optional(),
    bootOrder: z.array(z.enum(BOOT_DEVICES)).min(1).default(['floppy', 'disk', 'cdrom']),
    /**
     * Virtual instruction rate: how many retired instructions make one virtual
     * second. All guest-visible time (PIT, RTC, timeouts) follows from it.
     */
    virtualMips: z.number().positive().max(100_000).default(100),
    /** Wall-clock instant the RTC shows at power-on (ISO 8601). Fixed by default for reproducible runs. */
    rtcStart: z.iso.datetime({ offset: true }).default('2000-01-01T00:00:00Z'),
    /** Enable the QEMU-style isa-debug-exit device at port 0xF4. */
    debugExit: z.boolean().default(false),
  })
  .strict();

export type MachineConfigInput = z.input<typeof machineConfigSchema>;
export type MachineConfig = z.output<typeof machineConfigSchema>;
export type CpuModelName = (typeof CPU_MODELS)[number];
export type DiskSlot = 'fda' | 'fdb' | 'hda' | 'hdb' | 'cdrom';

/** Validate a config; every problem is listed with its path ("memoryMB: must be ≤ 3072"). */
export function parseMachineConfig(input: unknown, source = 'machine config'): MachineConfig {
  const result = machineConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new EngineInputError(`${source}: ${problems.join('; ')}`);
}
