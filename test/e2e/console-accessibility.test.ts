/**
 * Issue 16's accessibility requirements, on every screen of the console in Chromium: "usable by
 * keyboard, labelled for screen readers (every control has an accessible name), readable at 1280×800
 * and on a narrow window; no layout that depends on a particular font".
 *
 * Each screen, in the state named, at 1280×800 and at 400×800 (support/accessibility.ts):
 * - axe-core with the WCAG 2.0/2.1 A and AA rules (and its best practices) finds nothing, of any impact;
 * - Tab reaches every control, in the reading order, and each stop has an accessible name (Chromium's
 *   accessibility tree) and a visible focus indicator;
 * - at 400 px the page does not scroll sideways (tables scroll in their own box), nor with a larger
 *   default font size and another font family.
 *
 * The data comes through the real APIs: the supervisor's screens on a server whose simulator answers
 * at once, the agent's desk on one where calls ring as real ones do (SIMULATOR_SPEED=1) and an answered
 * call talks ten minutes (SIMULATOR_TALK_SEC=600), so it is still on while its screen is checked.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createCampaigndClient, type CampaigndClient } from '../../src/client/index.js';
import {
  axeViolations,
  expectKeyboardUsable,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  horizontalOverflow,
  tabThrough,
} from './support/accessibility.js';
import {
  useBrowser,
  useConsoleServer,
  type BrowserSession,
  type ConsoleServer,
  type Problem,
} from './support/browser.js';

const KORE = '/agentassist/api/v1/public/{iid}' as const;
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 400, height: 800 };
const LIVE_TIMEOUT = 60_000;

/** Chromium logs every non-2xx fetch (a validation error, a bad sign-in) as a console error: expected here. */
const unexpected = (problems: Problem[]) =>
  problems.filter((p) => !(p.kind === 'console' && /Failed to load resource/.test(p.text)));

/**
 * The whole check of one screen in its current state: axe, the keyboard, at both widths; the narrow
 * width without sideways scrolling, also with a 20 px default font in another family.
 */
async function checkScreen(session: BrowserSession, name: string, mustReach: string[] = []): Promise<void> {
  const { page, screenshot } = session;
  for (const [label, size] of [
    ['1280', WIDE],
    ['400', NARROW],
  ] as const) {
    await page.setViewportSize(size);
    const screen = `${name} at ${label}px`;
    await expectNoAxeViolations(page, screen);
    const stops = await expectKeyboardUsable(page, screen);
    // (Tab reaches every control anyway; naming some of them shows the walk is not empty-handed.)
    expect(stops.map((s) => `${s.role} ${s.name}`)).toEqual(expect.arrayContaining(mustReach));
    if (size === NARROW) {
      await expectNoHorizontalScroll(page, screen);
      await page.evaluate(
        "document.documentElement.style.fontSize = '20px'; document.documentElement.style.fontFamily = 'monospace'",
      );
      try {
        await expectNoHorizontalScroll(page, `${screen} with a 20px monospace font`);
        await screenshot(`${name}-narrow-large-font`);
      } finally {
        await page.evaluate(
          "document.documentElement.style.fontSize = ''; document.documentElement.style.fontFamily = ''",
        );
      }
    }
    await screenshot(`${name}-${label}`);
  }
  await page.setViewportSize(WIDE);
}

function clients(s: ConsoleServer) {
  const { baseUrl, adminToken, tenant } = s;
  return {
    admin: createCampaigndClient({ baseUrl, adminToken }),
    kore: createCampaigndClient({
      baseUrl,
      kore: { appId: tenant.clientId, clientSecret: tenant.clientSecret, accountId: tenant.accountId },
    }),
    agent: (agentCredential: string) => createCampaigndClient({ baseUrl, agentCredential }),
    path: { iid: tenant.iid },
  };
}

