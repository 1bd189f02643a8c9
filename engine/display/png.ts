/**
 * PNG encoding of a rendered frame. Fixed encoder options make the bytes a
 * pure function of the pixels, so screenshots can be compared byte for byte.
 */
import pngjs from 'pngjs';
import type { Frame } from './render.js';

const { PNG } = pngjs;

export function encodePng(frame: Frame): Buffer {
  const png = new PNG({ width: frame.width, height: frame.height, colorType: 6, inputHasAlpha: true });
  Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.width * frame.height * 4).copy(png.data);
  return PNG.sync.write(png, { colorType: 6, inputColorType: 6, inputHasAlpha: true, deflateLevel: 6, filterType: 4 });
}
