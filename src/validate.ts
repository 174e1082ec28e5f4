import type { z } from 'zod';
import { InputError } from './errors.js';

/**
 * Parses untrusted input with a zod schema; the first problem becomes an
 * InputError naming the field (`alerts.3.status`) and what was expected.
 */
export function validate<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new InputError(issue.message, field);
}
