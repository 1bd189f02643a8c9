#!/usr/bin/env node
// The `lab` command: runs the compiled CLI (npm ci / npm run build produce dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/harness/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('lab: not built yet; run `npm ci` (or `npm run build`) in the project folder first\n');
  process.exit(2);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv);