/** A contact list with these contacts, once its import is done. */
async function makeList(s: ConsoleServer, name: string, data: Record<string, string>[]): Promise<void> {
  const { admin, kore, path } = clients(s);
  const list = await kore.POST(`${KORE}/campaign/contactList/createContactList`, { params: { path }, body: { name } });
  expect(list.error, JSON.stringify(list.error)).toBeUndefined();
  const added = await kore.POST(`${KORE}/campaign/contactList/addContacts`, {
    params: { path },
    body: { contact_list_name: name, data },
  });
  expect(added.error, JSON.stringify(added.error)).toBeUndefined();
  const importId = added.data!.importId;
  await expect
    .poll(async () => (await admin.GET('/admin/v1/imports/{id}', { params: { path: { id: importId } } })).data, {
      timeout: 20_000,
    })
    .toMatchObject({ status: 'completed', imported: data.length });
}

const allWeek = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'].map((day) => ({ day, start: '12:00 AM', end: '11:59 PM' }));

async function makeCampaign(
  kore: CampaigndClient,
  iid: string,
  body: { name: string; list: string; mode: 'Agentless' | 'Preview'; queue?: string },
): Promise<string> {
  const created = await kore.POST(`${KORE}/campaign`, {
    params: { path: { iid }, query: { campaignType: 'voice' } },
    body: {
      name: body.name,
      contactLists: [body.list],
      campaignType: 'voice',
      dialingMode: body.mode,
      ...(body.mode === 'Agentless'
        ? { experienceFlowName: 'Voice Survey Entry Flow' }
        : {
            queue_name: body.queue!,
            maxSkips: 1,
            agentSettings: {
              dispositionCodes: ['Sale', 'Not interested'],
              wrapUpSec: 600,
              previewTimeoutSec: 300,
              previewTimeoutAction: 'requeue',
            },
          }),
      dialingStrategy: {
        callerId: { phoneNumber: '+15101234567' },
        callingHours: { frequency: 'WEEKLY', timezone: 'UTC', days: allWeek },
        dialingOrder: 'FIFO',
        maxAttemptsPerRecord: 1,
        defaultRetryPeriod: 10,
        maxRingTime: 20,
      },
    },
  });
  expect(created.error, JSON.stringify(created.error)).toBeUndefined();
  return created.data!.id;
}

async function play(kore: CampaigndClient, iid: string, campaignId: string): Promise<void> {
  const played = await kore.POST(`${KORE}/campaign/{campaignId}`, {
    params: { path: { iid, campaignId }, query: { trigger: 'play' } },
    body: {},
  });
  expect(played.error, JSON.stringify(played.error)).toBeUndefined();
}

