/**
 * Progress output: a bar on a terminal, one line per finished case otherwise
 * (CI logs), nothing when quiet. Goes to stderr so stdout stays parseable.
 */
import cliProgress from 'cli-progress';
import type { CaseResult } from '../results/schema.js';

export interface Progress {
  start(total: number): void;
  done(r: CaseResult): void;
  stop(): void;
}

export function caseLine(r: CaseResult): string {
  const insn = r.instructions >= 1e6 ? `${(r.instructions / 1e6).toFixed(1)}M` : String(r.instructions);
  const detail = r.outcome === 'SKIP' ? ` (${r.message ?? ''})` : ` (${insn} insn, ${(r.wallMs / 1000).toFixed(2)} s)`;
  const msg = r.outcome !== 'PASS' && r.outcome !== 'SKIP' && r.message ? `\n    ${r.message}` : '';
  return `${r.outcome.padEnd(5)} ${r.id}${detail}${msg}`;
}

export function makeProgress(mode: 'auto' | 'bar' | 'lines' | 'none', out: NodeJS.WriteStream = process.stderr): Progress {
  const kind = mode === 'auto' ? (out.isTTY && !process.env.CI ? 'bar' : 'lines') : mode;
  if (kind === 'none') return { start() {}, done() {}, stop() {} };
  if (kind === 'lines') {
    return {
      start() {},
      done: (r) => void out.write(caseLine(r) + '\n'),
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'lab {bar} {value}/{total} cases | {last}', stream: out, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const failures: string[] = [];
  return {
    start: (total) => bar.start(total, 0, { last: '' }),
    done: (r) => {
      if (r.outcome === 'FAIL' || r.outcome === 'ERROR' || r.outcome === 'XPASS') failures.push(caseLine(r));
      bar.increment({ last: `${r.outcome} ${r.id}` });
    },
    stop: () => {
      bar.stop();
      for (const f of failures) out.write(f + '\n');
    },
  };
}
