/** What every answer must be, and the checks a fuzz test runs on each. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/storage/schema.js';
import { afterEach, beforeEach, expect } from 'vitest';
import { fuzzParams } from './values.js';
import { SURROGATE_ESCAPE, type FuzzRequest } from './requests.js';

export interface Envelope {
  status: 'failure';
  message: string;
  errors: { msg: string; code: string; field?: string }[];
}

/** A short description of a request for assertion messages (the counterexample itself is printed by fast-check). */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.raw !== undefined
      ? typeof req.raw === 'string'
        ? req.raw
        : `<${req.raw.length} bytes>`
      : req.body === undefined
        ? ''
        : JSON.stringify(req.body);
  return `${req.method} ${req.url.slice(0, 300)} ${body.slice(0, 300)}`;
}

/**
 * What every answer must be: never a 5xx; a 2xx is JSON; anything else is the failure envelope
 * (exactly status, message and errors; a non-empty message; errors of {msg, code, field?}) as
 * application/json. Returns the parsed body.
 */
export function expectAnswer(req: FuzzRequest, res: LightMyRequestResponse): unknown {
  const what = `${describeRequest(req)}\n -> ${res.statusCode} ${res.body.slice(0, 600)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  // A lone surrogate is refused wherever a request carries it, path and query alike, as a NUL is
  // (src/shared/text.ts, src/http/plugins/input-checks.ts; test/integration/hostile-input.test.ts).
  if (SURROGATE_ESCAPE.test(req.url))
    expect(
      res.statusCode,
      `${what}\n(a percent-encoded lone surrogate in the URL was accepted)`,
    ).toBeGreaterThanOrEqual(400);
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  let body: unknown;
  expect(() => (body = JSON.parse(res.body)), what).not.toThrow();
  if (res.statusCode >= 200 && res.statusCode < 300) return body;
  expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
  const env = body as Envelope;
  expect(env !== null && typeof env === 'object' && !Array.isArray(env), what).toBe(true);
  expect(Object.keys(env).sort(), what).toEqual(['errors', 'message', 'status']);
  expect(env.status, what).toBe('failure');
  expect(typeof env.message, what).toBe('string');
  expect(env.message.length, what).toBeGreaterThan(0);
  expect(Array.isArray(env.errors), what).toBe(true);
  expect(env.errors.length, what).toBeGreaterThan(0);
  for (const e of env.errors) {
    expect(e !== null && typeof e === 'object', what).toBe(true);
    for (const k of Object.keys(e)) expect(['msg', 'code', 'field'], what).toContain(k);
    expect(typeof e.msg, what).toBe('string');
    expect(typeof e.code, what).toBe('string');
    if ('field' in e) expect(typeof e.field, what).toBe('string');
  }
  return body;
}

/** The payload light-my-request is given for `req`. */
export function payloadOf(req: FuzzRequest): string | Buffer | undefined {
  return req.raw !== undefined ? req.raw : 'body' in req ? JSON.stringify(req.body) : undefined;
}

/** Size in bytes of what `req` sends as its body. */
export function payloadBytes(req: FuzzRequest): number {
  const p = payloadOf(req);
  return p === undefined ? 0 : typeof p === 'string' ? Buffer.byteLength(p) : p.length;
}

/**
 * With FUZZ_STATS set, how often each status answered per property, printed when it ends: to see
 * whether the hints still lead to enough successes (and read-backs) after the API changes.
 */
export class StatusTally {
  private readonly counts = new Map<string, number>();
  /** Counts the status, and with FUZZ_STATS=fields the field a 400 names as well. */
  add(res: LightMyRequestResponse): void {
    let key = String(res.statusCode);
    if (process.env.FUZZ_STATS === 'fields' && res.statusCode === 400) {
      const field = (JSON.parse(res.body) as Partial<Envelope>).errors?.[0]?.field;
      key += `:${field ?? '-'}`;
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  print(name: string): void {
    if (!process.env.FUZZ_STATS) return;
    const parts = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}×${n}`);
    console.log(`[fuzz] ${name}: ${parts.join(' ')}`);
  }
}

/** True when 2xx. */
export const isOk = (res: LightMyRequestResponse) => res.statusCode >= 200 && res.statusCode < 300;

/** app.inject for a generated request. */
export function inject(app: FastifyInstance, req: FuzzRequest): Promise<LightMyRequestResponse> {
  return app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: payloadOf(req) });
}

/** Every table a refused request could half-write (`jti_seen` and `kv` are written by reading a token). */
const STORED_TABLES = [
  'accounts',
  'bots',
  'apps',
  'app_scopes',
  'flows',
  'queues',
  'templates',
  'campaigns',
  'campaign_lists',
  'contact_lists',
  'contacts',
  'contact_phones',
  'imports',
  'import_rejects',
  'campaign_instances',
  'dial_records',
  'attempts',
] as const;

/** Row counts of every table, and how many import jobs failed. */
async function storedCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const counted = (row: { n: number | string }) => Number(row.n);
  const counts: Record<string, number> = {};
  for (const table of STORED_TABLES) {
    counts[table] = counted(
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
    );
  }
  counts.failedImports = counted(
    await db
      .selectFrom('imports')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', '=', 'failed')
      .executeTakeFirstOrThrow(),
  );
  return counts;
}

/**
 * A refused change changes nothing: no half-written tenant, campaign, list or contact. A refused
 * upload is the one exception by design: its job stays, failed, so the import history shows it.
 */
function expectNothingWritten(req: FuzzRequest, before: Record<string, number>, after: Record<string, number>): void {
  const failedJobs = after.failedImports! - before.failedImports!;
  expect(failedJobs, describeRequest(req)).toBeLessThanOrEqual(1);
  const unchanged = { ...after, imports: after.imports! - failedJobs, failedImports: before.failedImports };
  expect(unchanged, describeRequest(req)).toEqual(before);
}

/** What a test checks further on a 2xx: that what was stored reads back as sent. */
export type ReadBack = (req: FuzzRequest, body: unknown, res: LightMyRequestResponse) => Promise<void>;

/**
 * The checks of a fuzz test file: `check(req, readBack?)` sends a generated request and checks its
 * answer (expectAnswer); on a 2xx it runs the read-back, and a refused change must have left every
 * table as it was. `property(arb, readBack?, runs?)` checks `runs` generated requests. With
 * FUZZ_STATS set, each test prints how often each status answered.
 */
export function fuzzChecks(ctx: {
  app: () => FastifyInstance;
  db: () => Kysely<Database>;
  label: string;
  runs: number;
}) {
  let tally = new StatusTally();
  beforeEach(() => {
    tally = new StatusTally();
  });
  afterEach(() => tally.print(`${ctx.label} ${expect.getState().currentTestName ?? ''}`));

  async function check(req: FuzzRequest, readBack?: ReadBack): Promise<LightMyRequestResponse> {
    const before = req.method === 'GET' ? undefined : await storedCounts(ctx.db());
    const res = await inject(ctx.app(), req);
    tally.add(res);
    const body = expectAnswer(req, res);
    if (isOk(res) && readBack) await readBack(req, body, res);
    if (before && !isOk(res)) expectNothingWritten(req, before, await storedCounts(ctx.db()));
    return res;
  }

  const property = (arb: fc.Arbitrary<FuzzRequest>, readBack?: ReadBack, runs = ctx.runs) =>
    fc.assert(
      fc.asyncProperty(arb, async (req) => {
        await check(req, readBack);
      }),
      fuzzParams(runs),
    );

  return { check, property };
}
