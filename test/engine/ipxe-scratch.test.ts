import { it } from 'vitest';
import { Machine } from '../../engine/machine.js';
import { ipxeIso } from '../helpers/real-software.js';

it('ipxe scratch', async () => {
  const fw = (process.env.FW ?? 'builtin') as 'builtin' | 'seabios';
  const m = await Machine.create({ cdrom: { path: ipxeIso() }, bootOrder: ['cdrom'], cpuModel: 'pentium2', cpu: (process.env.TIER ?? 'interp') as 'interp' | 'jit', firmware: { kind: fw } });
  for (let i = 0; i < Number(process.env.STEPS ?? 10); i++) {
    const r = m.run({ maxInstructions: 50_000_000 });
    console.log('---', i, r.reason, m.instructions, m.cpu.eip.toString(16), m.cpu.seg[1].toString(16));
    console.log(m.text().split('\n').filter((l: string) => l.trim()).join('\n'));
    if (r.reason !== 'max-instructions' && r.reason !== 'budget') break;
  }
}, 600_000);
