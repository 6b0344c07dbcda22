/**
 * The agent's desk (docs/console.md, "Agent desk") in Chromium against a real server: a Preview
 * campaign set up through the admin and Kore APIs, then an agent signs in with their credential,
 * goes Available, skips the first offer and accepts the next (reloading the page mid-offer and
 * mid-call: the desk comes back as it was), sees the call connect, ends it and gives a disposition
 * in wrap-up; the Kore contacts view then shows that disposition.
 *
 * The server's simulated network places the agent's calls: each outcome is drawn from the attempt's
 * id, so some calls are not answered (the agent is then offered the next contact and accepts again).
 * SIMULATOR_SPEED 0.4 shortens the rings; an answered call talks until the agent ends it (SIMULATOR_TALK_SEC
 * 600 s scaled to 240 s), so every step of the call is seen however slow the machine.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createCampaigndClient, type CampaigndClient } from '../../src/client/index.js';
import { useBrowser, useConsoleServer } from './support/browser.js';

const server = useConsoleServer({
  env: { SIMULATOR_SPEED: '0.4', SIMULATOR_TALK_SEC: '600', ENGINE_TICK_MS: '250' },
});
const KORE = '/agentassist/api/v1/public/{iid}' as const;
const CODES = ['Sale', 'Not interested', 'Call back later'];

/** Fictitious numbers (555-01xx), each with a name the desk shows. */
const CONTACTS = Array.from({ length: 8 }, (_, i) => ({
  phoneNumber: `+1415555${String(110 + i).padStart(4, '0')}`,
  firstName: `Contact${i + 1}`,
  lastName: 'Desk',
  plan: i % 2 === 0 ? 'Gold' : 'Silver',
}));

interface Setup {
  kore: CampaigndClient;
  credential: string;
  campaignId: string;
}

/** A queue, an agent on it, a list of CONTACTS and a played Preview campaign, all through the APIs. */
async function setUp(): Promise<Setup> {
  const { baseUrl, adminToken, tenant } = server();
  const { accountId, iid, clientId: appId, clientSecret } = tenant;
  const admin = createCampaigndClient({ baseUrl, adminToken });
  const kore = createCampaigndClient({ baseUrl, kore: { appId, clientSecret, accountId } });
  const path = { iid };

  const queue = await admin.POST('/admin/v1/queues', { body: { accountId, iid, name: 'Desk Queue' } });
  expect(queue.error, JSON.stringify(queue.error)).toBeUndefined();
  const agent = await admin.POST('/admin/v1/agents', {
    body: { accountId, iid, name: 'Dana Desk', queues: ['Desk Queue'] },
  });
  expect(agent.error, JSON.stringify(agent.error)).toBeUndefined();

  const list = await kore.POST(`${KORE}/campaign/contactList/createContactList`, {
    params: { path },
    body: { name: 'Desk contacts' },
  });
  expect(list.error, JSON.stringify(list.error)).toBeUndefined();
  const added = await kore.POST(`${KORE}/campaign/contactList/addContacts`, {
    params: { path },
    body: { contact_list_name: 'Desk contacts', data: CONTACTS },
  });
  expect(added.error, JSON.stringify(added.error)).toBeUndefined();
  const importId = added.data!.importId;
  await expect
    .poll(async () => (await admin.GET('/admin/v1/imports/{id}', { params: { path: { id: importId } } })).data, {
      timeout: 20_000,
    })
    .toMatchObject({ status: 'completed', imported: CONTACTS.length });

  const created = await kore.POST(`${KORE}/campaign`, {
    params: { path, query: { campaignType: 'voice' } },
    body: {
      name: 'Desk Preview',
      contactLists: ['Desk contacts'],
      priority: '5',
      campaignType: 'voice',
      dialingMode: 'Preview',
      queue_name: 'Desk Queue',
      maxSkips: 1,
      agentSettings: {
        dispositionCodes: CODES,
        wrapUpSec: 600,
        previewTimeoutSec: 300,
        previewTimeoutAction: 'requeue',
      },
      dialingStrategy: {
        callerId: { phoneNumber: '+15101234567' },
        callingHours: {
          frequency: 'DAILY',
          timezone: 'UTC',
          days: [{ day: 'MO', start: '12:00 AM', end: '11:59 PM' }],
        },
        dialingOrder: 'FIFO',
        maxAttemptsPerRecord: 1,
        defaultRetryPeriod: 10,
        maxRingTime: 30,
      },
      schedule: { isSchedulingEnabled: false },
      enableMachineDetect: false,
    },
  });
  expect(created.error, JSON.stringify(created.error)).toBeUndefined();
  const campaignId = created.data!.id;
  const played = await kore.POST(`${KORE}/campaign/{campaignId}`, {
    params: { path: { iid, campaignId }, query: { trigger: 'play' } },
    body: {},
  });
  expect(played.error, JSON.stringify(played.error)).toBeUndefined();
  return { kore, credential: agent.data!.credential, campaignId };
}

