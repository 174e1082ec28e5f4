import { HttpError } from '../router.js';

/** A whole-number query or path parameter within bounds, or a 400 naming it. */
export function intParam(key: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new HttpError(400, `${key} must be a whole number from ${min} to ${max}, got '${value.slice(0, 20)}'`, key);
  return n;
}
