/**
 * Turns a loaded case into a task a worker can run: the engine's machine
 * config with every disk resolved to an image file (nasm sources assembled),
 * and the hash of the boot image that identifies what was tested. Problems
 * with the environment — a missing image or firmware file — become an ERROR
 * result here, before any worker starts.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { MachineConfigInput, DiskSlot } from '../../engine/machine-config.js';
import type { EngineInfo } from '../results/schema.js';
import type { UpdateGoldens } from '../steps/session.js';
import type { ResolvedCase } from '../suite/loader.js';
import { assemble, FLOPPY_1440K } from './nasm.js';

export interface TaskOptions {
  goldenRoot: string;
  resultsDir: string;
  updateGoldens: UpdateGoldens;
  engine: EngineInfo;
  /** On failure, replay the case up to the failing step and keep a snapshot there (`lab repro`). */
  reproSnapshots: boolean;
  pollInstructions?: number;
}

export interface CaseTask {
  case: ResolvedCase;
  config: MachineConfigInput | null;
  image: { label: string; sha256: string } | null;
  tier: string;
  cpuModel: string;
  /** Set when the case cannot run in this environment (→ ERROR). */
  prepError?: string;
  /** Artifact folder relative to the results folder. */
  artifacts: string;
  options: TaskOptions;
}

const SLOTS: DiskSlot[] = ['fda', 'fdb', 'hda', 'hdb', 'cdrom'];
const hashCache = new Map<string, string>();

async function fileHash(file: string): Promise<string> {
  const st = statSync(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  const hit = hashCache.get(key);
  if (hit) return hit;
  const h = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve())
      .on('error', reject);
  });
  const hex = h.digest('hex');
  hashCache.set(key, hex);
  return hex;
}

function bootSlot(c: MachineConfigInput): DiskSlot | undefined {
  const order = c.bootOrder ?? ['floppy', 'disk', 'cdrom'];
  for (const dev of order) {
    const slots: DiskSlot[] = dev === 'floppy' ? ['fda', 'fdb'] : dev === 'disk' ? ['hda', 'hdb'] : ['cdrom'];
    for (const s of slots) if (c[s]) return s;
  }
  return SLOTS.find((s) => c[s]);
}

export function artifactDirFor(caseId: string): string {
  return path.join('artifacts', ...caseId.split('/').map((p) => p.replace(/[^A-Za-z0-9._-]/g, '_')));
}

export async function prepareCase(c: ResolvedCase, opts: TaskOptions, cacheDir: string, cpu?: string): Promise<CaseTask> {
  const m = c.machine;
  const config: MachineConfigInput = {};
  if (m.memoryMB !== undefined) config.memoryMB = m.memoryMB;
  if (m.cpuModel !== undefined) config.cpuModel = m.cpuModel;
  if (m.cpu !== undefined) config.cpu = m.cpu;
  if (cpu === 'interp' || cpu === 'jit') config.cpu = cpu;
  if (m.firmware !== undefined) config.firmware = m.firmware;
  if (m.bootOrder !== undefined) config.bootOrder = m.bootOrder;
  if (m.virtualMips !== undefined) config.virtualMips = m.virtualMips;
  if (m.rtcStart !== undefined) config.rtcStart = m.rtcStart;
  if (m.debugExit !== undefined) config.debugExit = m.debugExit;
  const task: CaseTask = {
    case: c,
    config,
    image: null,
    tier: config.cpu ?? 'interp',
    cpuModel: config.cpuModel ?? 'pentium',
    artifacts: artifactDirFor(c.id),
    options: opts,
  };
  if (c.skip) return task;
  const missing: string[] = [];
  for (const slot of SLOTS) {
    const d = m[slot];
    if (!d) continue;
    let file: string;
    if ('image' in d) file = d.image;
    else file = assemble(d.asm, d.size ?? (slot === 'fda' || slot === 'fdb' ? FLOPPY_1440K : undefined), cacheDir);
    if (!existsSync(file)) missing.push(`${slot} image not found: ${file}`);
    // Never `persist`: the engine puts a copy-on-write overlay over the base image.
    config[slot] = { path: file, persist: false };
  }
  if (m.firmware?.kind === 'rom' && !existsSync(m.firmware.path)) missing.push(`firmware ROM not found: ${m.firmware.path}`);
  if (m.firmware?.kind === 'seabios' && m.firmware.dir && !existsSync(m.firmware.dir)) missing.push(`SeaBIOS folder not found: ${m.firmware.dir}`);
  if (missing.length) {
    task.prepError = missing.join('; ');
    return task;
  }
  const slot = bootSlot(config);
  if (slot) {
    const file = config[slot]!.path;
    task.image = { label: 'image' in m[slot]! ? path.basename(file) : path.basename((m[slot] as { asm: string }).asm), sha256: await fileHash(file) };
  }
  return task;
}
