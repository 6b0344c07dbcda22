/**
 * The supervisor's campaign screens beyond the first pass (supervisor.test.ts): a list of 1,000
 * campaigns that pages and stays responsive, the lifecycle buttons with the API's 409 reason when
 * the page is behind, an edit through the form, a Predictive campaign's pacing settings through the
 * form and back, a delete with its confirmation, and the contacts table's filters (campaignd's
 * `filters` of view=contacts) after a run with mixed outcomes.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser, useConsoleServer, type Problem } from './support/browser.js';
import {
  agentlessCampaign,
  createQueue,
  descriptionOf,
  KORE,
  koreClientOf,
  signInAsSupervisor,
  WEEK,
} from './support/supervisor.js';

// The simulator answers at once with its default mix (completed 70, no-answer 15, busy 7, …).
const server = useConsoleServer({ env: { SIMULATOR_SPEED: '0', ENGINE_TICK_MS: '100' } });
/** Long enough on a shared machine; a test never asserts a duration. */
const LIVE_TIMEOUT = 60_000;
const BULK = 1000;

const unexpected = (problems: Problem[]) =>
  problems.filter((p) => !(p.kind === 'console' && /Failed to load resource|Failed to fetch/.test(p.text)));

const api = () => koreClientOf(server());

async function createList(name: string, phones: string[]): Promise<void> {
  const { client, path } = api();
  const list = await client.POST(`${KORE}/campaign/contactList/createContactList`, {
    params: { path },
    body: { name },
  });
  expect(list.error).toBeUndefined();
  if (phones.length === 0) return;
  const added = await client.POST(`${KORE}/campaign/contactList/addContacts`, {
    params: { path },
    body: { contact_list_name: name, data: phones.map((phoneNumber) => ({ phoneNumber })) },
  });
  expect(added.error).toBeUndefined();
  await expect
    .poll(
      async () =>
        (
          await client.GET(`${KORE}/campaign/contactList/{contactListId}`, {
            params: { path: { ...path, contactListId: list.data!.data.id } },
          })
        ).data?.data.totalRecordCount,
      { timeout: LIVE_TIMEOUT },
    )
    .toBe(phones.length);
}

/** A voice Agentless campaign; `closed` gives it calling hours on a day other than today (UTC), so a play stays Active. */
async function createCampaign(name: string, list: string, opts: { closed?: boolean; priority?: string } = {}) {
  const { client, path } = api();
  const today = WEEK[(new Date().getUTCDay() + 6) % 7]!;
  const other = WEEK[(WEEK.indexOf(today) + 3) % 7]!;
  const res = await client.POST(`${KORE}/campaign`, {
    params: { path, query: { campaignType: 'voice' } },
    body: agentlessCampaign(name, [list], {
      priority: opts.priority ?? '3',
      ...(opts.closed ? { days: [other] } : {}),
    }),
  });
  expect(res.error, JSON.stringify(res.error)).toBeUndefined();
  return res.data!.id;
}

const signIn = (page: Page) => signInAsSupervisor(page, server());

const pagerText = (page: Page, name: string) => page.getByRole('navigation', { name }).locator('span').innerText();

