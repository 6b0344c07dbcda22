/**
 * Fuzzing every endpoint of the admin API (`/admin/v1`) on both dialects (test/support/fuzz.ts):
 * for each generated request, never a 5xx, every failure in the envelope, and whatever a 2xx
 * stored reads back as it was sent, modulo the documented canonicalisation (trimmed names,
 * lower-case channel, upper-case country, the URL as URL parsing writes it:
 * src/domain/tenancy/admin-service.ts, src/domain/engine/precall-fetch.ts, src/domain/contacts/*).
 */
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BotQuery,
  BotSettingsBody,
  CreateAppBody,
  CreateFlowBody,
  CreateQueueBody,
  CreateTemplateBody,
  CreateTokenBody,
  type BotSettings,
  type CreatedApp,
  type NamedResource,
} from '../../src/contract/admin.js';
import type { ContactList, ImportJob, ImportRejects } from '../../src/contract/contact-list.js';
import {
  arbitraryOf,
  bodyOf,
  describeRequest,
  expectAnswer,
  expectContactAsSent,
  freshName,
  fuzzChecks,
  fuzzParams,
  hostileString,
  inject,
  isOk,
  pathSegment,
  queryOf,
  queryString,
  sentBody,
  surrogateQueryRequests,
  text,
  withBody,
  wtf8,
  type FuzzRequest,
} from '../support/fuzz.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';
/** Cases per endpoint and dialect. */
const RUNS = 200;
/** A failing property shrinks against the database; give it room beyond the default test timeout. */
const TIMEOUT = 300_000;

/** The query of the two CSV upload routes (src/http/routes/admin/imports.ts keeps its schema to itself). */
const UploadQuery = Type.Object({
  accountId: Type.String(),
  iid: Type.String(),
  list: Type.Optional(Type.String()),
  fileName: Type.Optional(Type.String()),
  map: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});

/** A CSV file as generated: header and rows of cells, written with every cell quoted. */
interface Csv {
  header: string[];
  rows: string[][];
  eol: '\r\n' | '\n';
  bom: boolean;
}

const quote = (cell: string) => `"${cell.replace(/"/g, '""')}"`;

/** The file's bytes; a lone surrogate in a cell becomes bytes that are not UTF-8 (see wtf8). */
function csvBytes(csv: Csv): Buffer {
  const lines = [csv.header, ...csv.rows].map((cells) => cells.map(quote).join(','));
  return wtf8(`${csv.bom ? '\ufeff' : ''}${lines.join(csv.eol)}${csv.eol}`);
}

/** "\r\n" is one line break, as is a lone "\r" or "\n" (line breaks inside quoted cells count too). */
function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/**
 * The rows an import reads, with the physical line each starts on (the header is line 1): what
 * rejects name as `rowNumber`. Rows whose cells are all blank are skipped (csv-source.ts).
 */
function dataRows(file: Csv): { cells: string[]; line: number }[] {
  const text = (cells: string[]) => cells.map(quote).join(',');
  let line = 1 + lineBreaks(text(file.header)) + 1;
  const out: { cells: string[]; line: number }[] = [];
  for (const cells of file.rows) {
    if (!cells.every((c) => c.trim() === '')) out.push({ cells, line });
    line += lineBreaks(text(cells)) + 1;
  }
  return out;
}

/**
 * Lone surrogates replaced by U+FFFD: the general upload properties send UTF-8; that bytes which
 * are not UTF-8 are not stored altered is a property of its own (so the others keep exercising
 * the import instead of all stopping at that one answer).
 */
const wellFormed = (s: string) => (s as string & { toWellFormed(): string }).toWellFormed();

const isWellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The documented ttl forms: seconds, or a number of s, m, h or d (CreateTokenBody). */
function ttlSeconds(ttl: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/i.exec(ttl.trim());
  if (!m) return undefined;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase() as '']!;
}

