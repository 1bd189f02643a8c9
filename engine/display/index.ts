/** Screen output: RGBA frames, screen text, PNG. */
export { render, ScreenRenderer, type Frame } from './render.js';
export { screenText } from './screen-text.js';
export { encodePng } from './png.js';
export { CP437_TO_UNICODE } from './cp437.js';
