import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { signRequest } from '../../src/domain/telephony/signature.js';
import { WebhookProvider, type FetchLike } from '../../src/domain/telephony/webhook-provider.js';
import { DIALECTS } from '../support/test-db.js';
import { T0, useTestApp } from '../support/test-app.js';
import { addContacts, createCampaign, trigger } from '../support/engine-harness.js';

const SECRET = 'callback-secret-0123456789';

describe.each(DIALECTS)('webhook provider callbacks on %s', (dialect) => {
  const t = useTestApp(dialect);

  it('dials through the signed webhook and applies only verified callbacks, idempotently', async () => {
    t().clock.set(T0);
    const sent: { headers: Record<string, string>; body: string }[] = [];
    const fetch: FetchLike = async (_url, init) => {
      sent.push({ headers: init.headers, body: init.body });
      return { status: 202, text: async () => '' };
    };
    const provider = new WebhookProvider({
      url: 'http://provider.test/dial',
      secret: SECRET,
      clock: t().clock,
      sink: t().services.outcomes,
      fetch,
      retryDelaysMs: [],
    });
    const app = await buildApp({ config: t().config, db: t().db, clock: t().clock, services: t().services, provider });
    const l = await t().addList('Hook list');
    await addContacts(t(), l, [{ phone: '+15556000001' }]);
    const id = await createCampaign(t(), { name: 'Hook', contactLists: ['Hook list'] }, { maxAttemptsPerRecord: 2 });
    await trigger(t(), id, 'play');
    const engine = t().services.createEngine({
      provider,
      maxConcurrentCalls: 10,
      callsPerSecond: 10,
      leaseMs: 60_000,
      precall: null,
    });
    await engine.tick();
    expect(sent).toHaveLength(1);
    const attemptId = JSON.parse(sent[0]!.body).attemptId as string;
    expect(sent[0]!.headers['Idempotency-Key']).toBe(attemptId);

    const body = JSON.stringify({
      attemptId,
      outcome: 'completed',
      botSessionId: 'abcdefabcdefabcdefabcdef',
      botOutboundStatus: 'userHangUp',
    });
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/telephony/v1/callbacks',
        headers: { 'content-type': 'application/json', ...headers },
        payload: body,
      });
    const forged = await post({ 'X-Campaignd-Timestamp': String(T0 / 1000), 'X-Campaignd-Signature': 'sha256=00' });
    expect(forged.statusCode, forged.body).toBe(401);
    const rec = () =>
      t().db.kysely.selectFrom('dial_records').selectAll().where('campaign_id', '=', id).executeTakeFirstOrThrow();
    expect((await rec()).state).toBe('in_flight');

    const ok = await post(signRequest(SECRET, body, t().clock.now()));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await rec()).toMatchObject({
      state: 'done',
      final_outcome: 'completed',
      bot_session_id: 'abcdefabcdefabcdefabcdef',
      bot_outbound_status: 'userHangUp',
    });
    const again = await post(signRequest(SECRET, body, t().clock.now()));
    expect(again.json()).toMatchObject({ duplicate: true });
    const attempts = await t().db.kysely.selectFrom('attempts').selectAll().where('id', '=', attemptId).execute();
    expect(attempts.map((a) => a.outcome)).toEqual(['completed']);
    await app.close();
  });
});