interface Fixtures {
  /** An account and bot made through the admin API: flows, queues, templates and bot settings go there. */
  account: string;
  bot: string;
  jtiClientId: string;
  /** A list of the test tenant that allows duplicates, so every accepted row is stored and read back in order. */
  importList: { id: string; name: string };
  /** A finished import with a rejected row. */
  importId: string;
}

describe.each(DIALECTS)('admin API fuzz on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  let fx: Fixtures;

  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

  async function admin(method: string, path: string, payload?: unknown, contentType = 'application/json') {
    return await t().app.inject({
      method: method as 'GET',
      url: `/admin/v1${path}`,
      headers: { ...bearer, ...(payload === undefined ? {} : { 'content-type': contentType }) },
      payload:
        payload === undefined || Buffer.isBuffer(payload) || typeof payload === 'string'
          ? payload
          : JSON.stringify(payload),
    });
  }

  async function adminGet<T>(path: string): Promise<T> {
    const res = await admin('GET', path);
    expect(res.statusCode, `GET ${path}: ${res.body}`).toBe(200);
    return res.json<T>();
  }

  beforeAll(async () => {
    const made = await admin('POST', '/apps', { accountId: 'acct-fuzz-admin', iid: 'st-fuzz-admin' });
    expect(made.statusCode, made.body).toBe(201);
    const jti = await admin('POST', '/apps', { accountId: 'acct-fuzz-jti', iid: 'st-fuzz-jti', enforceJti: true });
    expect(jti.statusCode, jti.body).toBe(201);
    const list = await t().kore('POST', '/campaign/contactList/createContactList', {
      name: 'Fuzz Imports',
      allowDuplicates: true,
    });
    expect(list.statusCode, list.body).toBe(200);
    const { accountId, iid } = t().tenant;
    const listId = list.json().data._id as string;
    const imported = await admin(
      'POST',
      `/contact-lists/${listId}/imports?accountId=${accountId}&iid=${iid}`,
      'phoneNumber\n+14155550100\nnot a number\n',
      'text/csv',
    );
    expect(imported.statusCode, imported.body).toBe(201);
    fx = {
      account: 'acct-fuzz-admin',
      bot: 'st-fuzz-admin',
      jtiClientId: jti.json<CreatedApp>().clientId,
      importList: { id: listId, name: 'Fuzz Imports' },
      importId: imported.json<ImportJob>().id,
    };
  });

  // -------------------------------------------------------------------------------------------
  // Requests

  /** Mostly the admin token, sometimes none, a wrong one or one in the wrong header. */
  const auth = (): fc.Arbitrary<Record<string, string>> =>
    fc.oneof(
      { weight: 25, arbitrary: fc.constant<Record<string, string>>(bearer) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Record<string, string>>(
          {},
          { authorization: 'Bearer wrong-admin-token-0123456789ab' },
          { authorization: `Bearer ${ADMIN_TOKEN} ` },
          { authorization: `bearer  ${ADMIN_TOKEN}` },
          { auth: ADMIN_TOKEN },
          { authorization: t().tenant.token },
        ),
      },
    );

  function request(
    method: string,
    path: fc.Arbitrary<string>,
    query: fc.Arbitrary<unknown>,
    body?: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(path, query, auth(), body ? bodyOf(body) : fc.constant({}))
      .map(([p, q, headers, part]) => withBody({ method, url: `/admin/v1${p}${queryString(q)}`, headers }, part));
  }

  const { check, property } = fuzzChecks({
    app: () => t().app,
    db: () => t().db.kysely,
    label: dialect,
    runs: RUNS,
  });

  const what = (req: FuzzRequest) =>
    `${req.method} ${req.url.slice(0, 200)} ${req.raw === undefined ? JSON.stringify(sentBody(req))?.slice(0, 400) : ''}`;

  const noQuery = () => fc.constant({});
  const tenantHints = () => ({ accountId: fc.constant(fx.account), iid: fc.constant(fx.bot) });

  // -------------------------------------------------------------------------------------------
  // Apps, tokens, flows, queues, templates

  it(
    'POST /apps',
    async () => {
      const body = arbitraryOf(CreateAppBody, {
        hints: {
          accountId: fc.oneof(fc.constant(fx.account), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)),
          iid: fc.oneof(fc.constant(fx.bot), fc.stringMatching(/^st-[A-Za-z0-9_-]{1,80}$/)),
          name: freshName(100),
        },
      });
      await property(request('POST', fc.constant('/apps'), noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as typeof CreateAppBody.static;
        const app = answer as CreatedApp;
        const name = (sent.name ?? 'campaignd app').trim();
        expect(app, what(req)).toEqual({
          accountId: sent.accountId,
          iid: sent.iid,
          name,
          clientId: expect.stringMatching(/^cs-/),
          clientSecret: expect.any(String),
          enforceJti: sent.enforceJti ?? false,
          // Without `scopes`, Campaign Management only (the names are tested in flow-numbers-and-scopes.test.ts).
          scopes: sent.scopes === undefined ? ['Campaign Management'] : expect.any(Array),
        });
        const { tenancy } = t().repos;
        expect(await tenancy.findApp(app.clientId), what(req)).toMatchObject({
          account_id: sent.accountId,
          name,
          secret: app.clientSecret,
          enforce_jti: app.enforceJti ? 1 : 0,
        });
        expect(await tenancy.findBot(sent.iid), what(req)).toMatchObject({ account_id: sent.accountId });
        expect(await tenancy.hasScope(app.clientId, sent.iid, 'campaign_management'), what(req)).toBe(true);
      });
    },
    TIMEOUT,
  );

  it(
    'POST /tokens',
    async () => {
      const body = arbitraryOf(CreateTokenBody, {
        hints: {
          clientId: fc.constantFrom(t().tenant.clientId, fx.jtiClientId),
          ttl: fc.constantFrom('30m', '1h', '2d', '3600', ' 1h ', '1H', '0', 'soon', '10 d', '3650d', '3651d'),
        },
      });
      await property(request('POST', fc.constant('/tokens'), noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as typeof CreateTokenBody.static;
        const { token, expiresAt } = answer as { token: string; expiresAt: string | null };
        const claims = claimsOf(token);
        expect(claims.appId, what(req)).toBe(sent.clientId);
        if (expiresAt === null) expect(claims.exp, what(req)).toBeUndefined();
        else expect(Date.parse(expiresAt), what(req)).toBe(Number(claims.exp) * 1000);
        const jti = sent.clientId === fx.jtiClientId;
        const ttl = sent.ttl === undefined ? undefined : ttlSeconds(sent.ttl);
        const lifetime = jti ? Math.min(ttl ?? 3600, 3600) : ttl;
        if (lifetime === undefined) expect(claims.exp, what(req)).toBeUndefined();
        else expect(Number(claims.exp) - Number(claims.iat), what(req)).toBe(lifetime);
        if (sent.clientId === t().tenant.clientId) {
          // The token works against the Kore API of its app's bot.
          const { accountId, iid } = t().tenant;
          const res = await t().app.inject({
            method: 'GET',
            url: `/agentassist/api/v1/public/${iid}/campaign/contactList/getAllListDetails`,
            headers: { auth: token, accountId },
          });
          expect(res.statusCode, `${what(req)}: ${res.body}`).toBe(200);
        }
      });
    },
    TIMEOUT,
  );

  it(
    'POST /flows',
    async () => {
      const body = arbitraryOf(CreateFlowBody, {
        hints: {
          ...tenantHints(),
          name: freshName(100),
          channel: fc.constantFrom('voice', 'sms', 'VOICE', 'Sms', ' sms '),
        },
      });
      await property(request('POST', fc.constant('/flows'), noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as typeof CreateFlowBody.static;
        const flow = answer as NamedResource;
        const name = sent.name.trim();
        expect(flow, what(req)).toEqual({
          id: expect.stringMatching(/^cf-/),
          accountId: sent.accountId,
          iid: sent.iid,
          name,
          channel: sent.channel.toLowerCase(),
          // SMS flows answer the numbers they send from (sorted, deduplicated); voice flows have none.
          ...(flow.channel === 'sms' ? { phoneNumbers: [...new Set(sent.phoneNumbers ?? [])].sort() } : {}),
        });
        if (flow.channel === 'sms')
          expect(await t().repos.tenancy.flowNumbers(flow.id), what(req)).toEqual(flow.phoneNumbers);
        const stored = await t().repos.tenancy.findFlowById(sent.iid, flow.id);
        expect(stored, what(req)).toMatchObject({ name, lname: name.toLowerCase(), channel: flow.channel });
      });
    },
    TIMEOUT,
  );

  it(
    'POST /queues',
    async () => {
      const body = arbitraryOf(CreateQueueBody, { hints: { ...tenantHints(), name: freshName(100) } });
      await property(request('POST', fc.constant('/queues'), noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as typeof CreateQueueBody.static;
        const queue = answer as NamedResource;
        const name = sent.name.trim();
        expect(queue, what(req)).toEqual({ id: expect.any(String), accountId: sent.accountId, iid: sent.iid, name });
        const stored = await t().repos.tenancy.findQueueByName(sent.iid, name);
        expect(stored, what(req)).toMatchObject({ id: queue.id, name, lname: name.toLowerCase() });
      });
    },
    TIMEOUT,
  );

  it(
    'POST /templates',
    async () => {
      const body = arbitraryOf(CreateTemplateBody, {
        hints: { ...tenantHints(), name: freshName(100), message: text(1, 2000) },
      });
      await property(request('POST', fc.constant('/templates'), noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as typeof CreateTemplateBody.static;
        const template = answer as NamedResource;
        const name = sent.name.trim();
        // The message is stored as given, not trimmed.
        expect(template, what(req)).toEqual({
          id: expect.stringMatching(/^cmt-/),
          accountId: sent.accountId,
          iid: sent.iid,
          name,
          message: sent.message,
        });
        const stored = await t().repos.tenancy.findTemplateById(sent.iid, template.id);
        expect(stored, what(req)).toMatchObject({ name, lname: name.toLowerCase(), message: sent.message });
      });
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------------
  // Bot settings

  it(
    'GET /bots/:iid',
    async () => {
      const path = pathSegment([fx.bot, 'st-fuzz-jti']).map((iid) => `/bots/${iid}`);
      const query = arbitraryOf(BotQuery, {
        hints: { accountId: fc.constantFrom(fx.account, 'acct-fuzz-jti', t().tenant.accountId) },
      });
      await property(request('GET', path, query), async (req, answer) => {
        const settings = answer as BotSettings;
        expect(settings.accountId, what(req)).toBe(queryOf(req).get('accountId'));
        expect(['st-fuzz-admin', 'st-fuzz-jti'], what(req)).toContain(settings.iid);
      });
    },
    TIMEOUT,
  );

  it(
    'PATCH /bots/:iid',
    async () => {
      const body = arbitraryOf(BotSettingsBody, {
        hints: {
          accountId: fc.constant(fx.account),
          defaultCountry: fc.constantFrom('gb', ' US ', 'IN', 'de', 'XX', 'usa'),
          campaignMaxConcurrent: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(null)),
          'precall.url': fc.constantFrom(
            'https://crm.example.com/precall',
            'http://10.0.0.1:8080/x?y=1&z=é',
            'HTTPS://CRM.Example.COM/a b/../c',
            'https://crm.example.com/%00',
            'ftp://crm.example.com/x',
          ),
          'precall.headers': fc.dictionary(fc.constantFrom('Authorization', 'X-Key', 'x-trace-id'), text(0, 40), {
            maxKeys: 3,
          }),
          'precall.timeoutMs': fc.integer({ min: 100, max: 60_000 }),
        },
      });
      const path = pathSegment([fx.bot]).map((iid) => `/bots/${iid}`);
      await property(request('PATCH', path, noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as typeof BotSettingsBody.static;
        const settings = answer as BotSettings;
        const got = await adminGet<BotSettings>(`/bots/${settings.iid}?accountId=${encodeURIComponent(fx.account)}`);
        expect(got, what(req)).toEqual(settings);
        if (sent.defaultCountry !== undefined)
          expect(got.defaultCountry, what(req)).toBe(sent.defaultCountry.trim().toUpperCase());
        if (sent.campaignMaxConcurrent !== undefined)
          expect(got.campaignMaxConcurrent, what(req)).toBe(sent.campaignMaxConcurrent ?? 10);
        if (sent.dispositionCodes !== undefined)
          expect(got.dispositionCodes, what(req)).toEqual(
            sent.dispositionCodes === null ? null : sent.dispositionCodes.map((c) => c.trim()),
          );
        if (sent.precall === null) expect(got.precall, what(req)).toBeNull();
        else if (sent.precall !== undefined) {
          expect(got.precall, what(req)).toEqual({
            url: new URL(sent.precall.url).toString(),
            headerNames: Object.keys(sent.precall.headers ?? {}),
            timeoutMs: sent.precall.timeoutMs ?? 5000,
          });
          // Header values are never shown, but stored exactly as given.
          const bot = await t().repos.tenancy.findBot(settings.iid);
          const stored = JSON.parse(bot!.precall_config!) as { headers?: Record<string, string> };
          expect(stored.headers ?? {}, what(req)).toEqual(sent.precall.headers ?? {});
        }
      });
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------------
  // Limits

  it(
    'a percent-encoded lone surrogate in the query is refused with a 400, as a NUL is',
    async () => {
      const { accountId, iid } = t().tenant;
      const base = (method: string, path: string, raw?: string, contentType = 'application/json'): FuzzRequest => ({
        method,
        url: `/admin/v1${path}`,
        headers: { ...bearer, ...(raw === undefined ? {} : { 'content-type': contentType }) },
        ...(raw === undefined ? {} : { raw }),
      });
      // Each of these succeeds as it is (checked first), so only the surrogate can make it fail.
      const bases = [
        base('GET', `/imports/${fx.importId}`),
        base('GET', `/imports/${fx.importId}/rejects`),
        base('GET', `/bots/${fx.bot}?accountId=${fx.account}`),
        base('PATCH', `/bots/${fx.bot}`, JSON.stringify({ accountId: fx.account })),
        base(
          'POST',
          `/contact-lists/${fx.importList.id}/imports?accountId=${accountId}&iid=${iid}&fileName=f.csv`,
          'phoneNumber,note\n+14155550100,x\n',
          'text/csv',
        ),
      ];
      for (const b of bases) expect((await inject(t().app, b)).statusCode, describeRequest(b)).toBeLessThan(300);
      await fc.assert(
        fc.asyncProperty(surrogateQueryRequests(bases), async (req) => {
          const res = await inject(t().app, req);
          expectAnswer(req, res);
          expect(res.statusCode, `${describeRequest(req)} -> ${res.body}`).toBe(400);
        }),
        fuzzParams(100),
      );
    },
    TIMEOUT,
  );

  it(
    'a path parameter over 256 characters answers 414',
    async () => {
      const { accountId, iid } = t().tenant;
      const routes: [string, (id: string) => string][] = [
        ['GET', (id) => `/bots/${id}?accountId=${fx.account}`],
        ['PATCH', (id) => `/bots/${id}`],
        ['POST', (id) => `/contact-lists/${id}/imports?accountId=${accountId}&iid=${iid}`],
        ['GET', (id) => `/imports/${id}`],
        ['GET', (id) => `/imports/${id}/rejects`],
      ];
      const arb = fc
        .tuple(fc.constantFrom(...routes), fc.integer({ min: 257, max: 2048 }), fc.constantFrom('x', 'st-', '9'))
        .map(([[method, path], n, c]) => ({
          method,
          url: `/admin/v1${path(c.repeat(Math.ceil(n / c.length)).slice(0, n))}`,
          headers: { ...bearer, 'content-type': method === 'POST' ? 'text/csv' : 'application/json' },
          ...(method === 'GET' ? {} : { raw: method === 'POST' ? 'phoneNumber\n+14155550100\n' : '{}' }),
        }));
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          expectEnvelope(await inject(t().app, req), 414);
        }),
        fuzzParams(40),
      );
    },
    TIMEOUT,
  );

  it(
    'a JSON body over the 1 MiB limit answers 413',
    async () => {
      const limit = t().config.bodyLimitBytes;
      const routes: [string, string][] = [
        ['POST', '/apps'],
        ['POST', '/tokens'],
        ['POST', '/flows'],
        ['POST', '/queues'],
        ['POST', '/templates'],
        ['PATCH', `/bots/${fx.bot}`],
      ];
      const arb = fc
        .tuple(
          fc.constantFrom(...routes),
          fc.integer({ min: 1, max: 1 << 16 }),
          fc.constantFrom('a', 'é', '😀'),
          fc.constantFrom('application/json', 'text/plain', 'application/vnd.api+json'),
        )
        .map(([[method, path], over, c, contentType]) => ({
          method,
          url: `/admin/v1${path}`,
          headers: { ...bearer, 'content-type': contentType },
          body: {
            accountId: fx.account,
            iid: fx.bot,
            name: c.repeat(Math.ceil((limit + over) / Buffer.byteLength(c))),
          },
        }));
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          expectEnvelope(await inject(t().app, req), 413);
        }),
        fuzzParams(30),
      );
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------------
  // Imports

  const csvCell = () =>
    fc.oneof(
      { weight: 6, arbitrary: text(0, 12) },
      { weight: 3, arbitrary: fc.constantFrom('+14155550100', ' +44 20 7946 0958 ', '4155550123', '', 'UTC', '3') },
      { weight: 1, arbitrary: hostileString({ long: false }).map(wellFormed) },
    );

  const csv = (): fc.Arbitrary<Csv> =>
    fc
      .tuple(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.constantFrom<string[]>(
              ['phoneNumber', 'firstName', 'note'],
              ['PhoneNumber', 'lastName', 'uniqueId', 'timeZone', 'contactPriority'],
              ['phoneNumber'],
            ),
          },
          {
            weight: 1,
            arbitrary: fc
              .array(fc.oneof(text(0, 10), hostileString({ long: false }).map(wellFormed)), { maxLength: 4 })
              .map((cols) => ['phoneNumber', ...cols]),
          },
        ),
        fc.constantFrom('\r\n' as const, '\n' as const),
        fc.boolean(),
      )
      .chain(([header, eol, bom]) =>
        fc
          .array(
            fc.oneof(
              { weight: 8, arbitrary: fc.array(csvCell(), { minLength: header.length, maxLength: header.length }) },
              { weight: 1, arbitrary: fc.array(csvCell(), { maxLength: header.length + 2 }) },
            ),
            { maxLength: 5 },
          )
          .map((rows) => ({ header, rows, eol, bom })),
      );

  /** A CSV upload: the file, its content type, and the query (tenant mostly right, fileName, map). */
  function upload(path: fc.Arbitrary<string>, list?: fc.Arbitrary<string>) {
    const { accountId, iid } = t().tenant;
    // Mostly the tenant, the list (for /imports) and perhaps a file name; sometimes a query generated whole.
    const usual = fc.record(
      {
        accountId: fc.constant(accountId),
        iid: fc.constant(iid),
        list: list ?? fc.constant(undefined),
        fileName: fc.oneof(text(1, 40), fc.constant('contacts.csv')),
        map: fc.constantFrom('note=extra:Note', 'first name=firstName', ['phone=phoneNumber'], 'bogus'),
      },
      { requiredKeys: ['accountId', 'iid', 'list'] },
    );
    const generated = arbitraryOf(list ? UploadQuery : Type.Omit(UploadQuery, ['list']), {
      hints: {
        accountId: fc.constant(accountId),
        iid: fc.constant(iid),
        ...(list ? { list } : {}),
        fileName: fc.oneof(text(1, 40), fc.constant('contacts.csv')),
        map: fc.constantFrom('note=extra:Note', 'first name=firstName', ['phone=phoneNumber'], 'bogus'),
      },
    });
    const query = fc.oneof(
      { weight: 3, arbitrary: usual.filter((q) => !('map' in q) || q.fileName === 'contacts.csv') },
      { weight: 1, arbitrary: generated },
    );
    const contentType = fc.oneof(
      { weight: 12, arbitrary: fc.constant('text/csv') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'application/csv',
          'text/csv; charset=utf-8',
          'text/plain',
          'application/json',
          undefined,
        ),
      },
    );
    return fc.tuple(path, query, auth(), csv(), contentType).map(([p, q, headers, file, type]) => ({
      csv: file,
      req: {
        method: 'POST',
        url: `/admin/v1${p}${queryString(q)}`,
        headers: { ...headers, ...(type === undefined ? {} : { 'content-type': type }) },
        raw: csvBytes(file),
      } satisfies FuzzRequest,
    }));
  }

  /** After a 201 upload: the job reads back as answered, and each accepted row is stored exactly as sent. */
  async function expectImported(req: FuzzRequest, file: Csv, job: ImportJob) {
    const w = `${req.url}\n${JSON.stringify(file)}`;
    expect(job.status, w).toBe('completed');
    expect(await adminGet<ImportJob>(`/imports/${job.id}`), w).toEqual(job);
    const q = queryOf(req);
    expect(job.fileName, w).toBe(q.get('fileName') ?? 'upload.csv');
    expect(job.totalRows, w).toBe(dataRows(file).length);
    expect(job.imported + job.duplicates + job.rejected, w).toBe(job.totalRows);
    const list = await t().kore('GET', `/campaign/contactList/${job.listId}`);
    expect(
      list.json<{ data: ContactList }>().data.files.map((f) => f.fileName),
      w,
    ).toContain(job.fileName);
    if (job.listId !== fx.importList.id || q.has('map')) return;
    // The list allows duplicates: every row not rejected is stored, in order, at the end of the list.
    const rejects = await adminGet<ImportRejects>(`/imports/${job.id}/rejects`);
    const rejected = new Set(rejects.results.map((r) => r.rowNumber));
    const columns = file.header.map((h) => h.trim());
    const accepted = dataRows(file)
      .filter(({ line }) => !rejected.has(line))
      .map(({ cells }) => columns.map((c, i) => [c, cells[i] ?? ''] as [string, string]));
    expect(job.duplicates, w).toBe(0);
    expect(job.imported, w).toBe(accepted.length);
    if (accepted.length === 0) return;
    const total = list.json<{ data: ContactList }>().data.totalRecordCount;
    const stored = await t().kore(
      'GET',
      `/campaign/contactList/${job.listId}/getAllContacts?skip=${total - accepted.length}&limit=${accepted.length}`,
    );
    const contacts = stored.json<{ data: { results: Record<string, unknown>[] } }>().data.results;
    accepted.forEach((cells, i) => {
      // Bytes that are not UTF-8 have no text to store: such a row must be refused, not stored altered (U+FFFD).
      for (const [column, cell] of cells) {
        expect(isWellFormed(column), `${w}\nrow ${i} stored although its column name ${column} is not UTF-8`).toBe(
          true,
        );
        expect(isWellFormed(cell), `${w}\nrow ${i} stored although its cell ${column} is not UTF-8`).toBe(true);
      }
      expectContactAsSent(cells, contacts[i]!, w);
    });
  }

  it(
    'POST /contact-lists/:listId/imports (text/csv)',
    async () => {
      const path = pathSegment([fx.importList.id]).map((id) => `/contact-lists/${id}/imports`);
      await fc.assert(
        fc.asyncProperty(upload(path), async ({ csv: file, req }) => {
          await check(req, (r, answer) => expectImported(r, file, answer as ImportJob));
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /imports?list= (text/csv)',
    async () => {
      const list = fc.constantFrom(fx.importList.name, fx.importList.name.toUpperCase(), ` ${fx.importList.name} `);
      await fc.assert(
        fc.asyncProperty(upload(fc.constant('/imports'), list), async ({ csv: file, req }) => {
          await check(req, (r, answer) => expectImported(r, file, answer as ImportJob));
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'a CSV upload with bytes that are not UTF-8 stores nothing altered (no U+FFFD in their place)',
    async () => {
      const { accountId, iid } = t().tenant;
      const invalid = fc.constantFrom(
        [0xed, 0xa0, 0x80], // a surrogate's bytes
        [0xff],
        [0x80], // a continuation byte alone
        [0xc0, 0x80], // an overlong NUL
        [0xe2, 0x82], // a sequence cut short
        [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      );
      const arb = fc
        .tuple(invalid, fc.constantFrom('header', 'firstName', 'extra'), text(0, 5), text(0, 5))
        .map(([bytes, where, before, after]) => {
          const bad = Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
          const cell = (b: Buffer | string) => Buffer.concat([Buffer.from('"'), Buffer.from(b), Buffer.from('"')]);
          const raw = Buffer.concat([
            Buffer.from('phoneNumber,firstName,'),
            where === 'header' ? cell(bad) : Buffer.from('note'),
            Buffer.from('\n+14155550100,'),
            where === 'firstName' ? cell(bad) : Buffer.from('Ada'),
            Buffer.from(','),
            where === 'extra' ? cell(bad) : Buffer.from('x'),
            Buffer.from('\n'),
          ]);
          return {
            method: 'POST',
            url: `/admin/v1/contact-lists/${fx.importList.id}/imports?accountId=${accountId}&iid=${iid}`,
            headers: { ...bearer, 'content-type': 'text/csv' },
            raw,
          } satisfies FuzzRequest;
        });
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          const res = await check(req);
          // Refusing the file, or rejecting the row, are both fine; storing the row is not.
          if (isOk(res)) expect(res.json<ImportJob>().imported, `${describeRequest(req)} -> ${res.body}`).toBe(0);
        }),
        fuzzParams(60),
      );
    },
    TIMEOUT,
  );

  it(
    'GET /imports/:id',
    async () => {
      const path = pathSegment([fx.importId]).map((id) => `/imports/${id}`);
      await property(request('GET', path, noQuery()), async (req, answer) => {
        expect((answer as ImportJob).id, what(req)).toBe(fx.importId);
      });
    },
    TIMEOUT,
  );

  it(
    'GET /imports/:id/rejects',
    async () => {
      const path = pathSegment([fx.importId]).map((id) => `/imports/${id}/rejects`);
      const query = arbitraryOf(
        Type.Object({
          skip: Type.Optional(Type.Integer({ minimum: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
        { hints: { skip: fc.constantFrom(0, 1, '0', ''), limit: fc.constantFrom(1, 100, 1000, 1001, 0) } },
      );
      await fc.assert(
        fc.asyncProperty(request('GET', path, query), async (req) => {
          const res = await check(req, async (r, answer) => {
            const page = answer as ImportRejects;
            expect(page.importId, what(r)).toBe(fx.importId);
            expect(page.results.length, what(r)).toBeLessThanOrEqual(page.limit);
          });
          // The route documents paging by skip (>= 0) and limit (1-1000); a query string can only carry them as
          // decimal text, so such a request must be answered 200 (Ajv runs with coerceTypes: false in src/app.ts).
          const q = queryOf(req);
          const skip = q.getAll('skip');
          const limit = q.getAll('limit');
          const documented =
            req.url.startsWith(`/admin/v1/imports/${fx.importId}/rejects`) &&
            req.headers.authorization === bearer.authorization &&
            [...q.keys()].every((k) => k === 'skip' || k === 'limit') &&
            skip.length <= 1 &&
            limit.length <= 1 &&
            skip.every((s) => /^\d{1,9}$/.test(s)) &&
            limit.every((l) => /^\d{1,4}$/.test(l) && Number(l) >= 1 && Number(l) <= 1000);
          if (documented) expect(res.statusCode, `${what(req)}: ${res.body}`).toBe(200);
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );
});
