// @ts-check
/**
 * A case written with the TypeScript API (harness/api.ts) because it needs a
 * loop: type a word one key at a time and check after every key that the
 * guest echoed exactly the letters typed so far on the prompt line.
 *
 * @param {import('../../../harness/api.js').Session} s
 */
export default async function keyboardEachKey(s) {
  await s.boot();
  s.waitSerial({ contains: 'READY' });
  const word = 'retro';
  for (let i = 1; i <= word.length; i++) {
    s.type(word[i - 1]);
    s.waitText({ regex: `^> ${word.slice(0, i)}$` }, { row: 1, timeout: { virtualMs: 500 } });
  }
  s.press('Enter');
  s.waitSerial({ contains: `KEYS: ${word}\r\n` });
  s.expectText({ contains: `You typed: ${word}` });
}
