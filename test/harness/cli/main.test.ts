import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const lab = (...args: string[]) => execa('node', ['bin/lab.js', ...args], { cwd: root, reject: false });

// These run the built CLI exactly as a user would (`npm test` builds first).
describe('lab CLI', () => {
  beforeAll(async () => {
    await execa('npm', ['run', 'build', '--silent'], { cwd: root });
  });

  it('prints help and exits 0', async () => {
    const r = await lab('--help');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Usage: lab/);
  });

  it('prints the version and the commit it was built from', async () => {
    const r = await lab('--version');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^lab \d+\.\d+\.\d+ \(commit ([0-9a-f]{40}|unknown)/);
  });

  it('rejects an unknown command with one line and exit 2', async () => {
    const r = await lab('nonsense');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('rejects an unknown option with one line and exit 2', async () => {
    const r = await lab('--frobnicate');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });
});
