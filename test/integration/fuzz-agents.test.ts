/**
 * Fuzzing the agent endpoints on both dialects (test/support/fuzz.ts): the agent API (`/agent/v1`),
 * the admin agents API (`/admin/v1/agents`) and Kore's agent routes (`…/campaign/agents/:agentId/info|status`,
 * `…/campaign/:campId/dispositions`). For each generated request: never a 5xx, every failure in the
 * envelope, whatever a 2xx stored reads back as sent (names trimmed, states canonical, queues by their
 * stored names: src/domain/agents/*), and a refused change leaves every table as it was: the row
 * counts fuzzChecks compares, and here also the agents' rows, queues, history, events, the records
 * they hold and their calls' dispositions and hang-up requests.
 *
 * The agent API acts on an agent put first in a generated starting state: Offline, Available or
 * NotReady (an agent no campaign calls on), holding a Preview offer, on a call, or in wrap-up (the
 * agents of a Preview and a Progressive campaign, driven by the scripted network of agent-harness.ts).
 * The event stream (`GET /events`) is fuzzed only where it must refuse: a 200 would open a stream.
 *
 * `PATCH /admin/v1/bots/:iid`'s `dispositionCodes` is fuzzed by fuzz-admin.test.ts (BotSettingsBody).
 */
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAgentBody,
  DispositionBody,
  LoginBody,
  StateBody,
  UpdateAgentBody,
  AgentHistoryQuery,
  type Agent,
  type AgentHistory,
  type AgentWithCredential,
  type AttemptDisposition,
  type DispositionAnswer,
} from '../../src/contract/agents.js';
import { KoreAgentStatusBody, type KoreAgent, type KoreAgentStatus } from '../../src/contract/kore-agents.js';
import { KORE_PREFIXES } from '../../src/http/routes/kore/kore-router.js';
import { progressiveSample } from '../fixtures/kore-samples.js';
import { agentHarness, type AgentHarness, type TestAgent } from '../support/agent-harness.js';
import { addContacts } from '../support/engine-harness.js';
import {
  arbitraryOf,
  bodyOf,
  describeRequest,
  expectAnswer,
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
  type FuzzRequest,
  type ReadBack,
} from '../support/fuzz.js';
import { expectEnvelope } from '../support/failure-envelope.js';
import { useTestApp, type TestTenant } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

const ADMIN_TOKEN = 'fuzz-agents-admin-token-0123456789';
/** Cases per endpoint and dialect. */
const RUNS = 150;
/** Cases of the endpoints whose cases mostly need an offer or a call first (a few engine ticks each). */
const WORK_RUNS = 100;
/** A failing property shrinks against the database; give it room beyond the default test timeout. */
const TIMEOUT = 300_000;

const BOT_CODES = ['Sale', 'No Sale', 'Call Back'];
const CAMPAIGN_CODES = ['Interested', 'Not Interested'];

/** In a generated request: the credential, offer, call or agent the case prepares before sending it. */
const CRED = '{credential}';
const OFFER = 'of-%7Boffer%7D';
const ATTEMPT = 'at-%7Battempt%7D';
const AGENT = 'ag-%7Bagent%7D';
/** An offer or call of an earlier case: answered, ended or another agent's by now. */
const STALE_OFFER = 'of-%7Bstale%7D';
const STALE_ATTEMPT = 'at-%7Bstale%7D';
/** An agent the case creates first (and may then delete). */
const FRESH = 'ag-%7Bfresh%7D';

/** Where the agent of a case starts: a state an agent gives themselves, or work the engine gave them. */
type Start = 'Offline' | 'Available' | 'NotReady' | 'offer' | 'call' | 'wrapup';

/** A state a person may ask for, as the domain reads it (agent-state-names.ts); undefined for anything else. */
function askedState(raw: unknown): 'Available' | 'NotReady' | 'Offline' | undefined {
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'available') return 'Available';
  if (v === 'notready' || v === 'not ready' || v === 'not_ready') return 'NotReady';
  if (v === 'offline') return 'Offline';
  return undefined;
}

/** A NotReady reason as stored: trimmed, `NotReady` when blank or absent. */
const reasonOf = (raw: string | undefined) => raw?.trim() || 'NotReady';

/** Mostly the states an agent may ask for, in any spelling; sometimes Offline or a state only the engine gives. */
const stateSpellings = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('Available', 'NotReady', 'available', ' NOTREADY ', 'not ready', 'Not_Ready'),
  },
  { weight: 2, arbitrary: fc.constantFrom('Offline', ' offline ') },
  { weight: 1, arbitrary: fc.constantFrom('Busy', 'OnCall', 'Reserved', '') },
);
const reasons = fc.oneof(fc.constantFrom('Break', 'Lunch', ' Training ', 'x'.repeat(64), ' '), text(1, 64));

const sorted = (xs: readonly string[]) => [...xs].sort();

interface Fixtures {
  h: AgentHarness;
  /** In a queue no campaign uses: never given work. */
  desk: TestAgent;
  /** In the Preview campaign's queue. */
  offers: TestAgent;
  /** In the Progressive campaign's queue. */
  caller: TestAgent;
  /** The PATCH target, its credential as last reset. */
  patched: TestAgent;
  /** An agent of another tenant: a 404 wherever the main tenant names it. */
  foreign: TestAgent;
  /** Removed: its credential is refused. */
  removedCredential: string;
  other: TestTenant;
  preview: { id: string; instanceId: string };
  progressive: { id: string; instanceId: string };
  /** A campaign with no agent settings: the bot's codes apply. */
  agentless: string;
  queues: string[];
}

