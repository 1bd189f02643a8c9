/** PNG encoding and decoding of RGBA frames (pngjs, synchronous). */
import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import type { Frame } from './machine-api.js';

export function encodePng(frame: Frame): Buffer {
  const png = new PNG({ width: frame.width, height: frame.height });
  png.data = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  return PNG.sync.write(png);
}

export function decodePng(bytes: Buffer): Frame {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

export function writePng(file: string, frame: Frame): void {
  writeFileSync(file, encodePng(frame));
}

export function readPng(file: string): Frame {
  return decodePng(readFileSync(file));
}
