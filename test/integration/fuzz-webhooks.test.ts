/**
 * Fuzzing the event admin API on both dialects (test/support/fuzz.ts): webhook subscriptions
 * (`/admin/v1/webhooks…`: create, list, get, pause, resume, replay, delete, deliveries) and the pull
 * endpoint (`/admin/v1/events`). For each generated request: never a 5xx, every failure in the
 * envelope, whatever a 2xx stored reads back as sent (the URL as the WHATWG parser writes it, the
 * secret sealed and opening to the one answered), and a refused request leaves the subscriptions as
 * they were, besides the row counts fuzzChecks compares.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSubscriptionBody,
  DeliveriesQuery,
  EVENT_TYPE_NAMES,
  EventsQuery,
  ReplayBody,
  type CreatedSubscription,
  type Delivery,
  type EventPage,
  type Subscription,
} from '../../src/contract/events.js';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';
import {
  arbitraryOf,
  bodyOf,
  describeRequest,
  fuzzChecks,
  fuzzParams,
  pathSegment,
  queryOf,
  queryString,
  sentBody,
  withBody,
  type FuzzRequest,
} from '../support/fuzz.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'fuzz-webhooks-admin-token-0123456789';
/** Cases per endpoint and dialect. */
const RUNS = 120;
const TIMEOUT = 300_000;