describe.each(DIALECTS)('agent endpoints fuzz on %s', (dialect) => {
  const t = useTestApp(dialect, { env: { ADMIN_TOKEN } });
  let fx: Fixtures;
  const adminBearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

  async function admin(method: string, path: string, payload?: unknown) {
    return t().app.inject({
      method: method as 'GET',
      url: `/admin/v1${path}`,
      headers: { ...adminBearer, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: payload === undefined ? undefined : JSON.stringify(payload),
    });
  }

  const tq = (tn: TestTenant = t().tenant) => `accountId=${tn.accountId}&iid=${encodeURIComponent(tn.iid)}`;

  async function adminAgent(id: string): Promise<Agent> {
    const res = await admin('GET', `/agents/${id}?${tq()}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Agent>();
  }

  beforeAll(async () => {
    const app = t();
    const { accountId, iid } = app.tenant;
    const queues = ['Fuzz Desk', 'Fuzz Offers', 'Fuzz Calls'];
    for (const name of queues) await app.services.admin.createQueue({ accountId, iid, name });
    const codes = await admin('PATCH', `/bots/${iid}`, { accountId, dispositionCodes: BOT_CODES });
    expect(codes.statusCode, codes.body).toBe(200);
    const h = agentHarness(app, { queue: 'Fuzz Offers' });
    const desk = await h.createAgent('Fuzz Desk Agent', ['Fuzz Desk']);
    const offers = await h.createAgent('Fuzz Offers Agent', ['Fuzz Offers']);
    const caller = await h.createAgent('Fuzz Calls Agent', ['Fuzz Calls']);
    const made = await app.services.agentAdmin.create({
      accountId,
      iid,
      name: 'Fuzz Patched',
      queues: ['Fuzz Desk'],
      externalId: 'crm-patched',
    });
    const patched = { id: made.id, name: made.name, credential: made.credential };
    await app.services.agentAdmin.create({
      accountId,
      iid,
      name: 'Fuzz Taken',
      queues: ['Fuzz Desk'],
      externalId: 'crm-taken',
    });
    const removed = await h.createAgent('Fuzz Removed', ['Fuzz Desk']);
    await app.services.agentAdmin.remove({ accountId, iid }, removed.id);
    const other = await app.addTenant();
    const foreignMade = await app.services.agentAdmin.create({
      accountId: other.accountId,
      iid: other.iid,
      name: 'Fuzz Foreign',
      queues: ['Default Queue'],
    });
    const foreign = { id: foreignMade.id, name: foreignMade.name, credential: foreignMade.credential };

    // Many contacts each: a case that needs an offer or a call takes the next record.
    const list = async (name: string, first: number) => {
      const id = await app.addList(name);
      await addContacts(
        app,
        id,
        Array.from({ length: 600 }, (_, i) => ({ phone: `+1415${String(first + i).padStart(7, '0')}` })),
      );
      return id;
    };
    const preview = await h.campaign('Preview', await list('Fuzz Offers List', 5_000_000), { maxSkips: 100 });
    const progressive = await h.campaign('Progressive', await list('Fuzz Calls List', 6_000_000), {
      queue_name: 'Fuzz Calls',
      agentSettings: { wrapUpSec: 600, dispositionCodes: CAMPAIGN_CODES },
    });
    const created = await app.kore('POST', '/campaign?campaignType=voice', {
      ...progressiveSample('Fuzz Bot Codes'),
      contactLists: ['Recent Buyers - Q2 2025'],
      queue_name: 'Fuzz Desk',
    });
    expect(created.statusCode, created.body).toBe(200);
    fx = {
      h,
      desk,
      offers,
      caller,
      patched,
      foreign,
      removedCredential: removed.credential,
      other,
      preview,
      progressive,
      agentless: created.json().id as string,
      queues: ['Default Queue', ...queues],
    };
  });

  // -------------------------------------------------------------------------------------------
  // Putting an agent where a case starts

  const desk = () => t().services.agentDesk;
  let staleOffer: string | undefined;
  let staleAttempt: string | undefined;

  /** Ends whatever work the agent holds (offer, call, wrap-up), then puts them in `to`. */
  async function settle(agent: TestAgent, to: 'Offline' | 'Available' | 'NotReady'): Promise<void> {
    for (let i = 0; i < 6; i++) {
      const a = await fx.h.row(agent);
      if (a.work_kind === 'call' && (a.state === 'Reserved' || a.state === 'OnCall')) {
        const call = a.work_attempt_id
          ? fx.h.phone.calls.find((c) => c.req.attemptId === a.work_attempt_id)
          : undefined;
        if (call && !call.ended) await fx.h.phone.end(call.req.attemptId, call.connected ? 'completed' : 'no-answer');
        else await fx.h.tick(); // an accepted offer is dialed, or an asked hang-up is passed on, at the next tick
        continue;
      }
      if (a.state === 'Reserved' || a.state === 'WrapUp') {
        await desk().logout(agent.id);
        continue;
      }
      if (to === 'Offline') {
        if (a.state !== 'Offline') await desk().logout(agent.id);
      } else if (a.state === 'Offline') await desk().login(agent.id, { state: to, reason: 'Break' });
      else await desk().setState(agent.id, { state: to, reason: 'Break' });
      return;
    }
    throw new Error(`agent ${agent.name} could not be settled: ${JSON.stringify(await fx.h.row(agent))}`);
  }

  /** The offers agent holding a fresh Preview offer (every other working agent out of the way). */
  async function freshOffer(): Promise<string> {
    await settle(fx.caller, 'NotReady');
    await settle(fx.offers, 'Available');
    await fx.h.seen(fx.offers);
    let a = await fx.h.row(fx.offers);
    for (let i = 0; i < 5 && a.state === 'Available'; i++) {
      await fx.h.tick();
      a = await fx.h.row(fx.offers);
    }
    expect(a, 'a fresh offer').toMatchObject({ state: 'Reserved', work_kind: 'offer' });
    staleOffer = a.work_record_id!;
    return a.work_record_id!;
  }

  /** The calls agent on a fresh call, connected; in its wrap-up when `wrapUp`. */
  async function freshCall(wrapUp: boolean): Promise<string> {
    await settle(fx.offers, 'NotReady');
    await settle(fx.caller, 'Available');
    await fx.h.seen(fx.caller);
    // A tick may claim a record it then skips (a number put on the DNC list by an earlier disposition): tick again.
    let a = await fx.h.row(fx.caller);
    for (let i = 0; i < 5 && a.state === 'Available'; i++) {
      await fx.h.tick();
      a = await fx.h.row(fx.caller);
    }
    expect(a, 'a fresh call').toMatchObject({ state: 'Reserved', work_kind: 'call' });
    const attemptId = a.work_attempt_id!;
    await fx.h.phone.answer(attemptId);
    if (wrapUp) await fx.h.phone.end(attemptId, 'completed');
    expect((await fx.h.row(fx.caller)).state).toBe(wrapUp ? 'WrapUp' : 'OnCall');
    staleAttempt = attemptId;
    return attemptId;
  }

  interface Prepared {
    agent: TestAgent;
    offerId?: string;
    attemptId?: string;
    /** The agent as the case found them. */
    before: Agent;
  }

  async function prepare(start: Start): Promise<Prepared> {
    let p: Omit<Prepared, 'before'>;
    if (start === 'offer') p = { agent: fx.offers, offerId: await freshOffer() };
    else if (start === 'call' || start === 'wrapup')
      p = { agent: fx.caller, attemptId: await freshCall(start === 'wrapup') };
    else {
      await settle(fx.desk, start);
      p = { agent: fx.desk };
    }
    return { ...p, before: await desk().me(p.agent.id) };
  }

  /** The request with the case's credential, offer, call and agent in place of the placeholders. */
  function bind(req: FuzzRequest, p: Prepared): FuzzRequest {
    const url = req.url
      .replace(OFFER, p.offerId ?? 'dr-none')
      .replace(ATTEMPT, p.attemptId ?? 'att-none')
      .replace(STALE_OFFER, staleOffer ?? 'dr-stale')
      .replace(STALE_ATTEMPT, staleAttempt ?? 'att-stale')
      .replace(AGENT, p.agent.id);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, v.replace(CRED, p.agent.credential)]),
    );
    return { ...req, url, headers };
  }

  // -------------------------------------------------------------------------------------------
  // Checks

  const { check } = fuzzChecks({ app: () => t().app, db: () => t().db.kysely, label: dialect, runs: RUNS });

  /** What an agent request can change beyond row counts: agents, their queues, history, events, records, calls. */
  async function agentSnapshot() {
    const k = t().db.kysely;
    const count = async (table: 'agent_state_history' | 'agent_events') =>
      Number(
        (
          await k
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      agents: await k.selectFrom('agents').selectAll().orderBy('id').execute(),
      agentQueues: await k.selectFrom('agent_queues').selectAll().orderBy('agent_id').orderBy('queue_id').execute(),
      history: await count('agent_state_history'),
      events: await count('agent_events'),
      records: await k
        .selectFrom('dial_records')
        .select(['id', 'state', 'agent_id', 'attempts'])
        .where('agent_id', 'is not', null)
        .orderBy('id')
        .execute(),
      attempts: await k
        .selectFrom('attempts')
        .select(['id', 'disposition', 'hangup_requested_at', 'outcome'])
        .orderBy('id')
        .execute(),
      bots: await k.selectFrom('bots').select(['id', 'disposition_codes']).orderBy('id').execute(),
    };
  }

  /** fuzzChecks' check, and a refused change must also have left the agents' rows as they were. */
  async function checkAgents(req: FuzzRequest, readBack?: ReadBack) {
    const before = req.method === 'GET' ? undefined : await agentSnapshot();
    const res = await check(req, readBack);
    if (before && !isOk(res)) expect(await agentSnapshot(), describeRequest(req)).toEqual(before);
    return res;
  }

  const property = (arb: fc.Arbitrary<FuzzRequest>, readBack?: ReadBack, runs = RUNS) =>
    fc.assert(
      fc.asyncProperty(arb, async (req) => {
        await checkAgents(req, readBack);
      }),
      fuzzParams(runs),
    );

  const what = (req: FuzzRequest) =>
    `${req.method} ${req.url.slice(0, 200)} ${req.raw === undefined ? JSON.stringify(sentBody(req))?.slice(0, 400) : ''}`;

  const noQuery = () => fc.constant({});

  // -------------------------------------------------------------------------------------------
  // Agent API

  /** Mostly the case's agent credential, sometimes none, a wrong one, another API's, or a removed agent's. */
  const agentAuth = (): fc.Arbitrary<Record<string, string>> =>
    fc.oneof(
      { weight: 20, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${CRED}` }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Record<string, string>>(
          {},
          { authorization: `bearer   ${CRED}` },
          { authorization: `Bearer ${CRED}x` },
          { authorization: CRED },
          { authorization: `Basic ${CRED}` },
          { authorization: `Bearer ag-00000000-0000-0000-0000-000000000000.${'A'.repeat(43)}` },
          { authorization: 'Bearer ' },
          adminBearer,
          { auth: CRED },
        ),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(hostileString({ long: false }), fc.constant('removed'))
          .map((s) => ({ authorization: `Bearer ${s === 'removed' ? fx.removedCredential : s}` }))
          // Header values hold no control characters or text outside Latin-1 (an HTTP client could not send them).
          .filter((h) => /^[\t\x20-\x7e\x80-\xff]*$/.test(h.authorization)),
      },
    );

  function agentRequest(
    method: string,
    path: fc.Arbitrary<string>,
    query: fc.Arbitrary<unknown>,
    body?: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(path, query, agentAuth(), body ? bodyOf(body) : fc.constant({}))
      .map(([p, q, headers, part]) => withBody({ method, url: `/agent/v1${p}${queryString(q)}`, headers }, part));
  }

  const starts = (weights: Partial<Record<Start, number>>): fc.Arbitrary<Start> =>
    fc.oneof(
      ...Object.entries(weights).map(([s, weight]) => ({ weight: weight!, arbitrary: fc.constant(s as Start) })),
    );

  /** Cheap starts mostly; an offer, a call or a wrap-up now and then. */
  const anyStart = () => starts({ Offline: 3, Available: 3, NotReady: 3, offer: 1, call: 1, wrapup: 1 });

  /** A property over agent requests: each case prepares its start, then sends the request bound to it. */
  function agentProperty(
    arb: fc.Arbitrary<{ start: Start; req: FuzzRequest }>,
    readBack: (p: Prepared) => ReadBack,
    runs = RUNS,
  ) {
    return fc.assert(
      fc.asyncProperty(arb, async ({ start, req }) => {
        const p = await prepare(start);
        await checkAgents(bind(req, p), readBack(p));
      }),
      fuzzParams(runs),
    );
  }

  const me = async (agent: TestAgent): Promise<Agent> => desk().me(agent.id);

  /** The agent's state after an answer: as /me and the admin API read it. */
  async function expectAgentNow(p: Prepared, answer: Agent | undefined, want: Partial<Agent>, w: string) {
    const now = await me(p.agent);
    expect(now, w).toMatchObject(want);
    if (answer) expect(answer, w).toEqual(now);
    expect(await adminAgent(p.agent.id), w).toEqual(now);
  }

  it(
    'GET /me',
    async () => {
      const arb = fc.tuple(anyStart(), agentRequest('GET', fc.constant('/me'), arbitraryOf(Type.Unknown())));
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, answer) => {
          expect(answer, what(req)).toEqual(p.before);
        },
      );
    },
    TIMEOUT,
  );

  it(
    'POST /login',
    async () => {
      const body = arbitraryOf(LoginBody, { hints: { state: stateSpellings, reason: reasons } });
      const arb = fc.tuple(anyStart(), agentRequest('POST', fc.constant('/login'), noQuery(), body));
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, answer) => {
          const sent = (sentBody(req) ?? {}) as LoginBody;
          if (p.before.state !== 'Offline') {
            // A repeat while logged in changes nothing.
            await expectAgentNow(p, answer as Agent, { state: p.before.state, reason: p.before.reason }, what(req));
            return;
          }
          const to = askedState(sent.state ?? 'Available');
          await expectAgentNow(
            p,
            answer as Agent,
            { state: to, reason: to === 'NotReady' ? reasonOf(sent.reason) : null, work: null },
            what(req),
          );
        },
      );
    },
    TIMEOUT,
  );

  it(
    'POST /logout',
    async () => {
      const arb = fc.tuple(
        anyStart(),
        agentRequest('POST', fc.constant('/logout'), arbitraryOf(Type.Unknown()), arbitraryOf(Type.Unknown())),
      );
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, answer) => {
          expect(['Offline', 'Available', 'NotReady', 'offer', 'wrapup'], what(req)).toContain(
            p.offerId ? 'offer' : p.before.state === 'WrapUp' ? 'wrapup' : p.before.state,
          );
          const reason = p.before.state === 'Offline' ? p.before.reason : 'logged-out';
          await expectAgentNow(p, answer as Agent, { state: 'Offline', reason, work: null }, what(req));
          if (p.offerId) expect((await record(p.offerId)).agent_id, what(req)).toBeNull();
        },
      );
    },
    TIMEOUT,
  );

  const record = (id: string) =>
    t().db.kysely.selectFrom('dial_records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const attempt = (id: string) =>
    t().db.kysely.selectFrom('attempts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it(
    'POST /state',
    async () => {
      const body = arbitraryOf(StateBody, { hints: { state: stateSpellings, reason: reasons } });
      const arb = fc.tuple(anyStart(), agentRequest('POST', fc.constant('/state'), noQuery(), body));
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, answer) => {
          const sent = sentBody(req) as StateBody;
          const to = askedState(sent.state);
          expect(['Available', 'NotReady'], what(req)).toContain(to);
          expect(p.before.state, what(req)).not.toBe('Offline');
          expect(p.before.state, what(req)).not.toBe('OnCall');
          if (p.offerId && to === 'Available') {
            // An open offer is where an Available agent is: kept.
            await expectAgentNow(p, answer as Agent, { state: 'Reserved', work: p.before.work }, what(req));
            return;
          }
          const reason = to === 'NotReady' ? reasonOf(sent.reason) : null;
          await expectAgentNow(p, answer as Agent, { state: to, reason, work: null }, what(req));
        },
      );
    },
    TIMEOUT,
  );

  for (const action of ['accept', 'skip'] as const) {
    it(
      `POST /offers/:offerId/${action}`,
      async () => {
        const path = fc
          .oneof(
            { weight: 6, arbitrary: fc.constant(OFFER) },
            { weight: 1, arbitrary: fc.constant(STALE_OFFER) },
            { weight: 2, arbitrary: pathSegment([]) },
          )
          .map((id) => `/offers/${id}/${action}`);
        const arb = fc.tuple(
          starts({ offer: 8, Available: 1, call: 1 }),
          agentRequest('POST', path, noQuery(), arbitraryOf(Type.Unknown())),
        );
        await agentProperty(
          arb.map(([start, req]) => ({ start, req })),
          (p) => async (req, body) => {
            const answer = body as { offerId: string; status: string };
            expect(answer.offerId, what(req)).toBe(p.offerId);
            const a = await fx.h.row(p.agent);
            const r = await record(p.offerId!);
            if (action === 'accept') {
              expect(answer.status, what(req)).toBe('accepted');
              expect(a, what(req)).toMatchObject({ state: 'Reserved', work_kind: 'call', work_record_id: p.offerId });
              expect(r, what(req)).toMatchObject({ state: 'accepted', agent_id: p.agent.id });
            } else {
              expect(['skipped', 'final'], what(req)).toContain(answer.status);
              expect(a, what(req)).toMatchObject({ state: 'Available', work_kind: null, work_record_id: null });
              expect(r.agent_id, what(req)).toBeNull();
            }
          },
          WORK_RUNS,
        );
      },
      TIMEOUT,
    );
  }

  it(
    'POST /calls/:attemptId/end',
    async () => {
      const path = fc
        .oneof(
          { weight: 6, arbitrary: fc.constant(ATTEMPT) },
          { weight: 1, arbitrary: fc.constant(STALE_ATTEMPT) },
          { weight: 2, arbitrary: pathSegment([]) },
        )
        .map((id) => `/calls/${id}/end`);
      const arb = fc.tuple(
        starts({ call: 6, wrapup: 1, offer: 1, Available: 1 }),
        agentRequest('POST', path, noQuery(), arbitraryOf(Type.Unknown())),
      );
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, body) => {
          expect(body, what(req)).toEqual({ attemptId: p.attemptId, status: 'ending' });
          expect((await attempt(p.attemptId!)).hangup_requested_at, what(req)).toBe(t().clock.now());
          expect(p.before.state, what(req)).toBe('OnCall');
        },
        WORK_RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'POST /calls/:attemptId/disposition',
    async () => {
      // The campaign's codes in any spelling mostly; the bot's (which the campaign's own list overrides) or others rarely.
      const code = fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...CAMPAIGN_CODES, 'interested', ' NOT INTERESTED ') },
        { weight: 1, arbitrary: fc.constantFrom(...BOT_CODES, 'Other', ' ') },
      );
      const body = arbitraryOf(DispositionBody, {
        hints: {
          'codes[]': code,
          notes: fc.oneof(text(0, 200), fc.constantFrom('Line one\nline two', ' ', 'x'.repeat(2000))),
          callbackAt: fc.constantFrom(
            '2026-06-02T09:00:00Z',
            '2026-06-02T09:00:00+02:00',
            ' 2026-06-03T10:30:00.000Z ',
            '2026-06-02T09:00:00',
            '2026-05-01T09:00:00Z',
            'tomorrow',
          ),
        },
      });
      const path = fc
        .oneof(
          { weight: 6, arbitrary: fc.constant(ATTEMPT) },
          { weight: 1, arbitrary: fc.constant(STALE_ATTEMPT) },
          { weight: 2, arbitrary: pathSegment([]) },
        )
        .map((id) => `/calls/${id}/disposition`);
      const arb = fc.tuple(starts({ call: 4, wrapup: 4, Available: 1 }), agentRequest('POST', path, noQuery(), body));
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, body) => {
          const sent = sentBody(req) as DispositionBody;
          const answer = body as DispositionAnswer;
          // The campaign's own codes, matched ignoring case, in their configured spelling, each once.
          const codes = [
            ...new Set(sent.codes.map((c) => CAMPAIGN_CODES.find((k) => k.toLowerCase() === c.trim().toLowerCase()))),
          ];
          expect(codes, what(req)).not.toContain(undefined);
          expect(answer.attemptId, what(req)).toBe(p.attemptId);
          expect(answer.codes, what(req)).toEqual(codes);
          const stored = JSON.parse((await attempt(p.attemptId!)).disposition!) as AttemptDisposition;
          const callbackAt =
            sent.callbackAt === undefined ? null : new Date(Date.parse(sent.callbackAt.trim())).toISOString();
          expect(stored, what(req)).toEqual({
            codes,
            notes: sent.notes?.trim() || null,
            at: new Date(t().clock.now()).toISOString(),
            by: p.agent.id,
            callbackAt,
            doNotCall: sent.doNotCall === true,
          });
          expect(answer.callback?.at ?? null, what(req)).toBe(callbackAt);
          expect(answer.doNotCall !== null, what(req)).toBe(sent.doNotCall === true);
          // In wrap-up the disposition ends it; on the call the agent stays on it.
          const wrapUp = p.before.state === 'WrapUp';
          if (!wrapUp) expect(answer.callback?.result ?? 'after-call', what(req)).toBe('after-call');
          await expectAgentNow(
            p,
            undefined,
            wrapUp ? { state: 'Available', work: null } : { state: 'OnCall', work: p.before.work },
            what(req),
          );
        },
        WORK_RUNS,
      );
    },
    TIMEOUT,
  );

  it(
    'GET /events refuses a bad Last-Event-ID (header or query) or credential, and opens no stream',
    async () => {
      // Header values an HTTP client can send (Latin-1, no controls) that are not an event id.
      const badId = fc
        .oneof(
          hostileString({ long: false }),
          fc.constantFrom('', '-1', '1.5', '1e3', '0x10', '１', '1234567890123456', `${'9'.repeat(16)}`, 'abc', '1 2'),
          fc.stringMatching(/^\d{16,40}$/),
        )
        .filter((s) => /^[\x21-\x7e\x80-\xff]([\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$|^$/.test(s))
        .filter((s) => !/^\d{1,15}$/.test(s));
      const goodId = fc.stringMatching(/^\d{1,15}$/);
      const arb = fc
        .oneof(
          // A bad header, whatever the query.
          fc.tuple(badId, fc.option(fc.oneof(goodId, badId)), fc.constant(false)),
          // A bad query, and no header or a good one.
          fc.tuple(fc.option(goodId), badId, fc.constant(false)),
          // Good or no ids but a credential that is not the agent's: refused before any stream.
          fc.tuple(fc.option(goodId), fc.option(goodId), fc.constant(true)),
        )
        .chain(([header, query, badCredential]) =>
          fc
            .constantFrom({}, { authorization: `Bearer ${CRED}x` }, { authorization: 'Bearer ' }, adminBearer, {
              authorization: `Bearer ${fx.removedCredential}`,
            })
            .map((auth) => ({
              method: 'GET',
              url: `/agent/v1/events${query === null ? '' : queryString({ lastEventId: query }, 'keep')}`,
              headers: {
                ...(badCredential ? auth : { authorization: `Bearer ${CRED}` }),
                ...(header === null ? {} : { 'last-event-id': header }),
              } as Record<string, string>,
              badCredential,
            })),
        );
      await fc.assert(
        fc.asyncProperty(arb, async ({ badCredential, ...generated }) => {
          const req = bind(generated, { agent: fx.desk, before: undefined as never });
          const res = await inject(t().app, req);
          expectAnswer(req, res);
          const body = res.json<{ errors: { field?: string }[] }>();
          if (badCredential) expect(res.statusCode, `${describeRequest(req)} -> ${res.body}`).toBe(401);
          else {
            expect(res.statusCode, `${describeRequest(req)} -> ${res.body}`).toBe(400);
            expect(['Last-Event-ID', 'lastEventId'], res.body).toContain(body.errors[0]!.field);
          }
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------------
  // Admin agents API

  const adminAuth = (): fc.Arbitrary<Record<string, string>> =>
    fc.oneof(
      { weight: 25, arbitrary: fc.constant<Record<string, string>>(adminBearer) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Record<string, string>>(
          {},
          { authorization: 'Bearer wrong-admin-token-0123456789ab' },
          { auth: ADMIN_TOKEN },
          { authorization: t().tenant.token },
        ),
      },
    );

  function adminRequest(
    method: string,
    path: fc.Arbitrary<string>,
    query: fc.Arbitrary<unknown>,
    body?: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(path, query, adminAuth(), body ? bodyOf(body) : fc.constant({}))
      .map(([p, q, headers, part]) => withBody({ method, url: `/admin/v1${p}${queryString(q)}`, headers }, part));
  }

  /** The tenant mostly; sometimes the other tenant's bot, or the main bot under the other account. */
  const tenantHints = () => ({
    accountId: fc.oneof(
      { weight: 8, arbitrary: fc.constant(t().tenant.accountId) },
      { weight: 1, arbitrary: fc.constant(fx.other.accountId) },
    ),
    iid: fc.oneof(
      { weight: 8, arbitrary: fc.constant(t().tenant.iid) },
      { weight: 1, arbitrary: fc.constant(fx.other.iid) },
    ),
  });
  const tenantQuery = () =>
    arbitraryOf(Type.Object({ accountId: Type.String(), iid: Type.String() }), { hints: tenantHints() });

  /** Queue names as sent: any spelling of the tenant's queues, or one it does not have. */
  const queueNames = () =>
    fc.oneof(
      {
        weight: 15,
        arbitrary: fc.constantFrom(...fx.queues.flatMap((q) => [q, q.toLowerCase(), ` ${q.toUpperCase()} `])),
      },
      { weight: 1, arbitrary: fc.constantFrom('No Such Queue', '') },
    );
  const agentTextHints = () => ({
    name: freshName(100),
    externalId: fc.oneof(freshName(100), fc.constantFrom('crm-taken', ' crm-taken ', ' ')),
    extension: fc.oneof(text(1, 40), fc.constantFrom('1042', 'sip:ann@example.com', ' 7 ')),
    'queues[]': queueNames(),
  });

  /** The queues an agent is in, given the names sent: the stored names of the distinct queues, by name. */
  const queuesAsStored = (sent: readonly string[]) =>
    [...new Set(sent.map((n) => fx.queues.find((q) => q.toLowerCase() === n.trim().toLowerCase())!))].sort((a, b) =>
      a.toLowerCase() < b.toLowerCase() ? -1 : 1,
    );
  const optionalText = (v: string | null | undefined) => (v == null ? null : v.trim() || null);

  it(
    'POST /agents',
    async () => {
      const body = arbitraryOf(CreateAgentBody, { hints: { ...tenantHints(), ...agentTextHints() } });
      await property(adminRequest('POST', fc.constant('/agents'), noQuery(), body), async (req, body) => {
        const sent = sentBody(req) as CreateAgentBody;
        const agent = body as AgentWithCredential;
        expect(agent, what(req)).toEqual({
          id: expect.stringMatching(/^ag-/),
          accountId: sent.accountId,
          iid: sent.iid,
          name: sent.name.trim(),
          externalId: optionalText(sent.externalId),
          extension: optionalText(sent.extension),
          queues: expect.any(Array),
          state: 'Offline',
          reason: null,
          since: new Date(t().clock.now()).toISOString(),
          present: false,
          work: null,
          createdAt: new Date(t().clock.now()).toISOString(),
          credential: expect.stringMatching(new RegExp(`^${agent.id}\\.`)),
        });
        if (sent.iid === t().tenant.iid)
          expect(sorted(agent.queues), what(req)).toEqual(sorted(queuesAsStored(sent.queues)));
        const { credential, ...shown } = agent;
        const got = await admin('GET', `/agents/${agent.id}?accountId=${sent.accountId}&iid=${sent.iid}`);
        expect(got.json(), what(req)).toEqual(shown);
        // The credential works on the agent API, and nothing stores it in the clear.
        const mine = await t().app.inject({
          method: 'GET',
          url: '/agent/v1/me',
          headers: { authorization: `Bearer ${credential}` },
        });
        expect(mine.json(), what(req)).toEqual(shown);
        expect(JSON.stringify(await fx.h.row({ ...fx.desk, id: agent.id })), what(req)).not.toContain(credential);
      });
    },
    TIMEOUT,
  );

  it(
    'GET /agents',
    async () => {
      await property(adminRequest('GET', fc.constant('/agents'), tenantQuery()), async (req, body) => {
        const { results } = body as { results: Agent[] };
        const q = queryOf(req);
        for (const a of results) expect([a.accountId, a.iid], what(req)).toEqual([q.get('accountId'), q.get('iid')]);
        const ids = results.map((a) => a.id);
        if (q.get('iid') === t().tenant.iid)
          for (const a of [fx.desk, fx.offers, fx.caller]) expect(ids).toContain(a.id);
        else expect(ids, what(req)).toContain(fx.foreign.id);
      });
    },
    TIMEOUT,
  );

  it(
    'GET /agents/:agentId',
    async () => {
      const path = pathSegment([fx.desk.id, fx.caller.id, fx.foreign.id]).map((id) => `/agents/${id}`);
      await property(adminRequest('GET', path, tenantQuery()), async (req, body) => {
        // An empty id leaves `/agents/`: the list, a trailing `/` being ignored.
        if (new URL(req.url, 'http://x').pathname === '/admin/v1/agents/') {
          expect(Object.keys(body as object), what(req)).toEqual(['results']);
          return;
        }
        const agent = body as Agent;
        expect(req.url, what(req)).toContain(`/agents/${agent.id}?`);
        expect(agent.iid, what(req)).toBe(queryOf(req).get('iid'));
        expect(agent, what(req)).toEqual(await desk().me(agent.id));
      });
    },
    TIMEOUT,
  );

  it(
    'PATCH /agents/:agentId',
    async () => {
      const body = arbitraryOf(UpdateAgentBody, {
        hints: {
          ...tenantHints(),
          ...agentTextHints(),
          externalId: fc.oneof(freshName(100), fc.constantFrom('crm-taken', ' crm-patched ', ' ', null)),
          extension: fc.oneof(text(1, 40), fc.constantFrom('1042', ' ', null)),
        },
      });
      const path = pathSegment([fx.patched.id, fx.patched.id, fx.patched.id, fx.foreign.id]).map(
        (id) => `/agents/${id}`,
      );
      let previous = await adminAgent(fx.patched.id);
      await property(adminRequest('PATCH', path, noQuery(), body), async (req, answer) => {
        const sent = sentBody(req) as UpdateAgentBody;
        const { credential, ...agent } = answer as Agent & { credential?: string };
        expect(agent.id, what(req)).toBe(fx.patched.id);
        expect(agent, what(req)).toEqual({
          ...previous,
          name: sent.name === undefined ? previous.name : sent.name.trim(),
          externalId: sent.externalId === undefined ? previous.externalId : optionalText(sent.externalId),
          extension: sent.extension === undefined ? previous.extension : optionalText(sent.extension),
          queues: sent.queues === undefined ? previous.queues : queuesAsStored(sent.queues),
        });
        expect(await adminAgent(agent.id), what(req)).toEqual(agent);
        previous = agent;
        // A reset credential replaces the old one at once.
        expect(credential !== undefined, what(req)).toBe(sent.resetCredential === true);
        const meWith = (c: string) =>
          t().app.inject({ method: 'GET', url: '/agent/v1/me', headers: { authorization: `Bearer ${c}` } });
        if (credential !== undefined) {
          expectEnvelope(await meWith(fx.patched.credential), 401);
          fx.patched = { ...fx.patched, credential };
        }
        expect((await meWith(fx.patched.credential)).json(), what(req)).toEqual(agent);
      });
    },
    TIMEOUT,
  );

  it(
    'DELETE /agents/:agentId',
    async () => {
      let n = 0;
      const path = fc
        .oneof({ weight: 3, arbitrary: fc.constant(FRESH) }, { weight: 1, arbitrary: pathSegment([fx.foreign.id]) })
        .map((id) => `/agents/${id}`);
      // The other tenant's agent under its own tenant would be removed: it stays, named only under the main one.
      const arb = adminRequest('DELETE', path, tenantQuery()).filter(
        (r) => !(r.url.includes(fx.foreign.id) && queryOf(r).get('iid') === fx.other.iid),
      );
      await fc.assert(
        fc.asyncProperty(arb, async (generated) => {
          // Deletes only what this case created: the shared fixtures stay.
          let fresh: AgentWithCredential | undefined;
          let req = generated;
          if (generated.url.includes(FRESH)) {
            const { accountId, iid } = t().tenant;
            fresh = await t().services.agentAdmin.create({
              accountId,
              iid,
              name: `Fuzz delete ${++n}`,
              queues: ['Fuzz Desk'],
            });
            req = { ...generated, url: generated.url.replace(FRESH, fresh.id) };
          }
          await checkAgents(req, async (r, body) => {
            const removed = body as Agent;
            expect(removed.id, what(r)).toBe(fresh?.id);
            const { credential, ...shown } = fresh!;
            expect(removed, what(r)).toEqual(shown);
            expectEnvelope(await admin('GET', `/agents/${removed.id}?${tq()}`), 404);
            const mine = await t().app.inject({
              method: 'GET',
              url: '/agent/v1/me',
              headers: { authorization: `Bearer ${credential}` },
            });
            expectEnvelope(mine, 401);
          });
        }),
        fuzzParams(RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'GET /agents/:agentId/history',
    async () => {
      const when = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.constantFrom(
            '2026-06-01T00:00:00Z',
            '2026-06-01T12:00:00.000Z',
            '2026-06-01T14:00:00+02:00',
            '2026-06-02',
            '2026-05-31',
            ' 2026-06-01T13:00:00Z ',
            '2026-06-01T12:00:00',
          ),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom('2026-02-31', 'yesterday', '1969-12-31T00:00:00Z', '', '2026-06-01T25:00Z'),
        },
      );
      const query = arbitraryOf(AgentHistoryQuery, { hints: { ...tenantHints(), from: when, to: when } });
      const path = pathSegment([fx.desk.id, fx.caller.id, fx.foreign.id]).map((id) => `/agents/${id}/history`);
      await property(adminRequest('GET', path, query), async (req, body) => {
        const history = body as AgentHistory;
        expect(req.url, what(req)).toContain(`/agents/${history.agentId}/history`);
        const q = queryOf(req);
        const to = q.has('to') ? Date.parse(q.get('to')!.trim()) : t().clock.now() + 1;
        const from = q.has('from') ? Date.parse(q.get('from')!.trim()) : to - 86_400_000;
        for (const r of history.results) {
          expect(Date.parse(r.at), what(req)).toBeGreaterThanOrEqual(from);
          expect(Date.parse(r.at), what(req)).toBeLessThanOrEqual(to);
        }
        const ats = history.results.map((r) => Date.parse(r.at));
        expect(ats, what(req)).toEqual([...ats].sort((a, b) => a - b));
      });
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------------
  // Kore's agent routes

  const primary = '/agentassist/api/v1/public/';
  const prefix = () =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(primary) },
      { weight: 1, arbitrary: fc.constantFrom(...KORE_PREFIXES.map((p) => p.prefix.replace(':iid', ''))) },
    );
  const accountParam = () =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant({}) },
      { weight: 2, arbitrary: fc.constant({ accountId: t().tenant.accountId }) },
      { weight: 1, arbitrary: hostileString({ long: false }).map((accountId) => ({ accountId })) },
    );
  const iid = () =>
    fc.oneof({ weight: 15, arbitrary: fc.constant(t().tenant.iid) }, { weight: 1, arbitrary: pathSegment([]) });

  function koreRequest(
    method: string,
    path: fc.Arbitrary<string>,
    body?: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<FuzzRequest> {
    return fc
      .tuple(prefix(), iid(), path, accountParam(), body ? bodyOf(body) : fc.constant({}))
      .map(([b, i, p, account, part]) =>
        withBody({ method, url: `${b}${i}${p}${queryString(account)}`, headers: t().headers() }, part),
      );
  }

  for (const method of ['POST', 'GET'] as const) {
    it(
      `${method} …/campaign/agents/:agentId/info`,
      async () => {
        const path = pathSegment([fx.desk.id, fx.caller.id, fx.foreign.id]).map((id) => `/campaign/agents/${id}/info`);
        const arb = koreRequest(method, path, method === 'POST' ? arbitraryOf(Type.Unknown()) : undefined);
        await property(arb, async (req, body) => {
          const { data } = body as { data: KoreAgent };
          expect(req.url, what(req)).toContain(`/campaign/agents/${data.id}/info`);
          const a = await adminAgent(data.id);
          expect(data, what(req)).toEqual({
            _id: a.id,
            id: a.id,
            name: a.name,
            externalId: a.externalId,
            extension: a.extension,
            queues: a.queues,
            status: a.state,
            reason: a.reason,
            since: a.since,
            present: a.present,
            work: a.work,
            createdAt: a.createdAt,
          });
        });
      },
      TIMEOUT,
    );
  }

  it(
    'POST …/campaign/agents/:agentId/status',
    async () => {
      const body = fc.oneof(
        {
          weight: 6,
          arbitrary: arbitraryOf(KoreAgentStatusBody, { hints: { status: stateSpellings, reason: reasons } }),
        },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const path = fc
        .oneof({ weight: 8, arbitrary: fc.constant(AGENT) }, { weight: 2, arbitrary: pathSegment([fx.foreign.id]) })
        .map((id) => `/campaign/agents/${id}/status`);
      const arb = fc.tuple(anyStart(), koreRequest('POST', path, body));
      await agentProperty(
        arb.map(([start, req]) => ({ start, req })),
        (p) => async (req, answer) => {
          const sent = (sentBody(req) ?? {}) as KoreAgentStatusBody;
          const { data } = answer as { data: KoreAgentStatus };
          const now = await me(p.agent);
          expect(data, what(req)).toEqual({
            agentId: now.id,
            status: now.state,
            reason: now.reason,
            since: now.since,
            present: now.present,
          });
          const to = askedState(sent.status);
          if (sent.status === undefined) {
            expect(now, what(req)).toEqual(p.before);
            return;
          }
          expect(to, what(req)).toBeDefined();
          expect(p.before.state, what(req)).not.toBe('OnCall');
          if (to === 'Offline') {
            // Offline: why, as given, else `supervisor`.
            const reason = p.before.state === 'Offline' ? p.before.reason : sent.reason?.trim() || 'supervisor';
            expect(now, what(req)).toMatchObject({ state: 'Offline', reason, work: null });
          } else if (p.offerId && to === 'Available') {
            expect(now, what(req)).toMatchObject({ state: 'Reserved', work: p.before.work });
          } else {
            expect(p.before.state, what(req)).not.toBe('Offline');
            const reason = to === 'NotReady' ? reasonOf(sent.reason) : null;
            expect(now, what(req)).toMatchObject({ state: to, reason, work: null });
          }
        },
      );
    },
    TIMEOUT,
  );

  for (const method of ['POST', 'GET'] as const) {
    it(
      `${method} …/campaign/:campId/dispositions`,
      async () => {
        const path = pathSegment([fx.progressive.id, fx.preview.id, fx.agentless]).map(
          (id) => `/campaign/${id}/dispositions`,
        );
        const arb = koreRequest(method, path, method === 'POST' ? arbitraryOf(Type.Unknown()) : undefined);
        await property(arb, async (req, body) => {
          const { data } = body as { data: { campaignId: string; dispositionCodes: string[]; source: string } };
          expect(req.url, what(req)).toContain(`/campaign/${data.campaignId}/dispositions`);
          expect(data, what(req)).toEqual(
            data.campaignId === fx.progressive.id
              ? { campaignId: data.campaignId, dispositionCodes: CAMPAIGN_CODES, source: 'campaign' }
              : { campaignId: data.campaignId, dispositionCodes: BOT_CODES, source: 'bot' },
          );
        });
      },
      TIMEOUT,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Limits

  it(
    'NUL or a lone surrogate in a body field is refused with a 400 naming the field',
    async () => {
      const { accountId, iid: bot } = t().tenant;
      const tenantBody = { accountId, iid: bot };
      // [method, url, body with the bad value at `field`, field]
      const cases: [string, string, (bad: string) => unknown, string][] = [
        ['POST', '/admin/v1/agents', (b) => ({ ...tenantBody, name: b, queues: ['Fuzz Desk'] }), 'name'],
        ['POST', '/admin/v1/agents', (b) => ({ ...tenantBody, name: 'x', queues: ['Fuzz Desk', b] }), 'queues[1]'],
        [
          'POST',
          '/admin/v1/agents',
          (b) => ({ ...tenantBody, name: 'x', queues: ['Fuzz Desk'], externalId: b }),
          'externalId',
        ],
        [
          'POST',
          '/admin/v1/agents',
          (b) => ({ ...tenantBody, name: 'x', queues: ['Fuzz Desk'], extension: b }),
          'extension',
        ],
        [
          'POST',
          '/admin/v1/agents',
          (b) => ({ accountId: b, iid: bot, name: 'x', queues: ['Fuzz Desk'] }),
          'accountId',
        ],
        ['PATCH', `/admin/v1/agents/${fx.desk.id}`, (b) => ({ ...tenantBody, name: b }), 'name'],
        ['PATCH', `/admin/v1/agents/${fx.desk.id}`, (b) => ({ ...tenantBody, iid: b }), 'iid'],
        ['POST', '/agent/v1/login', (b) => ({ state: 'NotReady', reason: b }), 'reason'],
        ['POST', '/agent/v1/state', (b) => ({ state: b }), 'state'],
        ['POST', '/agent/v1/state', (b) => ({ state: 'NotReady', reason: b }), 'reason'],
        ['POST', `/agent/v1/calls/${ATTEMPT}/disposition`, (b) => ({ codes: ['Interested', b] }), 'codes[1]'],
        ['POST', `/agent/v1/calls/${ATTEMPT}/disposition`, (b) => ({ codes: ['Interested'], notes: b }), 'notes'],
        [
          'POST',
          `/agent/v1/calls/${ATTEMPT}/disposition`,
          (b) => ({ codes: ['Interested'], callbackAt: b }),
          'callbackAt',
        ],
        ['POST', `${primary}${bot}/campaign/agents/${fx.desk.id}/status`, (b) => ({ status: b }), 'status'],
        [
          'POST',
          `${primary}${bot}/campaign/agents/${fx.desk.id}/status`,
          (b) => ({ status: 'NotReady', reason: b }),
          'reason',
        ],
      ];
      const bad = fc
        .tuple(
          text(0, 6),
          fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800'),
          text(0, 6),
        )
        .map(([a, s, b]) => a + s + b);
      const arb = fc.tuple(fc.constantFrom(...cases), bad).map(([[method, url, body, field], b]) => ({
        field,
        req: {
          method,
          url,
          headers: {
            'content-type': 'application/json',
            ...(url.startsWith('/admin/')
              ? adminBearer
              : url.startsWith('/agent/')
                ? { authorization: `Bearer ${CRED}` }
                : t().headers()),
          },
          body: body(b),
        } satisfies FuzzRequest,
      }));
      await settle(fx.desk, 'NotReady');
      const p: Prepared = { agent: fx.desk, attemptId: 'att-none', before: await me(fx.desk) };
      await fc.assert(
        fc.asyncProperty(arb, async ({ field, req }) => {
          const bound = bind(req, p);
          const res = await checkAgents(bound);
          const env = expectEnvelope(res, 400);
          expect(env.errors[0], `${describeRequest(bound)} -> ${res.body}`).toMatchObject({ field });
        }),
        fuzzParams(WORK_RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'a percent-encoded lone surrogate in the query is refused with a 400, as a NUL is',
    async () => {
      const { accountId, iid: bot } = t().tenant;
      const bases: FuzzRequest[] = [
        { method: 'GET', url: `/agent/v1/me?x=1`, headers: { authorization: `Bearer ${fx.desk.credential}` } },
        { method: 'GET', url: `/admin/v1/agents?${tq()}`, headers: adminBearer },
        { method: 'GET', url: `/admin/v1/agents/${fx.desk.id}?${tq()}`, headers: adminBearer },
        { method: 'GET', url: `/admin/v1/agents/${fx.desk.id}/history?${tq()}&from=2026-06-01`, headers: adminBearer },
        {
          method: 'GET',
          url: `${primary}${bot}/campaign/agents/${fx.desk.id}/info?accountId=${accountId}`,
          headers: t().headers(),
        },
        { method: 'GET', url: `${primary}${bot}/campaign/${fx.progressive.id}/dispositions`, headers: t().headers() },
      ];
      for (const b of bases) expect((await inject(t().app, b)).statusCode, describeRequest(b)).toBe(200);
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
      const { iid: bot } = t().tenant;
      const kore = (path: string) => `${primary}${bot}${path}`;
      const routes: [string, (id: string) => string][] = [
        ['POST', (id) => `/agent/v1/offers/${id}/accept`],
        ['POST', (id) => `/agent/v1/offers/${id}/skip`],
        ['POST', (id) => `/agent/v1/calls/${id}/end`],
        ['POST', (id) => `/agent/v1/calls/${id}/disposition`],
        ['GET', (id) => `/admin/v1/agents/${id}?${tq()}`],
        ['PATCH', (id) => `/admin/v1/agents/${id}`],
        ['DELETE', (id) => `/admin/v1/agents/${id}?${tq()}`],
        ['GET', (id) => `/admin/v1/agents/${id}/history?${tq()}`],
        ['POST', (id) => kore(`/campaign/agents/${id}/info`)],
        ['GET', (id) => kore(`/campaign/agents/${id}/info`)],
        ['POST', (id) => kore(`/campaign/agents/${id}/status`)],
        ['POST', (id) => kore(`/campaign/${id}/dispositions`)],
        ['GET', (id) => kore(`/campaign/${id}/dispositions`)],
        ['GET', (id) => `${primary}${id}/campaign/agents/${fx.desk.id}/info`],
      ];
      const arb = fc
        .tuple(fc.constantFrom(...routes), fc.integer({ min: 257, max: 2048 }), fc.constantFrom('x', 'ag-', '9'))
        .map(([[method, path], n, c]) => {
          const url = path(c.repeat(Math.ceil(n / c.length)).slice(0, n));
          return {
            method,
            url,
            headers: {
              ...(url.startsWith('/admin/')
                ? adminBearer
                : url.startsWith('/agent/')
                  ? { authorization: `Bearer ${fx.desk.credential}` }
                  : t().headers()),
              'content-type': 'application/json',
            },
            ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
          };
        });
      await fc.assert(
        fc.asyncProperty(arb, async (req) => {
          expectEnvelope(await inject(t().app, req), 414);
        }),
        fuzzParams(40),
      );
    },
    TIMEOUT,
  );
});