async function signInAsSupervisor(page: Page, s: ConsoleServer) {
  await page.getByLabel('Account id').fill(s.tenant.accountId);
  await page.getByLabel('Bot id (iid)').fill(s.tenant.iid);
  await page.getByLabel('App client id').fill(s.tenant.clientId);
  await page.getByLabel('App client secret').fill(s.tenant.clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
}

const browser = useBrowser();

describe('supervisor screens: axe, keyboard, narrow window, font', () => {
  const server = useConsoleServer({ env: { SIMULATOR_SPEED: '0', ENGINE_TICK_MS: '100' } });

  it('finds what it looks for (the checks themselves)', async () => {
    const { page, problems } = browser();
    await page.goto(`${server().baseUrl}/console/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // Outside the app's root, so Preact leaves them alone; styles through the CSSOM, as the CSP allows.
    await page.evaluate(`(() => {
      const faint = document.createElement('p');
      faint.textContent = 'Faint text';
      faint.style.color = '#bbbbbb';
      const unlabelled = document.createElement('input');
      const mute = document.createElement('div');
      mute.tabIndex = 0;
      mute.style.outline = 'none';
      const wide = document.createElement('div');
      wide.style.width = '900px';
      wide.textContent = 'wide';
      document.body.append(faint, unlabelled, mute, wide);
    })()`);
    await page.setViewportSize(NARROW);
    const ids = (await axeViolations(page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['color-contrast', 'label']));
    const walk = await tabThrough(page);
    const last = walk.stops.at(-1)!;
    expect(last).toMatchObject({ name: '', focusVisible: false });
    expect(walk.stops.find((s) => s.role === 'textbox' && s.name === '')).toBeDefined();
    expect(walk.stops.find((s) => s.role === 'button' && s.name === 'Sign in')?.focusVisible).toBe(true);
    expect(await horizontalOverflow(page)).toBeGreaterThan(400);
    // Putting axe into the page did not go against the console's Content-Security-Policy.
    expect(problems).toEqual([]);
  });

  it('passes on every supervisor screen', { timeout: 300_000 }, async () => {
    const s = server();
    const { admin, kore, agent, path } = clients(s);
    const { accountId, iid } = s.tenant;

    const session = browser();
    const { page, problems } = session;

    // Sign-in: the default (supervisor) form, then after a refused sign-in.
    await page.goto(`${s.baseUrl}/console/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await checkScreen(session, 'sign-in', [
      'radio Supervisor (app credentials)',
      'textbox Account id',
      'textbox App client secret',
      'button Sign in',
    ]);
    await page.getByLabel('Account id').fill(accountId);
    await page.getByLabel('Bot id (iid)').fill(iid);
    await page.getByLabel('App client id').fill(s.tenant.clientId);
    await page.getByLabel('App client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await checkScreen(session, 'sign-in-refused', ['button Sign in']);
    await signInAsSupervisor(page, s);

    // The empty campaigns list and contact lists, before there is anything.
    await page.getByText('No campaigns yet.').waitFor();
    await checkScreen(session, 'campaigns-empty', ['link New campaign']);
    await page.getByRole('link', { name: 'Contact lists', exact: true }).click();
    await page.getByText('No lists yet.').waitFor();
    await checkScreen(session, 'contact-lists-empty', ['textbox List name']);

    // A list, three campaigns (one run to Completed), and agents Available, Not ready and Offline.
    await makeList(s, 'A11y Buyers', [
      { phoneNumber: '+14155550401', firstName: 'Ada', uniqueId: 'a-1' },
      { phoneNumber: '+14155550402', firstName: 'Grace', uniqueId: 'a-2' },
      { phoneNumber: '+14155550403', firstName: 'Alan', uniqueId: 'a-3' },
    ]);
    const done = await makeCampaign(kore, iid, { name: 'A11y Survey', list: 'A11y Buyers', mode: 'Agentless' });
    await makeCampaign(kore, iid, { name: 'A11y Reminder', list: 'A11y Buyers', mode: 'Agentless' });
    await makeCampaign(kore, iid, {
      name: 'A11y Preview',
      list: 'A11y Buyers',
      mode: 'Preview',
      queue: 'Default Queue',
    });
    await play(kore, iid, done);
    await expect
      .poll(
        async () =>
          (await kore.GET(`${KORE}/campaign/{campaignId}`, { params: { path: { ...path, campaignId: done } } })).data
            ?.data.status,
        { timeout: LIVE_TIMEOUT },
      )
      .toBe('Completed');
    for (const [name, state] of [
      ['Ava Available', 'Available'],
      ['Nora NotReady', 'NotReady'],
      ['Otto Offline', 'Offline'],
    ] as const) {
      const made = await admin.POST('/admin/v1/agents', { body: { accountId, iid, name, queues: ['Default Queue'] } });
      expect(made.error, JSON.stringify(made.error)).toBeUndefined();
      if (state === 'Offline') continue;
      const login = await agent(made.data!.credential).POST('/agent/v1/login', {
        body: state === 'NotReady' ? { state, reason: 'Break' } : {},
      });
      expect(login.error, JSON.stringify(login.error)).toBeUndefined();
    }

    // Campaigns list, with its three campaigns and the finished one's progress.
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('progressbar', { name: 'Progress of A11y Survey' }).waitFor();
    await page.getByRole('link', { name: 'A11y Preview', exact: true }).waitFor();
    await checkScreen(session, 'campaigns', [
      'link New campaign',
      'region Campaigns table',
      'link A11y Survey',
      'button Play A11y Reminder',
      'link Edit A11y Reminder',
      'button Delete A11y Preview',
      'button Sign out',
    ]);

    // The campaign form, empty and after the API's validation errors.
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByRole('button', { name: 'Create campaign' }).waitFor();
    await checkScreen(session, 'campaign-form', ['textbox Name', 'checkbox Monday', 'button Create campaign']);
    await page.getByLabel('Name', { exact: true }).fill('A11y Bad');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    await checkScreen(session, 'campaign-form-errors', ['textbox Time zone', 'button Create campaign']);

    // The finished campaign: progress, chart, contacts; then a contact's explanation.
    await page.goto(`${s.baseUrl}/console/#/campaigns/${done}`);
    await page.getByRole('heading', { name: 'A11y Survey', level: 1 }).waitFor();
    await page.getByText('3 of 3 contacts finished').waitFor({ timeout: LIVE_TIMEOUT });
    await page
      .getByRole('img', { name: /Chart of attempts/ })
      .locator('canvas')
      .waitFor();
    await page
      .getByRole('button', { name: /^Explain / })
      .first()
      .waitFor();
    await checkScreen(session, 'campaign-page', ['button Play', 'link Edit', 'region Run history table']);
    await page
      .getByRole('button', { name: /^Explain / })
      .first()
      .click();
    const dialog = page.getByRole('dialog', { name: /is or is not dialed/ });
    await dialog.getByRole('rowheader', { name: 'dnc' }).waitFor();
    await checkScreen(session, 'campaign-explain', ['region Rules table', 'button Close']);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Contact lists, and a list's contacts.
    await page.getByRole('link', { name: 'Contact lists', exact: true }).click();
    await page.getByRole('link', { name: 'A11y Buyers', exact: true }).waitFor();
    await checkScreen(session, 'contact-lists', ['link A11y Buyers', 'textbox List name', 'button Create list']);
    await page.getByRole('link', { name: 'A11y Buyers', exact: true }).click();
    await page.getByRole('cell', { name: 'Grace' }).waitFor();
    await checkScreen(session, 'list-contacts', ['button Upload', 'region Contacts of A11y Buyers']);

    // The agents board, with agents in three states.
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('rowheader', { name: 'Otto Offline' }).waitFor();
    await page.getByRole('rowheader', { name: 'Default Queue' }).waitFor();
    await checkScreen(session, 'agents-board', ['region Queues table', 'region Agents table']);

    expect(unexpected(problems)).toEqual([]);
  });
});

describe('agent desk: axe, keyboard, narrow window, font', () => {
  // Answered calls talk ten minutes (the agent ends them): the on-call checks never race the call's end.
  const server = useConsoleServer({
    env: { SIMULATOR_SPEED: '1', SIMULATOR_TALK_SEC: '600', ENGINE_TICK_MS: '250' },
  });

  it('passes in every state of the desk', { timeout: 420_000 }, async () => {
    const s = server();
    const { admin, kore } = clients(s);
    const { accountId, iid } = s.tenant;
    const queue = await admin.POST('/admin/v1/queues', { body: { accountId, iid, name: 'Desk Queue' } });
    expect(queue.error, JSON.stringify(queue.error)).toBeUndefined();
    const made = await admin.POST('/admin/v1/agents', {
      body: { accountId, iid, name: 'Dana Desk', queues: ['Desk Queue'] },
    });
    expect(made.error, JSON.stringify(made.error)).toBeUndefined();
    await makeList(
      s,
      'Desk contacts',
      Array.from({ length: 8 }, (_, i) => ({
        phoneNumber: `+1415555${String(510 + i).padStart(4, '0')}`,
        firstName: `Contact${i + 1}`,
        lastName: 'Desk',
        plan: i % 2 === 0 ? 'Gold' : 'Silver',
      })),
    );
    const campaignId = await makeCampaign(kore, iid, {
      name: 'Desk Preview',
      list: 'Desk contacts',
      mode: 'Preview',
      queue: 'Desk Queue',
    });

    const session = browser();
    const { page, problems } = session;
    await page.goto(`${s.baseUrl}/console/`);
    await page.getByRole('radio', { name: 'Agent' }).check();
    await checkScreen(session, 'agent-sign-in', ['radio Agent', 'textbox Agent credential', 'button Sign in']);
    await page.getByLabel('Agent credential').fill(made.data!.credential);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Agent desk' }).waitFor();

    // Available, nothing offered yet (the campaign is not playing).
    await page.getByRole('button', { name: 'Available' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Available/ })
      .waitFor();
    await page.getByText('Waiting for work').waitFor();
    await checkScreen(session, 'desk-available', [
      'combobox Not ready reason',
      'button Not ready',
      'button Log out',
      'button Sign out',
    ]);

    // An offer.
    await play(kore, iid, campaignId);
    const offer = page.getByRole('region', { name: 'Preview offer' });
    await offer.getByRole('button', { name: 'Accept' }).waitFor({ timeout: LIVE_TIMEOUT });
    await offer.getByRole('timer').waitFor();
    await checkScreen(session, 'desk-offer', ['button Accept', 'button Skip']);

    // Accept until a call is answered (the simulated network does not answer every one).
    const call = page.getByRole('region', { name: /^Call\b/ });
    const connected = call.getByText(/^Connected$/);
    for (let i = 0; i < 7 && (await connected.count()) === 0; i++) {
      await offer.getByRole('button', { name: 'Accept' }).waitFor({ timeout: LIVE_TIMEOUT });
      await offer.getByRole('button', { name: 'Accept' }).click();
      await offer.getByRole('button', { name: 'Accept' }).waitFor({ state: 'detached', timeout: LIVE_TIMEOUT });
      await expect
        .poll(
          async () =>
            (await connected.count()) > 0 ||
            (await offer
              .getByRole('button', { name: 'Accept' })
              .isEnabled()
              .catch(() => false)),
          { timeout: LIVE_TIMEOUT },
        )
        .toBe(true);
    }
    expect(await connected.count(), 'no call of the Preview campaign was answered').toBe(1);
    await checkScreen(session, 'desk-on-call', ['button End call', 'checkbox Sale', 'textbox Notes']);

    // Wrap-up: the form with the campaign's codes; then after a refused (empty) submission.
    const end = call.getByRole('button', { name: 'End call' });
    if (await end.isVisible()) await end.click({ timeout: 5_000 }).catch(() => undefined);
    const wrapUp = page.getByRole('region', { name: 'Call Wrap-up' });
    await wrapUp.getByRole('checkbox', { name: 'Sale' }).waitFor({ timeout: LIVE_TIMEOUT });
    await checkScreen(session, 'desk-wrap-up', ['checkbox Sale', 'textbox Notes', 'button Submit disposition']);
    await wrapUp.getByRole('button', { name: 'Submit disposition' }).click();
    await wrapUp.getByRole('alert').waitFor();
    await checkScreen(session, 'desk-wrap-up-error', ['checkbox Sale', 'button Submit disposition']);
    await wrapUp.getByRole('checkbox', { name: 'Sale' }).check();
    await wrapUp.getByRole('button', { name: 'Submit disposition' }).click();
    await page.getByText("Your last call's disposition was saved: Sale").waitFor({ timeout: LIVE_TIMEOUT });
    await page.getByRole('button', { name: 'Not ready' }).click();

    expect(unexpected(problems)).toEqual([]);
  });
});
