import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/shared/logger.js';

/** A pino logger whose JSON lines a test reads back, parsed: for checking what was logged, and what never was. */
export function captureLogs(level = 'info'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return {
    log: pino({ level }, stream),
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
