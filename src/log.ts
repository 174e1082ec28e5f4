import { pino, type Logger } from 'pino';

/**
 * One logger, built in the composition root and passed down. JSON on stderr,
 * so stdout stays for the console chat and command output. Anything that
 * looks like a secret is redacted, wherever it sits in a logged object.
 */
export function createLogger(level: string, destination: number = 2): Logger {
  return pino(
    {
      level,
      base: { app: 'opsbridge' },
      redact: {
        paths: ['token', 'password', 'secret', '*.token', '*.password', '*.secret', '*.bot_token', '*.app_token', '*.signing_secret', 'headers.authorization', '*.headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: destination, sync: true }),
  );
}
