/**
 * Finds the keys a zod object schema accepts at a path, so an "unknown key"
 * error can say which keys were expected. Walks zod 4's public `_zod.def`
 * description (object shape, optional/default/pipe wrappers, arrays, unions).
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType[] {
  const d = defOf(s);
  if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable') && d.innerType) return unwrap(d.innerType);
  if (d.type === 'pipe' && d.in) return unwrap(d.in);
  if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
  return [s];
}

export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current = unwrap(schema);
  for (const key of path) {
    const next: z.ZodType[] = [];
    for (const s of current) {
      const d = defOf(s);
      if (d.type === 'object' && d.shape && typeof key === 'string' && d.shape[key]) next.push(...unwrap(d.shape[key]));
      if (d.type === 'array' && d.element && typeof key === 'number') next.push(...unwrap(d.element));
    }
    current = next;
  }
  const keys = new Set<string>();
  for (const s of current) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return [...keys];
}
