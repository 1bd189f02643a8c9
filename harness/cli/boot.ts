/**
 * `lab boot`: boot a machine from images and flags, watch for a condition,
 * and capture the screen, text, serial and printer output.
 *
 * Exit codes: 0 when the --until-* condition was met or the guest powered off
 * or debug-exited; 1 when the instruction or virtual-time budget ran out (or
 * the machine halted for good) first; 2 for usage or input errors.
 */
import { closeSync, existsSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Machine, type RunOptions, type RunResult } from '../../engine/machine.js';
import { CPU_MODELS, CPU_TIERS, type MachineConfigInput } from '../../engine/machine-config.js';
import { encodePng } from '../../engine/display/png.js';
import { EngineInputError } from '../../engine/errors.js';
import { UsageError } from './errors.js';
import { intOption, numberOption } from './options.js';
import { runPaced } from './pacing.js';

interface BootOptions {
  fda?: string;
  fdb?: string;
  hda?: string;
  hdb?: string;
  cdrom?: string;
  boot?: ('floppy' | 'disk' | 'cdrom')[];
  memory?: number;
  cpuModel?: (typeof CPU_MODELS)[number];
  cpu?: (typeof CPU_TIERS)[number];
  firmware?: string;
  untilText?: string;
  untilSerial?: string;
  untilHalt?: boolean;
  maxInstructions?: number;
  virtualMs?: number;
  type?: string;
  typeAfter?: string;
  screenshot?: string;
  text?: string;
  serial?: string;
  printer?: string;
  portLog?: { ports: number[]; file: string }[];
  debugExit?: boolean;
  realtime?: boolean;
  persist?: boolean;
  stats?: boolean;
  virtualMips?: number;
  rtc?: string;
}

const BOOT_LETTERS: Record<string, 'floppy' | 'disk' | 'cdrom'> = { a: 'floppy', c: 'disk', d: 'cdrom' };

function parseBootOrder(v: string): ('floppy' | 'disk' | 'cdrom')[] {
  const order = v.split(',').map((s) => s.trim().toLowerCase());
  return order.map((l) => {
    const dev = BOOT_LETTERS[l];
    if (dev === undefined) throw new InvalidArgumentError(`boot order "${v}": use letters a (floppy), c (disk), d (CD-ROM), e.g. a,c,d`);
    return dev;
  });
}

function parsePort(s: string, whole: string): number {
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^\d+$/.test(s) ? parseInt(s, 10) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new InvalidArgumentError(`port log "${whole}": "${s}" is not a port (0–0xFFFF, hex with 0x)`);
  return n;
}

function parsePortLog(v: string, prev: { ports: number[]; file: string }[] = []): { ports: number[]; file: string }[] {
  const colon = v.indexOf(':');
  if (colon <= 0 || colon === v.length - 1) throw new InvalidArgumentError(`port log "${v}": expected PORT[,PORT…]:FILE, e.g. 0x80,0xe9:ports.bin`);
  const ports = v.slice(0, colon).split(',').map((p) => parsePort(p.trim(), v));
  return [...prev, { ports, file: v.slice(colon + 1) }];
}

/** builtin, seabios, a folder holding SeaBIOS images, or a raw system ROM file. */
function firmwareConfig(v: string | undefined): MachineConfigInput['firmware'] {
  if (v === undefined || v === 'builtin') return { kind: 'builtin' };
  if (v === 'seabios') return { kind: 'seabios' };
  if (existsSync(v) && statSync(v).isDirectory()) return { kind: 'seabios', dir: v };
  return { kind: 'rom', path: v };
}

