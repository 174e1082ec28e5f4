import type { z } from 'zod';
import { InputError } from './errors.js';

/**
 * Parses untrusted input with a zod schema; the first problem becomes an
 * InputError naming the field (`alerts.3.status`) and what was expected.
 * An unknown key (strict objects) is named as the field itself.
 */
export function validate<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = unknownKey === undefined ? issue.path : [...issue.path, unknownKey];
  const field = [prefix, ...path.map(String)].filter(Boolean).join('.');
  throw new InputError(unknownKey === undefined ? issue.message : 'unknown field', field);
}
