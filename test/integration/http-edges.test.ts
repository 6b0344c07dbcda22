/**
 * HTTP edges of the Kore API (docs/kore-compatibility.md: paths and prefixes, inconsistencies 5–8
 * and 22): every prefix, slash quirks, body parsing and content types, body limits, unknown routes,
 * and the operational endpoints. A rejected request
 * must never leave a partial write behind.
 */
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { agentlessSample } from '../fixtures/kore-samples.js';
import { createTestApp, useTestApp, type TestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';
import { expectEnvelope, type FailureBody } from '../support/failure-envelope.js';

const LIST = '/campaign/getAllCampaignDetails';

const PREFIXES = [
  '/agentassist/api/v1/public/:iid',
  '/campaign/api/v1/public/:iid',
  '/campaign/api/v2/public/:iid',
  '/api/v2/public/:iid',
  '/api/v1/public/:iid',
];

/** Kore's Get All Campaigns filter sample exactly as printed: no comma after `"priority": [5]` (inconsistency 22). */
const BROKEN_LIST_SAMPLE = `{
  "limit": 50, "skip": 0, "page": 1,
  "startDate": "2025-05-29T18:30:00.000Z", "endDate": "2025-06-27T18:29:59.999Z",
  "type": "voice", "sortBy": { "createdAt": "desc" },
  "filters": { "status": ["Ready", "Stopped"], "priority": [5] "dialingMode": ["Progressive", "Preview"] }
}`;

function expectFailure(res: LightMyRequestResponse, status: number, code: string): FailureBody {
  const body = expectEnvelope(res, status);
  expect(body.errors.length).toBeGreaterThanOrEqual(1);
  expect(body.errors[0]).toMatchObject({ msg: body.message, code });
  return body;
}

interface ListBody {
  status: string;
  message: string;
  data: { results: { name: string; _id?: string; id?: string }[]; totalResults: number };
}

function expectList(res: LightMyRequestResponse): ListBody {
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<ListBody>();
  expect(body.status).toBe('success');
  expect(body.message).toBe('Campaign  retrieved successfully');
  return body;
}

/** A raw request with the tenant's headers and full control over URL, content type and payload. */
function raw(
  t: TestApp,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: string | Buffer,
  contentType?: string,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url,
    headers: { ...t.headers(), ...(contentType ? { 'content-type': contentType } : {}) },
    ...(payload === undefined ? {} : { payload }),
  });
}

async function countCampaigns(t: TestApp): Promise<{ total: number; names: string[] }> {
  const body = expectList(await t.kore('POST', LIST, { limit: 100 }));
  return { total: body.data.totalResults, names: body.data.results.map((r) => r.name) };
}