export function register(program: Command): void {
  program
    .command('boot')
    .description('boot a machine from disk images and capture what it shows')
    .option('--fda <image>', 'floppy image for drive A:')
    .option('--fdb <image>', 'floppy image for drive B:')
    .option('--hda <image>', 'hard disk image (raw or VHD) for the primary master')
    .option('--hdb <image>', 'second hard disk image')
    .option('--cdrom <image>', 'ISO image for the CD-ROM drive')
    .option('--boot <order>', 'boot order as drive letters: a floppy, c disk, d CD-ROM (default a,c,d)', parseBootOrder)
    .option('--memory <MB>', 'RAM in MiB (default 32)', intOption('--memory'))
    .addOption(new Option('--cpu-model <model>', 'CPU model').choices([...CPU_MODELS]))
    .addOption(new Option('--cpu <tier>', 'CPU tier: reference interpreter or translator').choices([...CPU_TIERS]))
    .option('--firmware <fw>', 'builtin (default), seabios (from /usr/share/seabios or a folder given here), or a raw system ROM file (64–256 KiB)')
    .option('--until-text <text>', 'stop with exit 0 once the text-mode screen contains this text')
    .option('--until-serial <text>', 'stop with exit 0 once COM1 output contains this text')
    .option('--until-halt', 'stop with exit 0 when the CPU halts with interrupts off')
    .option('--max-instructions <n>', 'instruction budget (exit 1 when it runs out first)', intOption('--max-instructions'))
    .option('--virtual-ms <ms>', 'virtual-time budget in milliseconds (exit 1 when it runs out first)', numberOption('--virtual-ms'))
    .option('--type <keys>', 'text to type (US layout): at power-on, or once --type-after text is on screen')
    .option('--type-after <text>', 'hold the --type keys until the text-mode screen contains this text (firmware such as SeaBIOS resets the keyboard during POST, which discards keys typed at power-on)')
    .option('--screenshot <file.png>', 'write the final screen as PNG')
    .option('--text <file>', 'write the final text-mode screen as text')
    .option('--serial <file>', 'write COM1 output to a file, or - for stdout (unbuffered)')
    .option('--printer <file>', 'write what the guest printed on LPT1 to a file')
    .option('--port-log <ports:file>', 'record every byte written to these I/O ports, e.g. 0x80,0xe9:ports.bin (repeatable)', parsePortLog)
    .option('--debug-exit', 'enable the isa-debug-exit device at port 0xF4 (the guest ends the run)')
    .option('--persist', 'write disk changes into the images instead of a throw-away overlay')
    .option('--virtual-mips <n>', 'virtual instruction rate in millions per second (default 100)', numberOption('--virtual-mips'))
    .option('--rtc <iso-date>', 'RTC time at power-on (default 2000-01-01T00:00:00Z)')
    .option('--realtime', 'pace the guest to the wall clock for interactive use (with --serial -, stdin goes to COM1); the default runs as fast as possible')
    .option('--stats', 'print run statistics as JSON (to stderr when --serial is -)')
    .action(async (o: BootOptions) => {
      process.exitCode = await boot(o);
    });
}

