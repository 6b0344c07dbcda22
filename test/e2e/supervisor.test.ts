/**
 * The supervisor's screens (web/src/supervisor, docs/console.md "Supervisor") in Chromium against
 * a real server whose simulator answers at once: sign in, a list from a CSV (with its rejects), a
 * campaign through the form (the API's validation message on the right field first), play it and
 * watch it complete live, a contact's explanation; then the page across a server restart.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser, useConsoleServer, type Problem } from './support/browser.js';
import { agentlessCampaign, descriptionOf, KORE, koreClientOf, signInAsSupervisor } from './support/supervisor.js';

const server = useConsoleServer({ env: { SIMULATOR_SPEED: '0', ENGINE_TICK_MS: '100' } });
/** Long enough for a run of a few contacts on a shared machine; a test never asserts a duration. */
const LIVE_TIMEOUT = 60_000;

/** Chromium reports every non-2xx fetch and a refused connection as console errors: those are expected here. */
const unexpected = (problems: Problem[]) =>
  problems.filter(
    (p) => !(p.kind === 'console' && /Failed to load resource|ERR_CONNECTION_REFUSED|Failed to fetch/.test(p.text)),
  );

const signIn = (page: Page, as: 'operator' | 'app') => signInAsSupervisor(page, server(), as);

