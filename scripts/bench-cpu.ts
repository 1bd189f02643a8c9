/**
 * CPU throughput (MIPS) of both tiers — the interpreter and the translator
 * ("jit", engine/cpu/jit) — on project-written guest loops, each checked
 * against a checksum computed here in JavaScript. The guests are
 * NASM-assembled bytes embedded below (sources in the comments).
 *
 *   npm run bench:cpu        (builds, then runs dist/scripts/bench-cpu.js)
 *   BENCH_TIERS=jit npm run bench:cpu     (one tier only)
 *
 * Per row: tinybench mean over warm runs (the machine is rebuilt-free: reset
 * and reloaded, so the translator's compiled-code cache stays warm, as it
 * does in a long-running guest), the first (cold) run, and for the
 * translator: regions compiled, compile time per region, and the share of
 * instructions that ran in translated code.
 */
import { Bench } from 'tinybench';
import { IoBus } from '../engine/bus/io-bus.js';
import { PhysicalMemory } from '../engine/bus/physical-memory.js';
import { VirtualClock } from '../engine/clock/virtual-clock.js';
import { Cpu, ATTR_BIG, ATTR_GRAN, ATTR_PRESENT, type CpuModel } from '../engine/cpu/cpu.js';
import { Translator } from '../engine/cpu/jit/translator.js';

type Tier = 'interp' | 'jit';

interface Guest {
  name: string;
  model: CpuModel;
  bits: 16 | 32;
  code: number[];
  setup?: (mem: PhysicalMemory) => void;
  /** Expected EAX (or AX) at HLT. */
  expected: () => number;
  /** 32-bit only: run with paging on (first 4 MiB identity-mapped with 4 KiB pages, ring 0). */
  paging?: boolean;
}

// intmix.asm: ecx=200000; eax=0; ebx=0x12345678; loop { add eax,ebx; xor ebx,eax; rol ebx,3;
//   imul edx,eax,7; sub eax,edx; shr edx,2; adc eax,edx; dec ecx; jnz }; hlt
const INTMIX = [0xb9,0x40,0x0d,0x03,0x00,0x31,0xc0,0xbb,0x78,0x56,0x34,0x12,0x01,0xd8,0x31,0xc3,0xc1,0xc3,0x03,0x6b,0xd0,0x07,0x29,0xd0,0xc1,0xea,0x02,0x11,0xd0,0x49,0x75,0xec,0xf4];
// sieve.asm: byte flags at 0x100000 for N=65536, counts primes into eax.
const SIEVE = [0xbf,0x00,0x00,0x10,0x00,0xb9,0x00,0x40,0x00,0x00,0xb8,0x01,0x01,0x01,0x01,0xf3,0xab,0x31,0xdb,0xbe,0x02,0x00,0x00,0x00,0x80,0xbe,0x00,0x00,0x10,0x00,0x00,0x74,0x1f,0x43,0x89,0xf2,0x0f,0xaf,0xd6,0x81,0xfa,0x00,0x00,0x01,0x00,0x73,0x11,0xc6,0x82,0x00,0x00,0x10,0x00,0x00,0x01,0xf2,0x81,0xfa,0x00,0x00,0x01,0x00,0x72,0xef,0x46,0x81,0xfe,0x00,0x00,0x01,0x00,0x72,0xcf,0x89,0xd8,0xf4];
// memcpy.asm: 20× (rep movsd 64 KiB 0x200000→0x300000; byte loop 4 KiB back), then sum the dwords at 0x200000.
const MEMCPY = [0xba,0x14,0x00,0x00,0x00,0xbe,0x00,0x00,0x20,0x00,0xbf,0x00,0x00,0x30,0x00,0xb9,0x00,0x40,0x00,0x00,0xf3,0xa5,0xbe,0x00,0x00,0x30,0x00,0xbf,0x00,0x00,0x20,0x00,0xb9,0x00,0x10,0x00,0x00,0x8a,0x06,0x88,0x07,0x46,0x47,0x49,0x75,0xf7,0x4a,0x75,0xd4,0x31,0xc0,0xbe,0x00,0x00,0x20,0x00,0xb9,0x00,0x40,0x00,0x00,0x03,0x06,0x83,0xc6,0x04,0xe2,0xf9,0xf4];
// calls.asm: recursive fib(24) with a stack frame per call.
const CALLS = [0xbc,0x00,0x00,0x08,0x00,0x6a,0x18,0xe8,0x04,0x00,0x00,0x00,0x83,0xc4,0x04,0xf4,0x55,0x89,0xe5,0x8b,0x45,0x08,0x83,0xf8,0x02,0x72,0x1d,0x48,0x50,0xe8,0xee,0xff,0xff,0xff,0x83,0xc4,0x04,0x50,0x8b,0x4d,0x08,0x83,0xe9,0x02,0x51,0xe8,0xde,0xff,0xff,0xff,0x83,0xc4,0x04,0x59,0x01,0xc8,0x5d,0xc3];
// real16.asm (8086): 8× over 32 KiB: lodsb; add ah,al; xor al,ah; mov [si+0x4000],al; adc bx,ax; loop.
const REAL16 = [0xb9,0x00,0x00,0xbe,0x00,0x20,0x31,0xc0,0xba,0x08,0x00,0xb9,0x00,0x80,0xbe,0x00,0x20,0xac,0x00,0xc4,0x30,0xe0,0x88,0x84,0x00,0x40,0x11,0xc3,0xe2,0xf3,0x4a,0x75,0xea,0x89,0xd8,0xf4];

