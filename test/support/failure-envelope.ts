import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export interface FailureBody {
  status: string;
  message: string;
  errors: { msg: string; code: string; field?: string }[];
}

/**
 * Asserts the failure envelope (docs/kore-compatibility.md, envelopes and errors) with the given HTTP status, and
 * returns the body.
 */
export function expectEnvelope(res: LightMyRequestResponse, status: number): FailureBody {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<FailureBody>();
  expect(Object.keys(body).sort()).toEqual(['errors', 'message', 'status']);
  expect(body.status).toBe('failure');
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}
