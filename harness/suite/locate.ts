/**
 * Maps a path inside a parsed YAML document (["cases", 2, "steps", 0]) back
 * to file:line:col, so every suite error points at the character to fix.
 */
import { isMap, isNode, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';

export interface Location {
  line: number;
  col: number;
}

type PathKey = string | number;

function child(node: unknown, key: PathKey): { value?: unknown; keyNode?: unknown } | undefined {
  if (!isNode(node)) return undefined;
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(key)) {
        return { value: item.value ?? item.key, keyNode: item.key };
      }
    }
    return undefined;
  }
  const items = (node as { items?: unknown[] }).items;
  if (Array.isArray(items) && typeof key === 'number' && key < items.length) return { value: items[key] };
  return undefined;
}

function startOf(node: unknown, counter: LineCounter): Location | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  const pos = counter.linePos(range[0]);
  return { line: pos.line, col: pos.col };
}

/**
 * The location of `path`; when the path does not exist (a missing key) the
 * nearest existing ancestor. With `keyName`, the location of that key inside
 * the map at `path` (used for unknown keys).
 */
export function locate(doc: Document, counter: LineCounter, path: readonly PathKey[], keyName?: string): Location {
  let node: unknown = doc.contents;
  let best = startOf(node, counter) ?? { line: 1, col: 1 };
  for (const key of path) {
    const next = child(node, key);
    if (!next || next.value === undefined) break;
    node = next.value;
    best = startOf(node, counter) ?? best;
  }
  if (keyName !== undefined) {
    const k = child(node, keyName);
    const at = k?.keyNode ? startOf(k.keyNode, counter) : undefined;
    if (at) return at;
  }
  return best;
}