async function boot(o: BootOptions): Promise<number> {
  if (!o.fda && !o.fdb && !o.hda && !o.hdb && !o.cdrom && (o.firmware === undefined || o.firmware === 'builtin' || o.firmware === 'seabios')) {
    throw new UsageError('boot: give at least one image (--fda, --hda, --cdrom, …) or a ROM with --firmware FILE');
  }
  const disk = (path: string | undefined) => (path === undefined ? undefined : { path, persist: o.persist ?? false });
  const config: MachineConfigInput = {
    fda: disk(o.fda),
    fdb: disk(o.fdb),
    hda: disk(o.hda),
    hdb: disk(o.hdb),
    cdrom: o.cdrom === undefined ? undefined : { path: o.cdrom },
    bootOrder: o.boot,
    memoryMB: o.memory,
    cpuModel: o.cpuModel,
    cpu: o.cpu,
    firmware: firmwareConfig(o.firmware),
    debugExit: o.debugExit ?? false,
    virtualMips: o.virtualMips,
    rtcStart: o.rtc,
  };
  let machine: Machine;
  try {
    machine = await Machine.create(config, 'boot options');
  } catch (e) {
    if (e instanceof EngineInputError) throw new UsageError(e.message);
    throw e;
  }
  const toStdout = o.serial === '-';
  const serialFd = o.serial === undefined ? undefined : toStdout ? 1 : openSync(o.serial, 'w');
  if (serialFd !== undefined) machine.serial[0].onData((bytes) => writeSync(serialFd, bytes));
  const portLogs = (o.portLog ?? []).map((p) => ({ ports: new Set(p.ports), fd: openSync(p.file, 'w') }));
  if (portLogs.length > 0) {
    machine.io.setWriteTap((port, value, size) => {
      for (const log of portLogs) {
        if (!log.ports.has(port)) continue;
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (value >>> (8 * i)) & 0xff;
        writeSync(log.fd, bytes);
      }
    });
  }
  if (o.typeAfter !== undefined && o.type === undefined) throw new UsageError('boot: --type-after needs --type KEYS');
  if (o.type !== undefined && o.typeAfter === undefined) machine.keyboard.type(o.type);

  const untilText = o.untilText;
  const untilSerial = o.untilSerial;
  const stopWhen =
    untilText === undefined && untilSerial === undefined
      ? undefined
      : (m: Machine) => (untilText !== undefined && m.text().includes(untilText)) || (untilSerial !== undefined && m.serial[0].text().includes(untilSerial));
  const wall0 = performance.now();
  const fromStdin = (chunk: Buffer) => machine.serial[0].send(new Uint8Array(chunk));
  if (o.realtime && toStdout) process.stdin.on('data', fromStdin);
  const runFor = (opts: RunOptions): Promise<RunResult> | RunResult => (o.realtime ? runPaced(machine, opts) : machine.run(opts));
  let result: RunResult;
  try {
    const typeAfter = o.typeAfter;
    if (typeAfter !== undefined) {
      // Phase 1: run until the prompt appears (or the run's own stop condition
      // is met first), then type; phase 2 spends what is left of the budgets.
      const v0 = machine.virtualTimeMs;
      const first = await runFor({
        maxInstructions: o.maxInstructions,
        maxVirtualMs: o.virtualMs,
        until: (m) => m.text().includes(typeAfter) || (stopWhen?.(m) ?? false),
      });
      if (first.reason !== 'until' || (stopWhen?.(machine) ?? false)) result = first;
      else {
        machine.keyboard.type(o.type ?? '');
        result = await runFor({
          maxInstructions: o.maxInstructions === undefined ? undefined : Math.max(0, o.maxInstructions - first.instructions),
          maxVirtualMs: o.virtualMs === undefined ? undefined : Math.max(0, o.virtualMs - (machine.virtualTimeMs - v0)),
          until: stopWhen,
        });
      }
    } else {
      result = await runFor({ maxInstructions: o.maxInstructions, maxVirtualMs: o.virtualMs, until: stopWhen });
    }
  } finally {
    if (o.realtime && toStdout) {
      process.stdin.off('data', fromStdin);
      process.stdin.pause();
    }
  }
  const wallMs = performance.now() - wall0;

  if (o.screenshot !== undefined) writeFileSync(o.screenshot, encodePng(machine.screen()));
  if (o.text !== undefined) writeFileSync(o.text, machine.text() + '\n');
  if (o.printer !== undefined) writeFileSync(o.printer, machine.printer.output());
  if (serialFd !== undefined && !toStdout) closeSync(serialFd);
  for (const log of portLogs) closeSync(log.fd);
  if (o.stats) {
    const stats = {
      reason: result.reason,
      instructions: machine.instructions,
      virtualMs: Number(machine.virtualTimeMs.toFixed(3)),
      wallMs: Number(wallMs.toFixed(1)),
      mips: Number((machine.instructions / 1e3 / Math.max(wallMs, 1e-3)).toFixed(2)),
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    };
    (toStdout ? process.stderr : process.stdout).write(JSON.stringify(stats) + '\n');
  }
  machine.dispose();
  switch (result.reason) {
    case 'until':
    case 'power-off':
    case 'debug-exit':
      return 0;
    case 'halted':
      return o.untilHalt || (untilText === undefined && untilSerial === undefined) ? 0 : 1;
    default:
      return 1;
  }
}
