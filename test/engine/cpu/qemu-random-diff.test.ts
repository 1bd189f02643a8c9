/**
 * Random differential test against QEMU (see scripts/cpu-qemu-diff.ts): fast-check
 * generates instruction sequences with random registers, flags and memory, in real
 * mode, flat 32-bit protected mode (ring 0 and ring 3 with a random IOPL), 16-bit
 * protected mode, virtual-8086 mode, and flat 32-bit protected mode with paging at
 * ring 0 (pg) and ring 3 (pg3): there the scratch buffer and the pages around it are
 * mapped to other frames with per-sequence random rights (read-only, supervisor-only,
 * not present, a 4 MiB page, CR0.WP), and the record adds CR2, the page-table entries
 * (accessed/dirty flags) and the bytes around the page boundaries. QEMU and our CPU run
 * the same boot images and every sequence's registers, EFLAGS (undefined flags masked),
 * segment registers, fault vector and error code and memory windows must agree. The
 * seed is fixed so a failure reproduces with
 *   node dist/scripts/cpu-qemu-diff.js --seed 20261122 --count 4200 --batch 300 --show 10
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { differential, diffFields, parseRecord, PG_BOUNDARIES, PG_SLOTS, RECORD, recordSize, type SeqRecord } from '../../../scripts/cpu-qemu-diff.js';

function qemuAvailable(): boolean {
  try {
    execFileSync('qemu-system-i386', ['--version'], { stdio: 'pipe' });
    execFileSync('nasm', ['-v'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('random differential test against QEMU', () => {
  it('4,200 random sequences (real mode; 32-bit ring 0, 32-bit ring 3 and 16-bit protected mode; virtual-8086 mode; paging at ring 0 and ring 3) match qemu-system-i386 with zero unexplained differences', async () => {
    expect(qemuAvailable(), 'qemu-system-i386 and nasm must be installed (CI installs them)').toBe(true);
    // 14 batches of 300: two per mode (real, pm, pm16, pm3, v86, pg, pg3).
    const s = await differential({ seed: 20261122, count: 4200, batch: 300, jobs: 2 });
    const reports = s.unexplained.slice(0, 3).map((d) => d.report);
    expect(reports.join('\n\n')).toBe('');
    expect(s.unexplained.length).toBe(0);
    expect(s.sequences).toBe(4200);
    // Some sequences must end in an exception (guarded DIV/AAM left unguarded, INTO, and in
    // the paged modes page faults), so fault delivery is compared as well, but most run to the end.
    expect(s.faults).toBeGreaterThan(10);
    expect(s.faults).toBeLessThan(4200 / 4);
  });

  it('the comparison sees a one-bit change in any compared field and ignores only undefined flags', () => {
    const out = new Uint8Array(RECORD);
    for (let i = 0; i < out.length; i++) out[i] = (i * 37) & 0xff;
    const base = parseRecord(out, 0) as SeqRecord;
    expect(diffFields(base, parseRecord(out.slice(), 0) as SeqRecord, 0)).toEqual([]);
    const fieldAt = (offset: number, bit: number, undef = 0): string[] => {
      const t = out.slice();
      t[offset] ^= 1 << bit;
      return diffFields(base, parseRecord(t, 0) as SeqRecord, undef);
    };
    expect(fieldAt(16, 0)).toEqual(['eax']);
    expect(fieldAt(16 + 7 * 4 + 3, 7)).toEqual(['edi']);
    expect(fieldAt(4, 0)).toEqual(['fault']);
    expect(fieldAt(48, 0)).toEqual(['eflags']); // CF
    expect(fieldAt(48, 0, 0x1)).toEqual([]); // CF undefined: masked
    expect(fieldAt(48, 4, 0x1)).toEqual(['eflags']); // AF still compared
    expect(fieldAt(52 + 6, 1)).toEqual(['ds']);
    expect(fieldAt(64 + 0x42, 2)).toEqual(['buf+0x42']);
    expect(fieldAt(RECORD - 1, 0)).toEqual(['stack+0x4f']);
  });

  it('in the paged modes the record also compares CR2, every page-table entry of the paged region and the bytes around each page boundary', () => {
    const size = recordSize('pg');
    const out = new Uint8Array(size);
    for (let i = 0; i < out.length; i++) out[i] = (i * 53) & 0xff;
    const base = parseRecord(out, 0, 'pg') as SeqRecord;
    expect(diffFields(base, parseRecord(out.slice(), 0, 'pg') as SeqRecord, 0)).toEqual([]);
    const fieldAt = (offset: number, bit: number): string[] => {
      const t = out.slice();
      t[offset] ^= 1 << bit;
      return diffFields(base, parseRecord(t, 0, 'pg') as SeqRecord, 0);
    };
    expect(fieldAt(RECORD, 3)).toEqual(['cr2']);
    expect(fieldAt(RECORD + 4 + 1 * 4, 6)).toEqual(['pte@0x9000']); // dirty flag of the read-only page's PTE
    expect(fieldAt(RECORD + 4 + 6 * 4, 5)).toEqual(['pde@0x400000']); // accessed flag of the 4 MiB page
    const win = RECORD + 4 + 4 * PG_SLOTS.length;
    expect(fieldAt(win + 31, 0)).toEqual(['mem@0x8fff']); // last byte below the first boundary
    expect(fieldAt(win + 32, 0)).toEqual(['mem@0x9000']);
    expect(fieldAt(size - 1, 7)).toEqual([`mem@0x${(PG_BOUNDARIES[PG_BOUNDARIES.length - 1] + 31).toString(16)}`]);
  });
});