describe('supervisor console', () => {
  const browser = useBrowser();

  it('uploads a list, creates a campaign through the form, plays it to Completed and explains a contact', async () => {
    const { page, problems, screenshot } = browser();
    await signIn(page, 'operator');
    await expect
      .poll(() => page.getByRole('link', { name: 'Campaigns', exact: true }).getAttribute('aria-current'))
      .toBe('page');
    await screenshot('campaigns-empty');

    // A list, and a CSV with one bad row.
    await page.getByRole('link', { name: 'Contact lists', exact: true }).click();
    await page.getByLabel('List name').fill('E2E Buyers');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('link', { name: 'E2E Buyers', exact: true }).click();
    await page.getByRole('heading', { name: 'E2E Buyers', level: 1 }).waitFor();
    const csv = [
      'phoneNumber,firstName,uniqueId',
      '+14155550101,Ada,u-1',
      '+14155550102,Grace,u-2',
      'not-a-number,Bad,u-3',
      '+14155550103,Alan,u-4',
    ].join('\n');
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'buyers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload' }).click();
    const rejects = page.getByRole('table', { name: 'Rejected rows' });
    await rejects.waitFor();
    // The bad row is the file's line 4, reported on its column.
    await expect.poll(() => rejects.getByRole('row').nth(1).innerText()).toMatch(/^4\s+phoneNumber\s+/);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'rows read' }).innerText()).toContain('3 added');
    await page.getByRole('cell', { name: 'Grace' }).waitFor();
    await screenshot('list-uploaded');

    // The form: first a bad time zone, named on its field as the API words it.
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Name', { exact: true }).fill('E2E Feedback');
    await page.getByLabel('Contact lists').selectOption('E2E Buyers');
    await page.getByLabel('Caller id').fill('+15101234567');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByLabel('Saturday').check();
    await page.getByLabel('Sunday').check();
    await page.getByLabel('Calling hours start').fill('00:00');
    await page.getByLabel('Calling hours end').fill('23:59');
    await page.getByLabel('Attempts per contact').fill('1');
    await page.getByLabel('Experience flow').fill('Voice Survey Entry Flow');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expect.poll(() => page.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptionOf(page, 'Time zone')).toContain(
      "dialingStrategy.callingHours.timezone: 'Mars/Olympus' is not an IANA time zone",
    );
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await screenshot('campaign-form-error');

    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'E2E Feedback', level: 1 }).waitFor();
    await page.getByText('Status: Ready').waitFor();

    // Play, and watch it finish live (no reload).
    await page.getByRole('button', { name: 'Play' }).click();
    await page.getByText('Status: Completed').waitFor({ timeout: LIVE_TIMEOUT });
    await expect.poll(() => page.getByTestId('dialed').innerText(), { timeout: LIVE_TIMEOUT }).toBe('3');
    await page
      .getByRole('img', { name: /Chart of attempts/ })
      .locator('canvas')
      .waitFor();
    await page.getByText('3 of 3 contacts finished').waitFor({ timeout: LIVE_TIMEOUT });
    await screenshot('campaign-completed');

    // The plot follows its box as the window narrows and widens again, and never scrolls it.
    const chart = page.locator('figure.sv-chart');
    const widths = () =>
      chart.evaluate((f) => ({ box: f.clientWidth, plot: f.querySelector('canvas')!.getBoundingClientRect().width }));
    const wide = await widths();
    expect(wide.plot).toBeGreaterThan(600);
    await page.setViewportSize({ width: 400, height: 800 });
    await expect
      .poll(async () => {
        const { box, plot } = await widths();
        return box < 400 && plot <= box;
      })
      .toBe(true);
    const overflowX = (f: unknown) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { overflowX: string } }).getComputedStyle(f).overflowX;
    expect(await chart.evaluate(overflowX)).toBe('hidden');
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(async () => (await widths()).plot).toBeGreaterThan(600);
    await page.getByRole('table', { name: /Contacts of the current run/ }).waitFor();

    // A contact's explanation, rule by rule, in a dialog that Escape closes.
    await page
      .getByRole('button', { name: /^Explain / })
      .first()
      .click();
    const dialog = page.getByRole('dialog', { name: /is or is not dialed/ });
    await dialog.getByRole('rowheader', { name: 'dnc' }).waitFor();
    await dialog.getByRole('rowheader', { name: 'calling-window' }).waitFor();
    await screenshot('contact-explained');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The agents board: the tenant's queue, with its agents by state.
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('rowheader', { name: 'Default Queue' }).waitFor();
    await screenshot('agents-board');

    // The list shows it, with its progress; narrow windows scroll the table, not the page.
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    const row = page.getByRole('row', { name: /E2E Feedback/ });
    await row.getByRole('cell', { name: 'Completed' }).waitFor();
    await row.getByRole('progressbar', { name: 'Progress of E2E Feedback' }).waitFor();
    await page.setViewportSize({ width: 480, height: 800 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await screenshot('campaigns-narrow');
    expect(unexpected(problems)).toEqual([]);
  });

  it('shows a lost connection while the server restarts, then resumes live updates', async () => {
    const s = server();
    const { client, path } = koreClientOf(s);
    const list = await client.POST(`${KORE}/campaign/contactList/createContactList`, {
      params: { path },
      body: { name: 'Restart List' },
    });
    expect(list.error).toBeUndefined();
    const added = await client.POST(`${KORE}/campaign/contactList/addContacts`, {
      params: { path },
      body: {
        contact_list_name: 'Restart List',
        data: [{ phoneNumber: '+14155550301' }, { phoneNumber: '+14155550302' }],
      },
    });
    expect(added.error).toBeUndefined();
    await expect
      .poll(async () => {
        const r = await client.GET(`${KORE}/campaign/contactList/{contactListId}`, {
          params: { path: { ...path, contactListId: list.data!.data.id } },
        });
        return r.data?.data.totalRecordCount;
      })
      .toBe(2);
    const created = await client.POST(`${KORE}/campaign`, {
      params: { path, query: { campaignType: 'voice' } },
      body: agentlessCampaign('Restart Campaign', ['Restart List']),
    });
    expect(created.error).toBeUndefined();

    const { page, problems, screenshot } = browser();
    await signIn(page, 'app');
    await page.getByRole('link', { name: 'Restart Campaign', exact: true }).click();
    await page.getByRole('heading', { name: 'Restart Campaign', level: 1 }).waitFor();
    const banner = page.getByText('Connection lost — reconnecting…');

    await s.stop();
    await banner.waitFor({ timeout: LIVE_TIMEOUT });
    await screenshot('connection-lost');
    await s.start();
    await banner.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT });

    // Live updates flow again: the status reaches Completed with no reload.
    await page.getByRole('button', { name: 'Play' }).click();
    await page.getByText('Status: Completed').waitFor({ timeout: LIVE_TIMEOUT });
    await expect.poll(() => page.getByTestId('dialed').innerText(), { timeout: LIVE_TIMEOUT }).toBe('2');
    await screenshot('after-restart-completed');
    expect(unexpected(problems)).toEqual([]);
  });
});