describe.each(DIALECTS)('HTTP edges on %s', (dialect) => {
  const t = useTestApp(dialect);
  const base = () => `/agentassist/api/v1/public/${t().tenant.iid}`;

  describe('prefixes and slashes', () => {
    it.each(PREFIXES)('%s answers the list endpoint', async (prefix) => {
      const res = await t().kore('POST', LIST, { type: 'voice' }, { prefix: prefix.replace(':iid', t().tenant.iid) });
      expectList(res);
    });

    it('every prefix reads the same campaigns', async () => {
      // Created through an alias (v1: the v2 create rules also want a DNC list).
      const created = await t().kore(
        'POST',
        '/campaign?campaignType=voice',
        { ...agentlessSample, name: 'Prefix shared campaign' },
        { prefix: `/api/v1/public/${t().tenant.iid}` },
      );
      expect(created.statusCode, created.body).toBe(200);
      const id = created.json<{ id: string }>().id;
      for (const prefix of PREFIXES) {
        const res = await t().kore('GET', `/campaign/${id}`, undefined, {
          prefix: prefix.replace(':iid', t().tenant.iid),
        });
        expect(res.statusCode, `${prefix}: ${res.body}`).toBe(200);
        expect(res.json<{ data: { _id: string } }>().data._id).toBe(id);
      }
    });

    it('collapses a double slash (`campaign//getAllCampaignDetails`, inconsistency 8)', async () => {
      expectList(
        await raw(t(), 'POST', `${base()}/campaign//getAllCampaignDetails`, '{"type":"voice"}', 'application/json'),
      );
      expectList(
        await raw(
          t(),
          'POST',
          `/agentassist//api/v1/public/${t().tenant.iid}${LIST}`,
          '{"type":"voice"}',
          'application/json',
        ),
      );
    });

    it('ignores a trailing slash, on the list and on a GET with ?accountId= only (inconsistency 8)', async () => {
      expectList(await raw(t(), 'POST', `${base()}${LIST}/`, '{"type":"voice"}', 'application/json'));
      const created = await t().kore('POST', '/campaign?campaignType=voice', {
        ...agentlessSample,
        name: 'Trailing slash campaign',
      });
      expect(created.statusCode, created.body).toBe(200);
      const id = created.json<{ id: string }>().id;
      const res = await t().app.inject({
        method: 'GET',
        url: `${base()}/campaign/${id}/?accountId=${t().tenant.accountId}`,
        headers: { auth: t().tenant.token },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ data: { name: string } }>().data.name).toBe('Trailing slash campaign');
    });

    it('puts back the slash missing in `/public{{streamId}}` (inconsistency 7)', async () => {
      expectList(
        await raw(
          t(),
          'POST',
          `/agentassist/api/v1/public${t().tenant.iid}${LIST}`,
          '{"type":"voice"}',
          'application/json',
        ),
      );
    });

    it('answers an unknown route with a 404 envelope', async () => {
      const res = await t().app.inject({ method: 'GET', url: '/no/such/route?x=1' });
      const body = expectFailure(res, 404, 'ROUTE_NOT_FOUND');
      expect(body.message).toContain('/no/such/route');
      expect(body.message).not.toContain('x=1');
      expectFailure(
        await raw(t(), 'POST', `${base()}/campaign/getAllTheThings/extra`, '{}', 'application/json'),
        404,
        'ROUTE_NOT_FOUND',
      );
    });
  });

  describe('request bodies', () => {
    it("rejects the docs' list sample with its missing comma as 400 MALFORMED_JSON", async () => {
      const body = expectFailure(
        await raw(t(), 'POST', `${base()}${LIST}`, BROKEN_LIST_SAMPLE, 'application/json'),
        400,
        'MALFORMED_JSON',
      );
      expect(body.message).toMatch(/^Request body is not valid JSON/);
      // The same text is valid once the comma is back.
      expectList(
        await raw(
          t(),
          'POST',
          `${base()}${LIST}`,
          BROKEN_LIST_SAMPLE.replace('[5] "dialingMode"', '[5], "dialingMode"'),
          'application/json',
        ),
      );
    });

    it('rejects prototype-poisoning keys with 400', async () => {
      expectFailure(
        await raw(t(), 'POST', `${base()}${LIST}`, '{"type":"voice","__proto__":{"isAdmin":true}}', 'application/json'),
        400,
        'MALFORMED_JSON',
      );
      expectFailure(
        await raw(
          t(),
          'POST',
          `${base()}${LIST}`,
          '{"constructor":{"prototype":{"isAdmin":true}}}',
          'application/json',
        ),
        400,
        'MALFORMED_JSON',
      );
      // Also when the JSON arrives without a JSON content type.
      expectFailure(
        await raw(
          t(),
          'POST',
          `${base()}${LIST}`,
          '{"__proto__":{"isAdmin":true}}',
          'application/x-www-form-urlencoded',
        ),
        400,
        'MALFORMED_JSON',
      );
    });

    it.each([
      ['application/xml', '<campaign><type>voice</type></campaign>'],
      [
        'multipart/form-data; boundary=XyZ',
        '--XyZ\r\nContent-Disposition: form-data; name="type"\r\n\r\nvoice\r\n--XyZ--\r\n',
      ],
      ['application/octet-stream', '{"type":"voice"}'],
    ])('answers 415 for Content-Type %s', async (type, payload) => {
      const body = expectFailure(
        await raw(t(), 'POST', `${base()}${LIST}`, payload, type),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect(body.message).toContain(type.split(';')[0]!);
    });

    it('answers 415 for form data that is not JSON', async () => {
      expectFailure(
        await raw(t(), 'POST', `${base()}${LIST}`, 'type=voice&limit=10', 'application/x-www-form-urlencoded'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectFailure(await raw(t(), 'POST', `${base()}${LIST}`, 'hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('reads JSON sent as text/plain or as curl --data (x-www-form-urlencoded)', async () => {
      expectList(await raw(t(), 'POST', `${base()}${LIST}`, '{"type":"voice","limit":5}', 'text/plain'));
      expectList(
        await raw(t(), 'POST', `${base()}${LIST}`, '{"type":"voice","limit":5}', 'application/x-www-form-urlencoded'),
      );
      expectList(await raw(t(), 'POST', `${base()}${LIST}`, '{"type":"voice"}', 'text/plain; charset=utf-8'));
      // ...and honours it: a create sent like `curl --data` is stored.
      const res = await raw(
        t(),
        'POST',
        `${base()}/campaign?campaignType=voice`,
        JSON.stringify({ ...agentlessSample, name: 'Curl data campaign' }),
        'application/x-www-form-urlencoded',
      );
      expect(res.statusCode, res.body).toBe(200);
      const id = res.json<{ id: string }>().id;
      const got = await t().kore('GET', `/campaign/${id}`);
      expect(got.statusCode).toBe(200);
      expect(got.json<{ data: { name: string } }>().data.name).toBe('Curl data campaign');
    });

    it('limits a text/plain JSON body the same as a JSON one', async () => {
      const res = await raw(t(), 'POST', `${base()}${LIST}`, '{"type":"voice","limit":1000}', 'text/plain');
      expectFailure(res, 400, 'VALIDATION_ERROR');
    });

    it('accepts the list endpoint with an empty body, with or without a JSON content type', async () => {
      const before = await countCampaigns(t());
      for (const type of ['application/json', 'application/json; charset=utf-8', undefined]) {
        const body = expectList(await raw(t(), 'POST', `${base()}${LIST}`, '', type));
        expect(body.data.totalResults).toBe(before.total);
      }
      expectList(await raw(t(), 'POST', `${base()}${LIST}`, undefined, undefined));
    });

    it('answers 400, not 500, for a create with an empty body', async () => {
      const res = await raw(t(), 'POST', `${base()}/campaign?campaignType=voice`, '', 'application/json');
      expectFailure(res, 400, 'VALIDATION_ERROR');
    });

    it('writes nothing when a create is rejected', async () => {
      const before = await countCampaigns(t());
      const name = 'Never Stored Campaign';
      const url = `${base()}/campaign?campaignType=voice`;
      const good = JSON.stringify({ ...agentlessSample, name });
      // Malformed JSON, poisoned JSON, wrong media type.
      expectFailure(await raw(t(), 'POST', url, good.slice(0, -1), 'application/json'), 400, 'MALFORMED_JSON');
      expectFailure(
        await raw(t(), 'POST', url, good.replace('{', '{"__proto__":{"x":1},'), 'application/json'),
        400,
        'MALFORMED_JSON',
      );
      expectFailure(await raw(t(), 'POST', url, good, 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      // Valid JSON, invalid campaign: an unknown list next to a good flow; an unknown flow next to a good list.
      expectFailure(
        await t().kore('POST', '/campaign?campaignType=voice', {
          ...agentlessSample,
          name,
          contactLists: ['No Such List'],
        }),
        400,
        'VALIDATION_ERROR',
      );
      expectFailure(
        await t().kore('POST', '/campaign?campaignType=voice', {
          ...agentlessSample,
          name,
          experienceFlowName: 'No Such Flow',
        }),
        400,
        'VALIDATION_ERROR',
      );
      expectFailure(
        await t().kore('POST', '/campaign?campaignType=voice', {
          ...agentlessSample,
          name,
          dialingStrategy: { ...agentlessSample.dialingStrategy, maxRingTime: -5 },
        }),
        400,
        'VALIDATION_ERROR',
      );
      const after = await countCampaigns(t());
      expect(after.total).toBe(before.total);
      expect(after.names).not.toContain(name);
      // The very same body is fine, once.
      const ok = await t().kore('POST', '/campaign?campaignType=voice', { ...agentlessSample, name });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await countCampaigns(t())).total).toBe(before.total + 1);
      expectFailure(
        await t().kore('POST', '/campaign?campaignType=voice', { ...agentlessSample, name }),
        409,
        'CONFLICT',
      );
      expect((await countCampaigns(t())).total).toBe(before.total + 1);
    });
  });

  describe('operational endpoints', () => {
    it('/healthz answers ok without auth', async () => {
      const res = await t().app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('/readyz reports the database dialect', async () => {
      const res = await t().app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ready', database: dialect });
    });

    it('/readyz answers 503 when the database is gone, /healthz still 200', async () => {
      const own = await createTestApp(dialect);
      try {
        await own.db.close();
        const res = await own.app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({
          status: 'failure',
          message: 'Database is not reachable',
          errors: [{ msg: 'Database is not reachable', code: 'UNAVAILABLE' }],
        });
        expect((await own.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      } finally {
        await own.app.close();
        await own.db.dispose();
      }
    });

    it('/openapi.json is an OpenAPI 3.1 document with the documented paths', async () => {
      const res = await t().app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const doc = JSON.parse(res.body) as {
        openapi: string;
        info: { title: string };
        paths: Record<string, Record<string, unknown>>;
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.title).toBe('campaignd');
      const p = '/agentassist/api/v1/public/{iid}';
      expect(Object.keys(doc.paths[`${p}/campaign/getAllCampaignDetails`] ?? {})).toContain('post');
      expect(Object.keys(doc.paths[`${p}/campaign`] ?? {})).toContain('post');
      expect(Object.keys(doc.paths[`${p}/campaign/{campaignId}`] ?? {})).toEqual(
        expect.arrayContaining(['get', 'put', 'delete']),
      );
      expect(Object.keys(doc.paths['/healthz'] ?? {})).toContain('get');
      expect(Object.keys(doc.paths['/readyz'] ?? {})).toContain('get');
      expect(Object.keys(doc.paths['/admin/v1/apps'] ?? {})).toContain('post');
      expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(['koreAuth', 'adminToken']));
      // Aliases answer but are not documented twice.
      const aliases = PREFIXES.filter((x) => !x.startsWith('/agentassist/')).map((x) => x.replace(':iid', '{iid}'));
      expect(Object.keys(doc.paths).filter((k) => aliases.some((a) => k.startsWith(`${a}/`)))).toEqual([]);
      expect(doc.paths['/openapi.json']).toBeUndefined();
    });

    it('/docs serves the API reference as HTML', async () => {
      let res = await t().app.inject({ method: 'GET', url: '/docs' });
      for (let hops = 0; hops < 3 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
        res = await t().app.inject({ method: 'GET', url: String(res.headers.location) });
      }
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toMatch(/<html/i);
    });
  });
});

describe.each(DIALECTS)('body limit on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { BODY_LIMIT_BYTES: '2048' } });

  it('answers 413 above BODY_LIMIT_BYTES and stores nothing', async () => {
    const before = await countCampaigns(t());
    const name = 'Too Large Campaign';
    const big = JSON.stringify({ ...agentlessSample, name, description: 'x'.repeat(3000) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(2048);
    const res = await raw(
      t(),
      'POST',
      `/agentassist/api/v1/public/${t().tenant.iid}/campaign?campaignType=voice`,
      big,
      'application/json',
    );
    const body = expectFailure(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(body.message).toContain('2048');
    // Also for JSON arriving as curl --data.
    expectFailure(
      await raw(
        t(),
        'POST',
        `/agentassist/api/v1/public/${t().tenant.iid}/campaign?campaignType=voice`,
        big,
        'application/x-www-form-urlencoded',
      ),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const after = await countCampaigns(t());
    expect(after.total).toBe(before.total);
    expect(after.names).not.toContain(name);

    // Just under the limit is fine.
    const small = JSON.stringify({ ...agentlessSample, name });
    expect(Buffer.byteLength(small)).toBeLessThan(2048);
    const ok = await raw(
      t(),
      'POST',
      `/agentassist/api/v1/public/${t().tenant.iid}/campaign?campaignType=voice`,
      small,
      'application/json',
    );
    expect(ok.statusCode, ok.body).toBe(200);
  });
});
