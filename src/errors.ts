import { randomBytes } from 'node:crypto';

/**
 * An error the user caused and can fix: its message is shown to them as is,
 * one line saying what was wrong and what to type instead. Anything else that
 * is thrown is the bot's fault: logged with a stack and an id, and the user
 * only sees the id.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** Short id that a user can quote and an operator can grep the log for. */
export function errorId(): string {
  return randomBytes(4).toString('hex');
}

/** A startup problem that must stop the process with a given exit code. */
export class FatalError extends Error {
  override readonly name = 'FatalError';
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** Input that failed validation: names the field (a dotted path) and the problem. */
export class InputError extends UserError {
  constructor(message: string, readonly field: string) {
    super(field ? `${field}: ${message}` : message);
  }
}