// dispatch.asm: a bytecode VM, `jmp [table + op*4]` dispatch (add imm8, xor imm8, rol 3, loop),
//   running the program [add 7, rol, xor 0x5a, add 200, rol, loop] 100000 times; bytecode at 0x100000.
const DISPATCH = [0xb9,0xa0,0x86,0x01,0x00,0x31,0xc0,0xbf,0x00,0x00,0x10,0x00,0x89,0xfe,0x0f,0xb6,0x16,0x46,0xff,0x24,0x95,0x34,0x00,0x01,0x00,0x0f,0xb6,0x1e,0x46,0x01,0xd8,0xeb,0xed,0x0f,0xb6,0x1e,0x46,0x31,0xd8,0xeb,0xe5,0xc1,0xc0,0x03,0xeb,0xe0,0x49,0x75,0xdb,0xf4,0x90,0x90,0x19,0x00,0x01,0x00,0x21,0x00,0x01,0x00,0x29,0x00,0x01,0x00,0x2e,0x00,0x01,0x00];
const BYTECODE = [0, 7, 2, 1, 0x5a, 0, 200, 2, 3];
// smc.asm: code and data on one page: ecx=200000; loop { patch: add eax, imm32; mov [data], eax;
//   every 1024th iteration `mov [patch+1], ecx` rewrites the ADD's immediate; dec ecx; jnz }; `data` is
//   64 bytes after the code. Keeps the translator's invalidation cost honest.
const SMC = [0xb9,0x40,0x0d,0x03,0x00,0x31,0xc0,0x05,0x01,0x00,0x00,0x00,0xa3,0x40,0x00,0x01,0x00,0x89,0xca,0x81,0xe2,0xff,0x03,0x00,0x00,0x75,0x06,0x89,0x0d,0x08,0x00,0x01,0x00,0x49,0x75,0xe3,0xf4,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x90,0x00,0x00,0x00,0x00];

function dispatchExpected(): number {
  let eax = 0;
  for (let i = 0; i < 100000; i++) {
    for (let ip = 0; BYTECODE[ip] !== 3; ) {
      const op = BYTECODE[ip++];
      if (op === 0) eax = (eax + BYTECODE[ip++]) >>> 0;
      else if (op === 1) eax = (eax ^ BYTECODE[ip++]) >>> 0;
      else eax = ((eax << 3) | (eax >>> 29)) >>> 0;
    }
  }
  return eax;
}

function smcExpected(): number {
  let eax = 0;
  let imm = 1;
  for (let ecx = 200000; ecx > 0; ecx--) {
    eax = (eax + imm) >>> 0;
    if ((ecx & 1023) === 0) imm = ecx;
  }
  return eax;
}

function pattern(mem: PhysicalMemory, base: number, bytes: number): void {
  let x = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    mem.ram[base + i] = x & 0xff;
  }
}

