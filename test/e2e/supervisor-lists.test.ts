/**
 * Contact and do-not-call lists in the supervisor console (web/src/supervisor/contact-lists.tsx) for an
 * APP session (the tenant's app credentials, no admin token): a CSV upload through the Kore API's CSV
 * import with its progress bar and the per-row rejects, a global do-not-call list created, filled and
 * browsed, and a campaign that leaves its number out (dnc_excluded).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectKeyboardUsable, expectNoAxeViolations, expectNoHorizontalScroll } from './support/accessibility.js';
import { useBrowser, useConsoleServer, type Problem } from './support/browser.js';
import { agentlessCampaign, KORE, koreClientOf, signInAsSupervisor } from './support/supervisor.js';

const server = useConsoleServer({ env: { SIMULATOR_SPEED: '0', ENGINE_TICK_MS: '100' } });
/** Long enough for a run of a few contacts on a shared machine; a test never asserts a duration. */
const LIVE_TIMEOUT = 60_000;

/** Chromium reports every non-2xx fetch as a console error: those are expected here. */
const unexpected = (problems: Problem[]) =>
  problems.filter((p) => !(p.kind === 'console' && /Failed to load resource/.test(p.text)));

const signInAsApp = (page: Page) => signInAsSupervisor(page, server());

async function uploadCsv(page: Page, name: string, csv: string) {
  await page.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload' }).click();
}

describe('supervisor console: contact and do-not-call lists (app session)', () => {
  const browser = useBrowser();

  it('uploads a CSV with its rejects, fills a do-not-call list and a campaign leaves its number out', async () => {
    const { page, problems, screenshot } = browser();
    await signInAsApp(page);

    // A list, and a CSV with one bad row, through the Kore API's CSV import.
    await page.getByRole('link', { name: 'Contact lists', exact: true }).click();
    await page.getByLabel('List name').fill('E2E Leads');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('link', { name: 'E2E Leads', exact: true }).click();
    await page.getByRole('heading', { name: 'E2E Leads', level: 1 }).waitFor();
    await uploadCsv(
      page,
      'leads.csv',
      ['phoneNumber,firstName', '+14155550201,Ada', '+14155550202,Grace', 'not-a-number,Bad', '+14155550203,Alan'].join(
        '\n',
      ),
    );
    const done = page.getByRole('progressbar', { name: 'Imported' });
    await done.waitFor();
    expect(await done.getAttribute('max')).toBe('4');
    expect(await done.getAttribute('value')).toBe('4');
    const rejects = page.getByRole('table', { name: 'Rejected rows' });
    await rejects.waitFor();
    // The bad row is the file's line 4, reported on its column with the server's reason.
    const reject = (await rejects.getByRole('row').nth(1).getByRole('cell').allInnerTexts()).map((c) => c.trim());
    expect(reject[0]).toBe('4');
    expect(reject[1]).toBe('phoneNumber');
    expect(reject[2]).toMatch(/^invalid phone number "not-a-number"/);
    expect(await rejects.getByRole('row').count()).toBe(2);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'rows read' }).innerText()).toContain('3 added');
    await page.getByRole('cell', { name: 'Grace' }).waitFor();
    await screenshot('list-uploaded');
    await expectNoAxeViolations(page, 'list uploaded');

    // The account's global do-not-call list, created, filled and browsed.
    await page.getByRole('link', { name: '← Contact lists' }).click();
    await page.getByLabel('List name').fill('E2E Do Not Call');
    await page.getByLabel('Kind').selectOption({ label: 'Global do-not-call list' });
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByText("Created the account's global do-not-call list E2E Do Not Call.").waitFor();
    const dncRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'E2E Do Not Call' }) });
    await dncRow.getByRole('cell', { name: 'Do-not-call (global)' }).waitFor();
    await page.getByLabel('Show').selectOption({ label: 'Do-not-call lists' });
    await page.getByRole('link', { name: 'E2E Leads', exact: true }).waitFor({ state: 'detached' });
    await screenshot('dnc-lists');
    await expectNoAxeViolations(page, 'do-not-call lists');
    await expectKeyboardUsable(page, 'do-not-call lists');
    await page.setViewportSize({ width: 400, height: 800 });
    await expectNoAxeViolations(page, 'do-not-call lists at 400px');
    await expectNoHorizontalScroll(page, 'do-not-call lists at 400px');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('link', { name: 'E2E Do Not Call', exact: true }).click();
    await page.getByRole('heading', { name: 'E2E Do Not Call', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Upload numbers (CSV)' }).waitFor();
    await uploadCsv(page, 'dnc.csv', 'phoneNumber\n+14155550202\n');
    await page.getByRole('progressbar', { name: 'Imported' }).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'rows read' }).innerText()).toContain('1 added');
    await page.getByRole('heading', { name: 'Numbers', level: 2, exact: true }).waitFor();
    await page.getByRole('cell', { name: '+14155550202' }).waitFor();
    await screenshot('dnc-list-numbers');
    await expectNoAxeViolations(page, 'do-not-call list numbers');

    // A campaign on the list leaves the do-not-call number out.
    const s = server();
    const { client: kore, path } = koreClientOf(s);
    const created = await kore.POST(`${KORE}/campaign`, {
      params: { path, query: { campaignType: 'voice' } },
      body: agentlessCampaign('E2E DNC Campaign', ['E2E Leads']),
    });
    expect(created.error, JSON.stringify(created.error)).toBeUndefined();
    const campaignId = created.data!.id;
    const played = await kore.POST(`${KORE}/campaign/{campaignId}`, {
      params: { path: { ...path, campaignId }, query: { trigger: 'play' } },
      body: {},
    });
    expect(played.error, JSON.stringify(played.error)).toBeUndefined();
    await expect
      .poll(
        async () => {
          const { data } = await kore.POST(`${KORE}/campaign/{campaignId}/status`, {
            params: { path: { ...path, campaignId }, query: { view: 'contacts' } },
            body: { page: 1, limit: 10 },
          });
          const results = data && 'results' in data.data ? data.data.results : [];
          return Object.fromEntries(results.map((r) => [r.phoneNumber, r.dialerOutcome]));
        },
        { timeout: LIVE_TIMEOUT, interval: 250 },
      )
      .toEqual({
        // The simulator decides how the dialed ones end; the do-not-call number is never dialed.
        '14155550201': expect.not.stringMatching(/^$|^dnc_excluded$/),
        '14155550202': 'dnc_excluded',
        '14155550203': expect.not.stringMatching(/^$|^dnc_excluded$/),
      });

    expect(unexpected(problems)).toEqual([]);
  }, 180_000);
});
