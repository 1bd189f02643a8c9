import { test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { setVideoMode } from '../../../engine/devices/vga/vga-modes.js';
import { cp437Font } from '../../../engine/firmware/fonts/cp437-font.js';
import { render } from '../../../engine/display/render.js';
import { encodePng } from '../../../engine/display/png.js';
import { makeVga } from '../devices/vga/vga-fixture.js';
test('previews', () => {
  const { io, memory, vga } = makeVga();
  setVideoMode(io, memory, 0x13);
  for (let y = 0; y < 200; y++) for (let x = 0; x < 320; x++) memory.write8(0xa0000 + y * 320 + x, (x >> 1) + (y >= 100 ? 160 : 0) & 255);
  writeFileSync('/tmp/vgaprev/m13.png', encodePng(render(vga)));
  setVideoMode(io, memory, 0x12);
  io.write16(0x3ce, 0x0205);
  for (let y = 0; y < 480; y++) for (let x = 0; x < 640; x += 1) {
    io.write16(0x3ce, ((0x80 >> (x & 7)) << 8) | 8);
    const a = 0xa0000 + y * 80 + (x >> 3); memory.read8(a); memory.write8(a, ((x >> 5) ^ (y >> 5)) & 15);
  }
  writeFileSync('/tmp/vgaprev/m12.png', encodePng(render(vga)));
  setVideoMode(io, memory, 0x04);
  for (let y = 0; y < 200; y++) for (let xb = 0; xb < 80; xb++) memory.write8(0xb8000 + (y & 1) * 0x2000 + (y >> 1) * 80 + xb, [0x00, 0x55, 0xaa, 0xff][(xb >> 2) & 3] ^ (y & 8 ? 0x0f : 0));
  writeFileSync('/tmp/vgaprev/m04.png', encodePng(render(vga)));
});
