/**
 * `lab image`: create, inspect, check, convert, commit and compare disk
 * images. Thin glue over engine/disk; engine input errors become UsageErrors
 * (exit 2, one line).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { EngineInputError } from '../../engine/errors.js';
import { commitDifferencingVhd } from '../../engine/disk/commit.js';
import { convertImage, type ConvertTarget } from '../../engine/disk/convert.js';
import { diffDevices } from '../../engine/disk/image-diff.js';
import { createRawImage } from '../../engine/disk/raw-image.js';
import { openImage, vhdFooterOf } from '../../engine/disk/open-image.js';
import { checkImage } from '../../engine/disk/vhd-check.js';
import { createDifferencingVhd, createDynamicVhd, createFixedVhd, vhdCreateSize, type CreateVhdOptions } from '../../engine/disk/vhd-create.js';
import { vhdTimeStamp } from '../../engine/disk/vhd-footer.js';
import { formatProblem } from '../../engine/disk/vhd-report.js';
import { describeImage, type ImageInfo } from '../image/describe.js';
import { formatBytes, parseSize } from '../image/size.js';
import { UsageError } from './errors.js';

function out(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Run `fn`, turning bad-input errors from the engine (and missing files) into UsageErrors. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EngineInputError) throw new UsageError(e.message);
    if (e instanceof RangeError) throw new UsageError(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EEXIST' || code === 'EISDIR') {
      const p = (e as NodeJS.ErrnoException).path ?? '';
      const what = code === 'ENOENT' ? 'no such file' : code === 'EEXIST' ? 'file already exists' : code === 'EISDIR' ? 'is a directory' : 'permission denied';
      throw new UsageError(`${p}: ${what}`);
    }
    throw e;
  }
}

function size(text: string): number {
  const v = parseSize(text);
  if (typeof v === 'string') throw new UsageError(v);
  return v;
}

function hostCreateOptions(blockSize: string | undefined, exact: boolean | undefined): CreateVhdOptions {
  const opts: CreateVhdOptions = { timeStamp: vhdTimeStamp(Date.now()), uniqueId: randomBytes(16) };
  if (blockSize !== undefined) opts.blockSize = size(blockSize);
  if (exact) opts.exactSize = true;
  return opts;
}

function printInfo(info: ImageInfo): void {
  const top = info.chain[0]!;
  out(`image: ${info.file}`);
  out(`format: ${info.format}${top.diskType ? ` (${top.diskType})` : ''}`);
  out(`virtual size: ${formatBytes(info.virtualSize)}`);
  out(`geometry: ${info.geometry.cylinders}/${info.geometry.heads}/${info.geometry.sectorsPerTrack} (C/H/S)`);
  info.chain.forEach((l, i) => {
    const label = i === 0 ? 'file' : `parent ${i}`;
    out(`${label}: ${l.file} (${l.format}${l.diskType ? ` ${l.diskType}` : ''}, ${formatBytes(l.fileSize)} on disk)`);
    if (l.creator) out(`  creator: "${l.creator.app}" version ${l.creator.version} on ${l.creator.hostOs}`);
    if (l.uniqueId) out(`  unique id: ${l.uniqueId}`);
    if (l.currentSize !== undefined && l.currentSize !== l.virtualSize) out(`  footer current size: ${l.currentSize} (virtual size follows the CHS geometry)`);
    if (l.blockSize !== undefined) {
      out(`  block size: ${formatBytes(l.blockSize)}`);
      out(`  allocated blocks: ${l.allocatedBlocks}/${l.totalBlocks} (${l.allocatedPercent}%)`);
    }
    if (l.parentUniqueId) out(`  parent unique id: ${l.parentUniqueId}`);
  });
}

export function register(program: Command): void {
  const image = program.command('image').description('create, inspect, check, convert, commit and compare disk images').exitOverride();

  image
    .command('create')
    .description('create an empty image: SIZE like 64M, 2G, 1.44M; with --diff the size comes from the parent')
    .argument('<args...>', '[SIZE] FILE')
    .option('--fixed', 'fixed VHD')
    .option('--dynamic', 'dynamic VHD')
    .option('--raw', 'raw image')
    .option('--diff <parent>', 'differencing VHD over PARENT')
    .option('--block-size <size>', 'dynamic/differencing block size (power of two, default 2M)')
    .option('--exact-size', 'keep SIZE even when no CHS geometry matches it (CHS-based readers such as qemu-img then see less)')
    .exitOverride()
    .action((args: string[], o: { fixed?: boolean; dynamic?: boolean; raw?: boolean; diff?: string; blockSize?: string; exactSize?: boolean }) => {
      const kinds = [o.fixed, o.dynamic, o.raw, o.diff !== undefined].filter(Boolean).length;
      if (kinds !== 1) throw new UsageError('image create: give exactly one of --fixed, --dynamic, --raw, --diff PARENT');
      guarded(() => {
        const opts = hostCreateOptions(o.blockSize, o.exactSize);
        if (o.diff !== undefined) {
          if (args.length < 1 || args.length > 2) throw new UsageError('image create --diff PARENT [SIZE] FILE: expected the new file name');
          const file = args[args.length - 1]!;
          const parent = openImage(o.diff, { readOnly: true });
          try {
            const pf = vhdFooterOf(parent);
            if (!pf) throw new UsageError(`${o.diff}: a differencing parent must be a VHD image`);
            if (args.length === 2 && size(args[0]!) !== parent.sectorCount * 512) {
              throw new UsageError(`image create --diff: SIZE ${args[0]} differs from the parent's ${parent.sectorCount * 512} bytes`);
            }
            createDifferencingVhd(file, { path: o.diff, sectorCount: parent.sectorCount, uniqueId: pf.uniqueId, timeStamp: pf.timeStamp }, opts);
            out(`created ${file}: differencing VHD, ${formatBytes(parent.sectorCount * 512)}, parent ${o.diff}`);
          } finally {
            parent.close();
          }
          return;
        }
        if (args.length !== 2) throw new UsageError('image create: expected SIZE FILE');
        const bytes = size(args[0]!);
        const file = args[1]!;
        if (o.raw) {
          createRawImage(file, bytes);
          out(`created ${file}: raw, ${formatBytes(bytes)}`);
          return;
        }
        const actual = vhdCreateSize(bytes, opts);
        if (o.fixed) createFixedVhd(file, bytes, opts);
        else createDynamicVhd(file, bytes, opts);
        out(`created ${file}: ${o.fixed ? 'fixed' : 'dynamic'} VHD, ${formatBytes(actual)}${actual !== bytes ? ' (rounded up to a whole CHS geometry; --exact-size keeps the size)' : ''}`);
      });
    });

  image
    .command('info')
    .description('show format, size, geometry, creator, disk type, parent chain and allocation')
    .argument('<file>')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .action((file: string, o: { json?: boolean }) => {
      const info = guarded(() => describeImage(file));
      if (o.json) out(JSON.stringify(info, null, 2));
      else printInfo(info);
    });

  image
    .command('check')
    .description('validate every structure; lists every problem with its byte offset; exit 1 when there are errors')
    .argument('<file>')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .action((file: string, o: { json?: boolean }) => {
      const r = guarded(() => checkImage(file));
      if (o.json) out(JSON.stringify(r, null, 2));
      else {
        for (const p of r.problems) out(`${p.severity}: ${formatProblem(p)}`);
        const errors = r.problems.filter((p) => p.severity === 'error').length;
        const warnings = r.problems.length - errors;
        out(errors === 0 ? `${file}: no errors (${r.format}${warnings ? `, ${warnings} warning(s)` : ''})` : `${file}: ${errors} error(s), ${warnings} warning(s)`);
      }
      if (!r.ok) process.exitCode = 1;
    });

  image
    .command('convert')
    .description('copy IN into a new image OUT (contents identical)')
    .argument('<in>')
    .argument('<out>')
    .option('--to <format>', 'raw, fixed or dynamic (default: dynamic for .vhd, else raw)')
    .option('--block-size <size>', 'block size for dynamic output')
    .option('--exact-size', 'keep the input size even when no CHS geometry matches it')
    .exitOverride()
    .action((inPath: string, outPath: string, o: { to?: string; blockSize?: string; exactSize?: boolean }) => {
      const to = (o.to ?? (/\.vhd$/i.test(outPath) ? 'dynamic' : 'raw')) as ConvertTarget;
      if (!['raw', 'fixed', 'dynamic'].includes(to)) throw new UsageError(`image convert: --to must be raw, fixed or dynamic, not "${o.to}"`);
      if (fs.existsSync(outPath)) throw new UsageError(`${outPath}: file already exists`);
      guarded(() => {
        const bytes = convertImage(inPath, outPath, { ...hostCreateOptions(o.blockSize, o.exactSize), to });
        out(`converted ${inPath} -> ${outPath} (${to}, ${formatBytes(bytes)})`);
      });
    });

  image
    .command('commit')
    .description('merge a differencing VHD into its parent (the child is left unchanged)')
    .argument('<child>')
    .exitOverride()
    .action((child: string) => {
      const r = guarded(() => commitDifferencingVhd(child));
      out(`committed ${child} into ${r.parentPath}: ${r.sectorsCopied} sectors (${formatBytes(r.sectorsCopied * 512)})`);
    });

  image
    .command('diff')
    .description('list byte ranges whose contents differ between two images; exit 1 when they differ')
    .argument('<a>')
    .argument('<b>')
    .option('--granularity <size>', 'comparison unit (default 64K)', '64K')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .action((a: string, b: string, o: { granularity: string; json?: boolean }) => {
      const unit = size(o.granularity);
      const r = guarded(() => {
        const da = openImage(a, { readOnly: true });
        try {
          const db = openImage(b, { readOnly: true });
          try {
            return diffDevices(da, db, unit);
          } finally {
            db.close();
          }
        } finally {
          da.close();
        }
      });
      if (o.json) out(JSON.stringify(r, null, 2));
      else {
        if (r.sizeA !== r.sizeB) out(`sizes differ: ${a} ${r.sizeA} bytes, ${b} ${r.sizeB} bytes (the shorter compares as zeros)`);
        for (const x of r.ranges) out(`0x${x.offset.toString(16)}-0x${(x.offset + x.length - 1).toString(16)} (${formatBytes(x.length)})`);
        out(r.ranges.length === 0 ? 'contents identical' : `${r.ranges.length} range(s), ${formatBytes(r.changedBytes)} differ`);
      }
      if (r.ranges.length > 0 || r.sizeA !== r.sizeB) process.exitCode = 1;
    });
}
