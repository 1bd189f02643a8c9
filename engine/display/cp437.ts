/**
 * Code page 437 to Unicode, as the characters appear on a PC screen: codes
 * 0x01–0x1F and 0x7F are the display symbols (☺ ♥ ► …), not control codes.
 * 0x00 (NUL) and 0xFF (non-breaking space) become an ordinary space so that
 * blank screen cells read as spaces and trim like them.
 */
const LOW =
  ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const HIGH =
  'ÇüéâäàåçêëèïîìÄÅ' +
  'ÉæÆôöòûùÿÖÜ¢£¥₧ƒ' +
  'áíóúñÑªº¿⌐¬½¼¡«»' +
  '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧' +
  '╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩' +
  '≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ';

function buildTable(): readonly string[] {
  const low = Array.from(LOW);
  const high = Array.from(HIGH);
  if (low.length !== 32 || high.length !== 128) throw new Error('CP437 table has the wrong length');
  const table: string[] = [];
  for (let c = 0; c < 256; c++) {
    if (c < 0x20) table.push(low[c]);
    else if (c < 0x7f) table.push(String.fromCharCode(c));
    else if (c === 0x7f) table.push('⌂');
    else table.push(high[c - 0x80]);
  }
  return table;
}

/** CP437 code → one Unicode character. */
export const CP437_TO_UNICODE: readonly string[] = buildTable();
