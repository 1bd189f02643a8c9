/**
 * PNG files of RGBA frames. Encoding is the engine's (fixed encoder options,
 * so the bytes are a pure function of the pixels and match `lab boot`
 * screenshots); decoding uses pngjs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { encodePng as engineEncodePng } from '../engine/display/png.js';
import type { Frame } from './machine-api.js';

export function encodePng(frame: Frame): Buffer {
  return engineEncodePng(frame);
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