describe.each(DIALECTS)('event admin API fuzz on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
  /** Subscriptions the cases act on; deletes take from the end of it. */
  let subs: string[] = [];

  const account = () => t().tenant.accountId;

  async function subscribe(): Promise<string> {
    const created = await t().services.webhooks.create({ accountId: account(), url: 'http://127.0.0.1:9/hook' });
    return created.subscription.id;
  }

  beforeAll(async () => {
    // Events to page through: a played campaign writes a status change and a run start.
    const list = await t().addList('Fuzz events');
    await addContacts(t(), list, [{ phone: '+15556000001' }, { phone: '+15556000002' }]);
    await trigger(t(), await createCampaign(t(), { name: 'Fuzz events', contactLists: ['Fuzz events'] }), 'play');
    subs = [await subscribe(), await subscribe(), await subscribe()];
  });

  /** Every subscription row as stored, for comparing before and after a refused request. */
  const stored = async () =>
    JSON.stringify(await t().db.kysely.selectFrom('webhook_subscriptions').selectAll().orderBy('id').execute());

  const { check } = fuzzChecks({ app: () => t().app, db: () => t().db.kysely, label: dialect, runs: RUNS });

  /** Runs the property; a refused request must leave every subscription as it was. */
  const property = (arb: fc.Arbitrary<FuzzRequest>, readBack: (req: FuzzRequest, body: unknown) => Promise<void>) =>
    fc.assert(
      fc.asyncProperty(arb, async (req) => {
        const before = await stored();
        const res = await check(req, readBack);
        if (res.statusCode >= 300) expect(await stored(), describeRequest(req)).toBe(before);
      }),
      fuzzParams(RUNS),
    );

  /** Mostly the admin token; now and then none or a wrong one. */
  const auth = (): fc.Arbitrary<Record<string, string>> =>
    fc.oneof(
      { weight: 20, arbitrary: fc.constant<Record<string, string>>(bearer) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Record<string, string>>(
          {},
          { authorization: 'Bearer wrong-admin-token-0123456789ab' },
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

  /** `?accountId=` mostly of the test's account, sometimes another or none. */
  const accountQuery = () =>
    fc.record(
      { accountId: fc.oneof({ weight: 6, arbitrary: fc.constant(account()) }, fc.string({ maxLength: 70 })) },
      { requiredKeys: [] },
    );
  /** A subscription of the moment (deletes replace theirs), or any other path segment. */
  const subscriptionPath = (action = '') =>
    fc
      .oneof({ weight: 3, arbitrary: fc.nat().map((i) => subs[i % subs.length]!) }, pathSegment(subs))
      .map((id) => `/webhooks/${id}${action}`);
  const what = (req: FuzzRequest) => describeRequest(req);

  it(
    'POST /webhooks',
    async () => {
      const body = arbitraryOf(CreateSubscriptionBody, {
        hints: {
          accountId: fc.oneof({ weight: 6, arbitrary: fc.constant(account()) }, fc.constant('acct-nobody')),
          botId: fc.oneof({ weight: 4, arbitrary: fc.constant(t().tenant.iid) }, fc.constant('st-nobody')),
          url: fc.oneof(
            {
              weight: 4,
              arbitrary: fc.constantFrom(
                'http://127.0.0.1:9/hook',
                'https://crm.example.com/campaignd?x=1#frag',
                'HTTPS://CRM.Example.com:443/a/../b',
                'http://user:pass@[::1]:8080/',
              ),
            },
            fc.constantFrom('ftp://example.com/hook', 'javascript:alert(1)', 'http://', '/relative'),
          ),
          secret: fc.oneof(
            { weight: 3, arbitrary: fc.constant('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') },
            fc.constantFrom('whsec_short', 'not a secret'),
          ),
          eventTypes: fc.uniqueArray(fc.constantFrom(...EVENT_TYPE_NAMES), { minLength: 1, maxLength: 3 }),
        },
      });
      await property(request('POST', fc.constant('/webhooks'), fc.constant({}), body), async (req, answer) => {
        const sent = sentBody(req) as typeof CreateSubscriptionBody.static;
        const { subscription, secret } = answer as CreatedSubscription;
        expect(subscription, what(req)).toEqual({
          id: expect.stringMatching(/^wh-/),
          accountId: account(),
          botId: sent.botId ?? null,
          url: new URL(sent.url).toString(),
          eventTypes: sent.eventTypes ?? null,
          status: 'active',
          cursor: sent.fromSeq ?? expect.any(Number),
          failingSince: null,
          lastError: null,
          createdAt: new Date(t().clock.now()).toISOString(),
        });
        expect(['http:', 'https:'], what(req)).toContain(new URL(sent.url).protocol);
        expect(sent.botId === undefined || sent.botId === t().tenant.iid, what(req)).toBe(true);
        expect(secret, what(req)).toEqual(sent.secret ?? expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{32,}$/));
        // Sealed at rest; the delivery side opens it to the secret answered.
        const raw = await t()
          .db.kysely.selectFrom('webhook_subscriptions')
          .select('secret')
          .where('id', '=', subscription.id)
          .executeTakeFirstOrThrow();
        expect(raw.secret, what(req)).not.toContain(secret);
        expect(t().db.secrets.open(raw.secret), what(req)).toBe(secret);
        const got = await t().app.inject({
          method: 'GET',
          url: `/admin/v1/webhooks/${subscription.id}?accountId=${account()}`,
          headers: bearer,
        });
        expect(got.json(), what(req)).toEqual(subscription);
      });
    },
    TIMEOUT,
  );

  it(
    'GET /webhooks',
    async () => {
      await property(request('GET', fc.constant('/webhooks'), accountQuery()), async (req, body) => {
        const { subscriptions } = body as { subscriptions: Subscription[] };
        const accountId = queryOf(req).get('accountId');
        for (const s of subscriptions) expect(s.accountId, what(req)).toBe(accountId);
        if (accountId === account())
          expect(
            subscriptions.map((s) => s.id),
            what(req),
          ).toEqual(expect.arrayContaining(subs));
      });
    },
    TIMEOUT,
  );

  it(
    'GET /webhooks/:id, pause and resume',
    async () => {
      const action = fc.constantFrom('', '/pause', '/resume');
      const arb = action.chain((a) =>
        request(a === '' ? 'GET' : 'POST', subscriptionPath(a), accountQuery()).map((req) => ({ req, a })),
      );
      await fc.assert(
        fc.asyncProperty(arb, async ({ req, a }) => {
          const before = await stored();
          const res = await check(req, async (_, body) => {
            const sub = body as Subscription;
            expect(subs, what(req)).toContain(sub.id);
            expect(sub.accountId, what(req)).toBe(queryOf(req).get('accountId'));
            if (a === '/pause') expect(sub.status, what(req)).toBe('paused');
            if (a === '/resume') expect(sub.status, what(req)).toBe('active');
          });
          if (res.statusCode >= 300) expect(await stored(), what(req)).toBe(before);
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'POST /webhooks/:id/replay',
    async () => {
      const body = arbitraryOf(ReplayBody);
      await property(request('POST', subscriptionPath('/replay'), accountQuery(), body), async (req, answer) => {
        const sub = answer as Subscription;
        expect(sub, what(req)).toMatchObject({
          cursor: (sentBody(req) as { fromSeq: number }).fromSeq,
          status: 'active',
          failingSince: null,
        });
      });
    },
    TIMEOUT,
  );

  it(
    'GET /webhooks/:id/deliveries',
    async () => {
      const query = arbitraryOf(DeliveriesQuery, { hints: { accountId: fc.constant(account()) } });
      await property(request('GET', subscriptionPath('/deliveries'), query), async (req, body) => {
        const { deliveries } = body as { deliveries: Delivery[] };
        expect(deliveries.length, what(req)).toBeLessThanOrEqual(Number(queryOf(req).get('limit') ?? 100));
      });
    },
    TIMEOUT,
  );

  it(
    'GET /events',
    async () => {
      const query = arbitraryOf(EventsQuery, {
        hints: { accountId: fc.constant(account()), after: fc.constantFrom('0', '1', '2', '999999999999999') },
      });
      await property(request('GET', fc.constant('/events'), query), async (req, body) => {
        const page = body as EventPage;
        const q = queryOf(req);
        const after = Number(q.get('after') ?? 0);
        expect(page.events.length, what(req)).toBeLessThanOrEqual(Number(q.get('limit') ?? 100));
        const seqs = page.events.map((e) => e.seq);
        expect(seqs, what(req)).toEqual([...seqs].sort((x, y) => x - y));
        for (const e of page.events) {
          expect(e.accountId, what(req)).toBe(q.get('accountId'));
          expect(e.seq, what(req)).toBeGreaterThan(after);
          expect(e.id, what(req)).toBe(`evt_${e.seq}`);
        }
        expect(page.next, what(req)).toBe(seqs.at(-1) ?? after);
        if (q.get('accountId') === account() && after === 0) expect(seqs.length, what(req)).toBeGreaterThan(0);
      });
    },
    TIMEOUT,
  );

  it(
    'DELETE /webhooks/:id',
    async () => {
      await property(request('DELETE', subscriptionPath(), accountQuery()), async (req) => {
        const id = new URL(req.url, 'http://x').pathname.split('/').at(-1)!;
        const got = await t().app.inject({
          method: 'GET',
          url: `/admin/v1/webhooks/${id}?accountId=${account()}`,
          headers: bearer,
        });
        expect(got.statusCode, what(req)).toBe(404);
        const log = await t()
          .db.kysely.selectFrom('webhook_deliveries')
          .select('id')
          .where('subscription_id', '=', id)
          .execute();
        expect(log, what(req)).toEqual([]);
        // Keep something to act on for the cases after this one.
        subs = [...subs.filter((s) => s !== id), await subscribe()];
      });
    },
    TIMEOUT,
  );
});