function intmixExpected(): number {
  let eax = 0;
  let ebx = 0x12345678;
  for (let i = 0; i < 200000; i++) {
    eax = (eax + ebx) >>> 0;
    ebx = (ebx ^ eax) >>> 0;
    ebx = ((ebx << 3) | (ebx >>> 29)) >>> 0;
    let edx = Math.imul(eax, 7) >>> 0;
    eax = (eax - edx) >>> 0;
    const cf = (edx >>> 1) & 1;
    edx >>>= 2;
    eax = (eax + edx + cf) >>> 0;
  }
  return eax;
}

function sieveExpected(): number {
  const n = 65536;
  const f = new Uint8Array(n).fill(1);
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (!f[i]) continue;
    count++;
    for (let j = i * i; j < n; j += i) f[j] = 0;
  }
  return count;
}

function memcpyExpected(): number {
  const mem = new PhysicalMemory(4 * 1024 * 1024);
  pattern(mem, 0x200000, 65536);
  let s = 0;
  for (let i = 0; i < 16384; i++) s = (s + mem.read32(0x200000 + i * 4)) >>> 0;
  return s;
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function real16Expected(): number {
  const mem = new Uint8Array(0x10000);
  const src = new PhysicalMemory(0x10000);
  pattern(src, 0x2000, 0x8000);
  mem.set(src.ram.subarray(0, 0x10000));
  let al = 0;
  let ah = 0;
  let bx = 0;
  for (let o = 0; o < 8; o++) {
    for (let si = 0x2000; si < 0xa000; ) {
      al = mem[si++];
      ah = (ah + al) & 0xff;
      al ^= ah;
      mem[(si + 0x4000) & 0xffff] = al;
      bx = (bx + ((ah << 8) | al)) & 0xffff;
    }
  }
  return bx;
}

const GUESTS: Guest[] = [
  { name: 'integer mix (32-bit)', model: 'p6', bits: 32, code: INTMIX, expected: intmixExpected },
  { name: 'sieve 64K (32-bit)', model: 'p6', bits: 32, code: SIEVE, expected: sieveExpected },
  { name: 'memcpy rep movsd + byte loop (32-bit)', model: 'p6', bits: 32, code: MEMCPY, setup: (m) => pattern(m, 0x200000, 65536), expected: memcpyExpected },
  { name: 'call-heavy fib(24) (32-bit)', model: 'p6', bits: 32, code: CALLS, expected: () => fib(24) },
  { name: 'real mode 16-bit loop (8086)', model: '8086', bits: 16, code: REAL16, setup: (m) => pattern(m, 0x2000, 0x8000), expected: real16Expected },
  { name: 'bytecode dispatch jmp [tab] (32-bit)', model: 'p6', bits: 32, code: DISPATCH, setup: (m) => m.ram.set(BYTECODE, 0x100000), expected: dispatchExpected },
  { name: 'sieve 64K, paging on (32-bit)', model: 'p6', bits: 32, code: SIEVE, expected: sieveExpected, paging: true },
  { name: 'self-modifying code+data page (32-bit)', model: 'p6', bits: 32, code: SMC, expected: smcExpected },
];

/** Fresh CPU with the guest loaded: flat 32-bit protected mode, or real mode at 0000:1000. */
const machines = new Map<string, { cpu: Cpu; mem: PhysicalMemory; tr?: Translator }>();

/** The guest's machine (built once per tier, so timing covers execution only), reset and reloaded. */
function prepare(g: Guest, tier: Tier): { cpu: Cpu; mem: PhysicalMemory } {
  let m = machines.get(g.name + tier);
  if (!m) {
    const memory = new PhysicalMemory(16 * 1024 * 1024);
    const cpu = new Cpu({ model: g.model, memory, io: new IoBus(), clock: new VirtualClock(1e8) });
    const tr = tier === 'jit' ? new Translator(cpu) : undefined;
    cpu.translator = tr;
    m = { mem: memory, cpu, tr };
    machines.set(g.name + tier, m);
  }
  const { cpu, mem } = m;
  mem.ram.fill(0, 0, 4 * 1024 * 1024);
  cpu.reset();
  cpu.clock.reset();
  g.setup?.(mem);
  if (g.bits === 32) {
    mem.writeBytes(0x10000, Uint8Array.from(g.code));
    cpu.cr0 |= 1;
    for (let s = 0; s < 6; s++) {
      cpu.seg[s] = s === 1 ? 0x08 : 0x10;
      cpu.segBase[s] = 0;
      cpu.segLimit[s] = 0xffffffff;
      cpu.segAttr[s] = ATTR_PRESENT | ATTR_BIG | ATTR_GRAN | (s === 1 ? 0x1b : 0x13);
    }
    cpu.eip = 0x10000;
    cpu.r[4] = 0x80000;
    if (g.paging) {
      // Page directory at 8 MiB, one page table after it: linear = physical for 0–4 MiB.
      mem.write32(0x800000, 0x801003);
      for (let i = 0; i < 1024; i++) mem.write32(0x801000 + i * 4, (i << 12) | 3);
      cpu.mmu.writeCr(3, 0x800000);
      cpu.mmu.writeCr(0, (cpu.cr0 | 0x80000000) >>> 0);
    }
  } else {
    mem.writeBytes(0x1000, Uint8Array.from(g.code));
    for (let s = 0; s < 4; s++) {
      cpu.seg[s] = 0;
      cpu.segBase[s] = 0;
    }
    cpu.eip = 0x1000;
    cpu.r[4] = 0xfff0;
  }
  return { cpu, mem };
}

function runGuest(g: Guest, tier: Tier): { instructions: number; result: number } {
  const { cpu } = prepare(g, tier);
  let n = 0;
  while (!cpu.halted && n < 500_000_000) n += cpu.run(1_000_000);
  const result = g.bits === 32 ? cpu.r[0] : cpu.r[0] & 0xffff;
  return { instructions: n, result };
}

async function main(): Promise<void> {
  const tiers = (process.env.BENCH_TIERS ?? 'interp,jit').split(',') as Tier[];
  const bench = new Bench({ iterations: 5, warmupIterations: 1, time: 0 });
  const info = new Map<string, { n: number; guest: Guest; tier: Tier; coldMs: number }>();
  let failed = false;
  for (const g of GUESTS) {
    const exp = g.expected() >>> 0;
    for (const tier of tiers) {
      const t0 = performance.now();
      const first = runGuest(g, tier);
      const coldMs = performance.now() - t0;
      if (first.result >>> 0 !== exp) {
        process.stderr.write(`${g.name} [${tier}]: checksum mismatch: expected 0x${exp.toString(16)}, got 0x${(first.result >>> 0).toString(16)}\n`);
        failed = true;
        continue;
      }
      const name = `${g.name} [${tier}]`;
      info.set(name, { n: first.instructions, guest: g, tier, coldMs });
      bench.add(name, () => {
        const r = runGuest(g, tier);
        if (r.result >>> 0 !== exp) throw new Error(`${name}: checksum mismatch`);
      });
    }
  }
  await bench.run();
  const rows: string[] = [];
  rows.push(`${'workload [tier]'.padEnd(50)} ${'instr'.padStart(9)} ${'warm MIPS'.padStart(10)} ${'cold MIPS'.padStart(10)} ${'MIPS/CPU-s'.padStart(10)}  translator`);
  for (const t of bench.tasks) {
    const res = t.result as unknown as { latency?: { mean: number }; period?: number } | undefined;
    const ms = res?.latency?.mean ?? res?.period ?? NaN;
    const inf = info.get(t.name)!;
    const n = inf.n;
    // CPU time of one more run: on a shared machine wall-clock MIPS understate the engine.
    const tr = machines.get(inf.guest.name + inf.tier)?.tr;
    const before = tr?.stats.translatedInsns ?? 0;
    const u0 = process.cpuUsage();
    runGuest(inf.guest, inf.tier);
    const u = process.cpuUsage(u0);
    const cpuMs = (u.user + u.system) / 1000;
    let jit = '';
    if (tr) {
      const s = tr.stats;
      const hit = ((s.translatedInsns - before) / n) * 100;
      jit = `${s.regionsCompiled} regions compiled, ${(s.compileMs / Math.max(1, s.regionsCompiled)).toFixed(2)} ms/region, ${hit.toFixed(1)}% of instructions translated`;
    }
    rows.push(
      `${t.name.padEnd(50)} ${String(n).padStart(9)} ${(n / ms / 1000).toFixed(1).padStart(10)} ${(n / inf.coldMs / 1000).toFixed(1).padStart(10)} ${(n / cpuMs / 1000).toFixed(1).padStart(10)}  ${jit}`,
    );
  }
  process.stdout.write(rows.join('\n') + '\n');
  if (failed) process.exitCode = 1;
}

await main();