const offerHeading = (page: Page) => page.getByRole('heading', { name: 'Preview offer' });
const callRegion = (page: Page) => page.getByRole('region', { name: /^Call\b/ });
/** The first name of the contact on the offer or call card. */
async function shownFirstName(page: Page, region: ReturnType<typeof callRegion>): Promise<string> {
  const term = region.locator('dt', { hasText: /^First name$/ });
  return (await term.locator('xpath=following-sibling::dd[1]').textContent())!.trim();
}

/** Tomorrow at 10:30 in the browser's zone, as a datetime-local input takes it. */
function tomorrowLocal(): string {
  const d = new Date(Date.now() + 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T10:30`;
}

describe('agent desk in Chromium', () => {
  const browser = useBrowser();

  it('takes a Preview call from offer to disposition, surviving reloads', { timeout: 240_000 }, async () => {
    const { kore, credential, campaignId } = await setUp();
    const { page, problems, screenshot } = browser();
    const { baseUrl, tenant } = server();

    // Sign in as the agent with their own credential.
    await page.goto(`${baseUrl}/console/`);
    await page.getByRole('radio', { name: 'Agent' }).check();
    await page.getByLabel('Agent credential').fill(credential);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Agent desk' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('Dana Desk').isVisible()).toBe(true);
    await screenshot('signed-in');

    // Not ready with a reason, then Available.
    await page.getByLabel('Not ready reason').selectOption('Lunch');
    await page.getByRole('button', { name: 'Not ready' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Not ready (Lunch)' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Available' }).click();

    // The first offer: the contact's fields, a countdown, Accept and Skip.
    await expect.poll(() => offerHeading(page).isVisible(), { timeout: 20_000 }).toBe(true);
    const offer = page.getByRole('region', { name: 'Preview offer' });
    await expect.poll(() => offer.getByRole('timer').textContent()).toMatch(/^\d+:\d\d$/);
    const firstOffered = await shownFirstName(page, offer);
    expect(firstOffered).toBe('Contact1');
    expect(await offer.getByText('Gold').isVisible()).toBe(true);
    await screenshot('offer');

    // A reload mid-offer: the offer outlives the closed stream long enough (OFFER_RECONNECT_MS) for the
    // reloaded page to find it again, with its countdown.
    await page.reload();
    await expect.poll(() => offerHeading(page).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await offer.getByRole('timer').isVisible()).toBe(true);
    expect(await shownFirstName(page, offer)).toBe('Contact1');
    expect(await page.getByText(/was withdrawn/).count()).toBe(0);
    const skipped = await shownFirstName(page, offer);
    await screenshot('offer-after-reload');

    // Skip it (maxSkips 1: that contact is done); accept the next (and the next after any call nobody answered).
    await offer.getByRole('button', { name: 'Skip' }).click();
    const call = callRegion(page);
    let accepted = skipped;
    for (let i = 0; i < CONTACTS.length - 1; i++) {
      await expect
        .poll(async () => (await offerHeading(page).isVisible()) && (await shownFirstName(page, offer)) !== accepted, {
          timeout: 30_000,
        })
        .toBe(true);
      accepted = await shownFirstName(page, offer);
      expect(accepted).not.toBe(skipped);
      await offer.getByRole('button', { name: 'Accept' }).click();
      // Connected, or offered the next contact after no answer.
      await expect
        .poll(
          async () =>
            (await call.getByText(/^Connected$/).count()) > 0 ||
            ((await offerHeading(page).isVisible()) && (await shownFirstName(page, offer)) !== accepted),
          { timeout: 30_000 },
        )
        .toBe(true);
      if ((await call.count()) > 0) break;
    }
    expect(await call.count(), 'no call of the Preview campaign was answered').toBe(1);
    expect(await shownFirstName(page, call)).toBe(accepted);
    await screenshot('call-connected');
    // Readable on a narrow window: one column, nothing wider than the window.
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await screenshot('call-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });

    // A reload mid-call shows the same call.
    await page.reload();
    await expect.poll(() => call.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => shownFirstName(page, call)).toBe(accepted);

    // The agent ends the call, then wraps up with the campaign's codes.
    await call.getByRole('button', { name: 'End call' }).click();
    const wrapUp = page.getByRole('region', { name: 'Call Wrap-up' });
    await expect.poll(() => wrapUp.getByRole('checkbox', { name: 'Sale' }).isVisible(), { timeout: 30_000 }).toBe(true);
    for (const code of CODES) expect(await wrapUp.getByRole('checkbox', { name: code }).isVisible()).toBe(true);
    expect(await wrapUp.getByRole('timer').isVisible()).toBe(true);
    await screenshot('wrap-up');

    // Submitting without a code names the field first.
    await wrapUp.getByRole('button', { name: 'Submit disposition' }).click();
    await expect.poll(() => wrapUp.getByRole('alert').textContent()).toBe('Choose a disposition code');
    await wrapUp.getByRole('checkbox', { name: 'Sale' }).check();
    await wrapUp.getByLabel('Notes').fill('Bought the Gold plan');
    await wrapUp.getByLabel('Call back at').fill(tomorrowLocal());
    await wrapUp.getByRole('button', { name: 'Submit disposition' }).click();
    // The wrap-up is over: the desk says the disposition was saved (the next offer may already show).
    await expect
      .poll(() => page.getByText("Your last call's disposition was saved: Sale").isVisible(), { timeout: 20_000 })
      .toBe(true);
    expect(await page.getByRole('region', { name: 'Call Wrap-up' }).count()).toBe(0);
    await screenshot('disposed');

    // The Kore contacts view shows the disposition on the contact that was called.
    const phone = CONTACTS.find((c) => c.firstName === accepted)!.phoneNumber;
    await expect
      .poll(async () => {
        const res = await kore.POST(`${KORE}/campaign/{campaignId}/status`, {
          params: { path: { iid: tenant.iid, campaignId }, query: { view: 'contacts' } },
          body: { page: 1, limit: 100 },
        });
        const data = res.data?.data;
        const rows = data && 'results' in data ? data.results : [];
        // Kore's view writes the number without `+`.
        return rows.find((r) => r.phoneNumber.replace(/\D/g, '') === phone.replace(/\D/g, ''))?.agentDispositionCodes;
      })
      .toEqual(['Sale']);

    // Go Not ready so the engine offers this agent nothing more, and sign out.
    await page.getByRole('button', { name: 'Not ready' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Not ready/ })
          .count(),
      )
      .toBe(1);
    // The server goes away: the desk says the connection is lost, and comes back by itself.
    await server().stop();
    await expect
      .poll(() => page.getByText('Connection lost — reconnecting…').isVisible(), { timeout: 20_000 })
      .toBe(true);
    await screenshot('connection-lost');
    await server().start();
    await expect.poll(() => page.getByText('Connection lost — reconnecting…').count(), { timeout: 30_000 }).toBe(0);
    expect(
      await page
        .getByRole('status')
        .filter({ hasText: /^Not ready/ })
        .count(),
    ).toBe(1);
    // What the browser logged while the server was down (and only that) is expected.
    const down = (p: { text: string }) => /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET/.test(p.text);
    problems.splice(0, problems.length, ...problems.filter((p) => !down(p)));

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });
});
