/**
 * The demo tenant's agents: a queue of three agents (the ones `campaignd simulate agents` logs in)
 * and a list of fictitious numbers, seeded once, added to a tenant seeded by an older version, and
 * enough for the banner's Progressive campaign to put calls through to those agents.
 */
import { describe, expect, it } from 'vitest';
import {
  DEMO_KEY,
  demoBanner,
  demoProgressiveCampaign,
  type DemoTenant,
} from '../../src/domain/tenancy/demo-tenant.js';
import { KvRepo } from '../../src/storage/repos/kv-repo.js';
import { agentHarness } from '../support/agent-harness.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

/** Every number of 555-0100..0199 in each of the six area codes. */
const FICTITIOUS = /^\+1(212|312|415|512|617|702)5550(1\d\d)$/;

describe.each(DIALECTS)('demo tenant agents on %s', (dialect) => {
  const t = useTestApp(dialect);

  async function agentsPart(accountId: string, iid: string) {
    // Made at one instant of the test's clock: listed in id order, so sorted by name here.
    const agents = (await t().services.agentAdmin.list({ accountId, iid })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    const list = await t()
      .db.kysely.selectFrom('contact_lists')
      .select(['id', 'list_no', 'allow_duplicates'])
      .where('bot_id', '=', iid)
      .where('name', '=', 'Demo Agent Calls')
      .execute();
    const contacts = list[0]
      ? await t()
          .db.kysely.selectFrom('contacts')
          .select(['phone_e164', 'first_name', 'time_zone'])
          .where('list_no', '=', list[0].list_no)
          .execute()
      : [];
    const queues = await t()
      .db.kysely.selectFrom('queues')
      .select('name')
      .where('bot_id', '=', iid)
      .where('name', '=', 'Demo Queue')
      .execute();
    return { agents, list, contacts, queues };
  }

  it('adds the queue, its three agents and the fictitious list to a tenant seeded without them, once', async () => {
    // A demo tenant as an older version stored it: no agents' part.
    const { accountId, iid, clientId, clientSecret } = t().tenant;
    const old = {
      accountId,
      iid,
      clientId,
      clientSecret,
      contactList: 'Recent Buyers - Q2 2025',
      voiceFlow: 'Voice Survey Entry Flow',
      smsFlow: 'SMS Support Flow',
      queue: 'Default Queue',
      template: 'Payment Reminder Template',
    };
    const kv = new KvRepo(t().db.kysely, t().db.secrets);
    await kv.set(DEMO_KEY, JSON.stringify(old));
    expect((await agentsPart(accountId, iid)).queues).toEqual([]);

    const first = await t().services.demo.ensure();
    expect(first).toEqual({
      created: false,
      demo: { ...old, agentQueue: 'Demo Queue', agentCount: 3, agentList: 'Demo Agent Calls' },
    });
    expect(JSON.parse((await kv.get(DEMO_KEY))!)).toEqual(first.demo);
    const seeded = await agentsPart(accountId, iid);
    expect(seeded.queues).toHaveLength(1);
    expect(seeded.agents.map((a) => [a.name, a.externalId, a.queues, a.state])).toEqual([
      ['Sim Agent 1', 'sim:demo queue:1', ['Demo Queue'], 'Offline'],
      ['Sim Agent 2', 'sim:demo queue:2', ['Demo Queue'], 'Offline'],
      ['Sim Agent 3', 'sim:demo queue:3', ['Demo Queue'], 'Offline'],
    ]);
    expect(seeded.list).toHaveLength(1);
    expect(Number(seeded.list[0]!.allow_duplicates)).toBe(0);
    const phones = seeded.contacts.map((c) => c.phone_e164);
    expect(phones).toHaveLength(600);
    expect(new Set(phones).size).toBe(600);
    for (const p of phones) expect(p).toMatch(FICTITIOUS);
    expect(seeded.contacts.find((c) => c.phone_e164 === '+17025550142')).toMatchObject({
      time_zone: 'America/Los_Angeles',
    });
    expect(seeded.contacts.every((c) => c.first_name)).toBe(true);

    // Later starts change nothing.
    const again = await t().services.demo.ensure();
    expect(again).toEqual({ created: false, demo: first.demo });
    const after = await agentsPart(accountId, iid);
    expect(after.agents.map((a) => a.id)).toEqual(seeded.agents.map((a) => a.id));
    expect(after.contacts).toHaveLength(600);
    expect(after.queues).toHaveLength(1);

    // The banner names the queue and the command that logs exactly these agents in.
    const banner = demoBanner('http://127.0.0.1:3000', first.demo);
    expect(banner).toContain(
      `npx campaignd simulate agents --account-id ${accountId} --iid ${iid} --queue 'Demo Queue' --count 3 --handle-time 20s --url http://127.0.0.1:3000`,
    );
    expect(banner).toContain('"queue_name":"Demo Queue"');

    // The banner's Progressive campaign puts calls through to those agents.
    const h = agentHarness(t(), { queue: 'Demo Queue' });
    const agents = [];
    for (const a of seeded.agents) {
      const reset = await t().services.agentAdmin.update(a.id, { accountId, iid, resetCredential: true });
      agents.push({ id: a.id, name: a.name, credential: (reset as { credential: string }).credential });
    }
    for (const a of agents) await h.online(a);
    const created = await t().kore('POST', '/campaign?campaignType=voice', demoProgressiveCampaign(first.demo));
    expect(created.statusCode, created.body).toBe(200);
    const played = await t().kore('POST', `/campaign/${created.json().id}?trigger=play`, {});
    expect(played.statusCode, played.body).toBe(200);
    await h.tick();
    expect(h.phone.calls).toHaveLength(3);
    expect(h.phone.calls.map((c) => c.req.agent!.id).sort()).toEqual(agents.map((a) => a.id).sort());
    for (const c of h.phone.calls) expect(c.req.to).toMatch(FICTITIOUS);
  });

  it('seeds a new demo tenant with its agents’ part on the first start', async () => {
    await t().db.kysely.deleteFrom('kv').where('key', '=', DEMO_KEY).execute();
    const { demo, created } = await t().services.demo.ensure();
    expect(created).toBe(true);
    expect(demo).toMatchObject({ agentQueue: 'Demo Queue', agentCount: 3, agentList: 'Demo Agent Calls' });
    const part = await agentsPart(demo.accountId, demo.iid);
    expect(part.queues).toHaveLength(1);
    expect(part.agents.map((a) => a.name)).toEqual(['Sim Agent 1', 'Sim Agent 2', 'Sim Agent 3']);
    expect(part.contacts).toHaveLength(600);
    expect((await t().services.demo.ensure()).demo).toEqual(demo satisfies DemoTenant);
  });
});
