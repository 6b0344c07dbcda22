import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT } from '../../src/shared/logger.js';

/** What a logger configured like the process's writes for `obj`. */
function logged(obj: Record<string, unknown>): string {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  pino({ redact: REDACT }, stream).info(obj, 'line');
  return out;
}

describe('log redaction', () => {
  it.each([
    ['a request credential header', { req: { headers: { authorization: 'Bearer S3CRET-1', auth: 'S3CRET-1' } } }],
    ['a cookie', { req: { headers: { cookie: 'sid=S3CRET-1' } } }],
    ['a client secret', { app: { clientSecret: 'S3CRET-1' } }],
    ['a token', { issued: { token: 'S3CRET-1' } }],
    ['an agent credential', { agent: { credential: 'S3CRET-1' } }],
    ['pre-call headers', { bot: { precall: { url: 'https://crm', headers: { 'X-Api-Key': 'S3CRET-1' } } } }],
    ['configuration secrets', { config: { adminToken: 'S3CRET-1', metricsToken: 'S3CRET-1', secretsKey: 'S3CRET-1' } }],
    ['outgoing request headers', { request: { headers: { authorization: 'S3CRET-1' } } }],
  ])('hides %s', (_what, obj) => {
    const line = logged(obj);
    expect(line).not.toContain('S3CRET-1');
    expect(line).toContain('[Redacted]');
  });
});