describe('supervisor console: campaigns', () => {
  const browser = useBrowser();

  it(`lists ${BULK} campaigns a page at a time without blocking the page`, async () => {
    await createList('Bulk List', []);
    const names = Array.from({ length: BULK }, (_, i) => `Bulk ${String(i + 1).padStart(4, '0')}`);
    // Through the API, a few at a time (the server is one process on a shared machine).
    const queue = [...names];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = queue.shift(); n; n = queue.shift()) await createCampaign(n, 'Bulk List');
      }),
    );

    const { page, problems, screenshot } = browser();
    await signIn(page);
    const table = (n: number) => page.getByRole('table', { name: `Campaigns, page ${n}` });
    /** The names on page n once its rows are the API's (not busy), and what the API has on that page. */
    const shown = async (n: number) => {
      await expect.poll(() => table(n).getAttribute('aria-busy'), { timeout: LIVE_TIMEOUT }).toBe('false');
      const names = await table(n).getByRole('rowheader').allInnerTexts();
      const { client, path } = api();
      const res = await client.POST(`${KORE}/campaign/getAllCampaignDetails`, {
        params: { path },
        body: { page: n, limit: 50, sortBy: { createdAt: 'desc' } },
      });
      expect(names).toEqual(res.data!.data.results.map((c) => c.name));
      return names;
    };
    const page1 = await shown(1);
    expect(page1).toHaveLength(50);
    expect(await pagerText(page, 'Campaign pages')).toBe(`Page 1 of ${BULK / 50} (${BULK} in all)`);
    await screenshot('bulk-page-1');

    // From here on: the list rendered again from another screen, then paged forward and back.
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    expect(await shown(1)).toEqual(page1);
    const next = page.getByRole('navigation', { name: 'Campaign pages' }).getByRole('button', { name: 'Next page' });
    await next.click();
    const page2 = await shown(2);
    expect(page2).toHaveLength(50);
    expect(page2.filter((n) => page1.includes(n))).toEqual([]);
    expect(await pagerText(page, 'Campaign pages')).toBe(`Page 2 of ${BULK / 50} (${BULK} in all)`);
    // Quick clicks: the page shown is the last one asked for.
    await next.click();
    await next.click();
    await shown(4);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await shown(3);
    // The main thread answers at once: a task queued now runs before the next frame or two.
    const answered = await page.evaluate(
      'new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(true), 0)))',
    );
    expect(answered).toBe(true);
    // What keeps 1,000 campaigns from freezing the page: only the page shown is in the document.
    expect(await page.getByRole('row').count()).toBe(51);
    await screenshot('bulk-page-3');
    expect(unexpected(problems)).toEqual([]);
  });

  it('plays, pauses, resumes and stops through the buttons, and shows the API’s 409 when the page is behind', async () => {
    await createList('Lifecycle List', ['+14155550401', '+14155550402']);
    const id = await createCampaign('Lifecycle Campaign', 'Lifecycle List', { closed: true });
    const { page, problems, screenshot } = browser();
    // The event stream is held, as if its events were late: the page knows only what its own calls answered.
    await page.route('**/campaign/events/stream**', () => undefined);
    await signIn(page);
    await page.getByRole('link', { name: 'Lifecycle Campaign', exact: true }).click();
    await page.getByRole('heading', { name: 'Lifecycle Campaign', level: 1 }).waitFor();
    const status = (s: string) => page.getByText(`Status: ${s}`, { exact: true });
    await status('Ready').waitFor();
    // Only what makes sense for the status is offered.
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Play' }).click();
    await status('Active').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await status('Paused').waitFor();
    expect(await page.getByRole('button', { name: 'Play' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await status('Active').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await status('Stopped').waitFor();
    await screenshot('lifecycle-stopped');

    // Played again, then stopped elsewhere while the page still shows it Active.
    await page.getByRole('button', { name: 'Play' }).click();
    await status('Active').waitFor();
    const { client, path } = api();
    const stopped = await client.POST(`${KORE}/campaign/{campaignId}`, {
      params: { path: { ...path, campaignId: id }, query: { trigger: 'stop' } },
      body: {},
    });
    expect(stopped.data?.status).toBe('Stopped');
    await page.getByRole('button', { name: 'Pause' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'cannot be paused' });
    // The API's words, as it gave them.
    expect(await alert.innerText()).toBe(
      'Campaign Lifecycle Campaign is Stopped and cannot be paused; pause is allowed only from Active',
    );
    // The page caught up with the campaign: the buttons fit Stopped.
    await status('Stopped').waitFor();
    await page.getByRole('button', { name: 'Play' }).waitFor();
    await screenshot('lifecycle-409');
    expect(unexpected(problems)).toEqual([]);
  });

  it('edits a campaign through the form and the list shows the change', async () => {
    await createList('Edit List', ['+14155550501']);
    await createList('Edit DNC', ['+14155550502']);
    const id = await createCampaign('Edit Me', 'Edit List', { priority: '3' });
    const { page, problems, screenshot } = browser();
    await signIn(page);
    await page.getByRole('link', { name: 'Edit Edit Me' }).click();
    await page.getByRole('heading', { name: 'Edit campaign Edit Me', level: 1 }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Edit Me');
    // The flow by name, as the body takes it (the campaign read by id gives its id only).
    expect(await page.getByLabel('Experience flow').inputValue()).toBe('Voice Survey Entry Flow');
    await page.getByLabel('Name', { exact: true }).fill('Edited Campaign');
    await page.getByLabel('Priority').selectOption('1');
    await page.getByLabel('Description').fill('changed in the console');
    expect(await page.getByLabel('Do-not-call list').inputValue()).toBe('');
    await page.getByLabel('Do-not-call list').selectOption('Edit DNC');
    await screenshot('edit-form');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Edited Campaign', level: 1, exact: true }).waitFor();

    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Edited Campaign' }) });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(3).innerText()).toBe('1');
    expect(await page.getByRole('rowheader', { name: 'Edit Me', exact: true }).count()).toBe(0);
    // The campaign as stored: the DNC list chosen in the form.
    const { client, path } = api();
    const stored = await client.GET(`${KORE}/campaign/{campaignId}`, { params: { path: { ...path, campaignId: id } } });
    expect(stored.data?.data.dncLists).toMatchObject({ name: 'Edit DNC' });
    await screenshot('edit-listed');
    expect(unexpected(problems)).toEqual([]);
  });

  it('creates a Predictive campaign with its pacing settings, shows refusals on their fields, and edits them', async () => {
    await createList('Predictive List', ['+14155550801']);
    await createQueue(server(), 'Predictive Queue');
    const { page, problems, screenshot } = browser();
    await signIn(page);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Predictive Campaign');
    await page.getByLabel('Contact lists').selectOption('Predictive List');
    await page.getByLabel('Caller id').fill('+15101234567');
    await page.getByLabel('Time zone').fill('UTC');
    expect(await page.getByRole('group', { name: 'Pacing' }).count()).toBe(0);
    await page.getByLabel('Dialing mode').selectOption('Predictive');
    const pacing = page.getByRole('group', { name: 'Pacing' });
    await pacing.waitFor();
    // The API's defaults as the initial values; no ratio cap and the provider's message unless given.
    const value = (label: string) => page.getByLabel(label, { exact: true }).inputValue();
    expect(await value('Target abandon rate (%)')).toBe('3');
    expect(await value('Measured over')).toBe('rolling-30-days');
    expect(await value('Connect deadline (seconds)')).toBe('2');
    expect(await value('Lockout after an abandon (hours)')).toBe('72');
    expect(await value('Maximum dial ratio')).toBe('');
    expect(await value('Abandon message id')).toBe('');
    expect(await value('Answering machines')).toBe('no');
    // Detection that runs a bot flow (Agentless's "detect") is not offered.
    expect(await page.getByLabel('Answering machines').locator('option').allInnerTexts()).toHaveLength(2);
    expect(await pacing.innerText()).toContain('TCPA');

    await page.getByLabel('Agent queue').fill('Predictive Queue');
    await page.getByLabel('Answering machines').selectOption('disconnect');
    await page.getByLabel('Measured over').selectOption('rolling-24-hours');
    await page.getByLabel('Lockout after an abandon (hours)').fill('48');
    await page.getByLabel('Maximum dial ratio').fill('2.5');
    // Out of range (the schema's refusal), then a blank message (the rules'): each on its own field.
    await page.getByLabel('Target abandon rate (%)').fill('20');
    await page.getByLabel('Abandon message id').fill('   ');
    const create = page.getByRole('button', { name: 'Create campaign' });
    await create.click();
    const invalid = (label: string) => page.getByLabel(label, { exact: true }).getAttribute('aria-invalid');
    await expect.poll(() => invalid('Target abandon rate (%)')).toBe('true');
    expect(await descriptionOf(page, 'Target abandon rate (%)')).toContain(
      'predictiveSettings.targetAbandonPercent: must be <= 10',
    );
    await screenshot('predictive-form-percent-refused');
    await page.getByLabel('Target abandon rate (%)').fill('2.5');
    await create.click();
    await expect.poll(() => invalid('Abandon message id')).toBe('true');
    expect(await descriptionOf(page, 'Abandon message id')).toContain(
      'predictiveSettings.abandonMessageId: must not be blank',
    );
    expect(await invalid('Target abandon rate (%)')).toBeNull();
    await screenshot('predictive-form-message-refused');
    await page.getByLabel('Abandon message id').fill('msg-abandoned-1');
    await create.click();
    await page.getByRole('heading', { name: 'Predictive Campaign', level: 1 }).waitFor();
    const id = /#\/campaigns\/([^/?]+)/.exec(page.url())?.[1];
    expect(id).toBeTruthy();

    // As stored: the settings typed, the defaults for the rest.
    const { client, path } = api();
    // Typed loosely: predictiveSettings is a campaignd extension the generated client may not list yet.
    const read = async (): Promise<Record<string, unknown> | undefined> =>
      (await client.GET(`${KORE}/campaign/{campaignId}`, { params: { path: { ...path, campaignId: id! } } })).data
        ?.data;
    expect(await read()).toMatchObject({
      dialingMode: 'Predictive',
      queue_name: 'Predictive Queue',
      machineDetectMode: 'disconnect',
      predictiveSettings: {
        targetAbandonPercent: 2.5,
        abandonWindow: 'rolling-24-hours',
        connectDeadlineSec: 2,
        abandonMessageId: 'msg-abandoned-1',
        maxDialRatio: 2.5,
        lockoutHours: 48,
      },
    });

    // The edit form loads them back; a change is saved with the rest kept.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit campaign Predictive Campaign', level: 1 }).waitFor();
    expect(await value('Dialing mode')).toBe('Predictive');
    expect(await value('Agent queue')).toBe('Predictive Queue');
    expect(await value('Answering machines')).toBe('disconnect');
    expect(await value('Target abandon rate (%)')).toBe('2.5');
    expect(await value('Measured over')).toBe('rolling-24-hours');
    expect(await value('Connect deadline (seconds)')).toBe('2');
    expect(await value('Lockout after an abandon (hours)')).toBe('48');
    expect(await value('Maximum dial ratio')).toBe('2.5');
    expect(await value('Abandon message id')).toBe('msg-abandoned-1');
    await screenshot('predictive-edit-form');
    await page.getByLabel('Connect deadline (seconds)').fill('3');
    await page.getByLabel('Maximum dial ratio').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Predictive Campaign', level: 1 }).waitFor();
    await expect
      .poll(async () => (await read())?.predictiveSettings)
      .toEqual({
        targetAbandonPercent: 2.5,
        abandonWindow: 'rolling-24-hours',
        connectDeadlineSec: 3,
        abandonMessageId: 'msg-abandoned-1',
        lockoutHours: 48,
      });

    // Played (no agent is signed in, so nothing is dialed): the contact's explanation has the pacing
    // rule, its facts as names and values.
    const played = await client.POST(`${KORE}/campaign/{campaignId}`, {
      params: { path: { ...path, campaignId: id! }, query: { trigger: 'play' } },
      body: {},
    });
    expect(played.error).toBeUndefined();
    await page.getByText('Status: Active').waitFor({ timeout: LIVE_TIMEOUT });
    await page
      .getByRole('button', { name: /^Explain / })
      .first()
      .click({ timeout: LIVE_TIMEOUT });
    const dialog = page.getByRole('dialog', { name: /is or is not dialed/ });
    const pacingRow = dialog.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'pacing' }) });
    await pacingRow.waitFor();
    const facts = await pacingRow.getByRole('listitem').allInnerTexts();
    expect(facts).toContainEqual(expect.stringMatching(/^targetAbandonPercent 2\.5$/));
    expect(facts).toContainEqual(expect.stringMatching(/^window rolling-24-hours$/));
    expect(facts).toContainEqual(expect.stringMatching(/^abandonRate \d/));
    expect(await dialog.innerText()).not.toContain('[object Object]');
    await dialog.getByRole('rowheader', { name: 'abandon-lockout' }).waitFor();
    await screenshot('predictive-explain');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(unexpected(problems)).toEqual([]);
  });

  it('deletes a campaign only after confirmation', async () => {
    await createList('Delete List', ['+14155550601']);
    await createCampaign('Delete Me', 'Delete List');
    const { page, problems, screenshot } = browser();
    await signIn(page);
    const rowHeader = page.getByRole('rowheader', { name: 'Delete Me', exact: true });
    await rowHeader.waitFor();
    const before = await pagerText(page, 'Campaign pages');
    const del = page.getByRole('button', { name: 'Delete Delete Me' });

    await del.click();
    const dialog = page.getByRole('dialog', { name: 'Delete campaign' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Delete the campaign “Delete Me”? This cannot be undone.');
    // Cancel has the focus first, so Enter does not delete by accident.
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Cancel');
    await screenshot('delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await rowHeader.count()).toBe(1);

    await del.click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await rowHeader.waitFor({ state: 'detached' });
    const total = (t: string) => Number(/\((\d+) in all\)/.exec(t)?.[1]);
    await expect.poll(async () => total(await pagerText(page, 'Campaign pages'))).toBe(total(before) - 1);
    await screenshot('deleted');
    expect(unexpected(problems)).toEqual([]);
  });

  it('narrows the contacts table with the API’s filters after a run with mixed outcomes', async () => {
    const sf = Array.from({ length: 30 }, (_, i) => `+1415555${String(700 + i).padStart(4, '0')}`);
    const ny = Array.from({ length: 10 }, (_, i) => `+1212555${String(700 + i).padStart(4, '0')}`);
    await createList('Filter List', [...sf, ...ny]);
    const id = await createCampaign('Filter Campaign', 'Filter List');
    const { client, path } = api();
    const played = await client.POST(`${KORE}/campaign/{campaignId}`, {
      params: { path: { ...path, campaignId: id }, query: { trigger: 'play' } },
      body: {},
    });
    expect(played.error).toBeUndefined();
    await expect
      .poll(
        async () =>
          (
            await client.POST(`${KORE}/campaign/{campaignId}/status`, {
              params: { path: { ...path, campaignId: id }, query: { view: 'status' } },
              body: {},
            })
          ).data?.data,
        { timeout: LIVE_TIMEOUT },
      )
      .toMatchObject({ status: 'Completed' });
    // What the run gave, from the unfiltered view (Kore's).
    const all = await client.POST(`${KORE}/campaign/{campaignId}/status`, {
      params: { path: { ...path, campaignId: id }, query: { view: 'contacts' } },
      body: { page: 1, limit: 100 },
    });
    const results = (all.data!.data as { results: { phoneNumber: string; dialerOutcome: string }[] }).results;
    expect(results).toHaveLength(40);
    const byOutcome = new Map<string, number>();
    for (const r of results) byOutcome.set(r.dialerOutcome, (byOutcome.get(r.dialerOutcome) ?? 0) + 1);
    // With 40 contacts and the default mix, more than one outcome (all-completed is 0.7^40).
    expect(byOutcome.size).toBeGreaterThan(1);
    const [rare] = [...byOutcome.entries()].sort((a, b) => a[1] - b[1])[0]!;

    const { page, problems, screenshot } = browser();
    await signIn(page);
    await page.getByRole('link', { name: 'Filter Campaign', exact: true }).click();
    await page.getByRole('heading', { name: 'Filter Campaign', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: /^Contacts of the current run/ });
    const pager = () => pagerText(page, 'Contact pages');
    const outcomesShown = async () => {
      const rows = await table.getByRole('row').all();
      return Promise.all(rows.slice(1).map((r) => r.getByRole('cell').nth(1).innerText()));
    };
    await expect.poll(pager, { timeout: LIVE_TIMEOUT }).toBe('Page 1 of 2 (40 in all)');
    expect(await table.getByRole('row').count()).toBe(26);

    // One outcome: every row shows it, and the totals count the matching contacts only.
    const outcome = page.getByRole('group', { name: 'Outcome' });
    await outcome.getByLabel(rare, { exact: true }).check();
    const n = byOutcome.get(rare)!;
    await expect.poll(pager).toBe(`Page 1 of ${Math.ceil(n / 25)} (${n} in all)`);
    expect(new Set(await outcomesShown())).toEqual(new Set([rare]));
    await screenshot('contacts-one-outcome');
    await outcome.getByLabel(rare, { exact: true }).uncheck();

    // Completed, paged over the filtered result.
    const completed = byOutcome.get('completed') ?? 0;
    await outcome.getByLabel('completed', { exact: true }).check();
    await expect.poll(pager).toBe(`Page 1 of ${Math.max(1, Math.ceil(completed / 25))} (${completed} in all)`);
    if (completed > 25) {
      await page.getByRole('navigation', { name: 'Contact pages' }).getByRole('button', { name: 'Next page' }).click();
      await expect.poll(pager).toBe(`Page 2 of 2 (${completed} in all)`);
      expect(await outcomesShown()).toHaveLength(completed - 25);
      expect(new Set(await outcomesShown())).toEqual(new Set(['completed']));
    }
    await outcome.getByLabel('completed', { exact: true }).uncheck();

    // A number prefix: the New York numbers only.
    await page.getByLabel('Number starts with').fill('1212');
    await expect.poll(pager).toBe('Page 1 of 1 (10 in all)');
    const numbers = await table.getByRole('rowheader').allInnerTexts();
    expect(numbers.every((p) => p.startsWith('1212555'))).toBe(true);
    await screenshot('contacts-number');
    // A state no contact of a completed run is in.
    await page.getByRole('group', { name: 'State' }).getByLabel('Pending').check();
    await table.getByRole('cell', { name: 'No contacts match the filters.' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(pager).toBe('Page 1 of 2 (40 in all)');
    // A number the API refuses: its message is shown.
    await page.getByLabel('Number starts with').fill('12a');
    await page.getByText('filters.phoneNumber: must be 1 to 15 digits').waitFor();
    expect(unexpected(problems)).toEqual([]);
  });
});
