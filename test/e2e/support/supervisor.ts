/**
 * What the supervisor's browser tests share: signing in through the console's form, a typed Kore
 * client for the harness server's tenant, and the body of an Agentless voice campaign.
 */
import type { Page } from 'playwright-core';
import { createCampaigndClient, type CampaigndClient } from '../../../src/client/index.js';
import type { ConsoleServer } from './console-server.js';

export const KORE = '/agentassist/api/v1/public/{iid}' as const;
export const WEEK = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** Signs in through the form, as a supervisor with the app's credentials or as the operator. */
export async function signInAsSupervisor(page: Page, s: ConsoleServer, as: 'app' | 'operator' = 'app'): Promise<void> {
  await page.goto(`${s.baseUrl}/console/`);
  await page.getByLabel(as === 'operator' ? 'Operator (admin token)' : 'Supervisor (app credentials)').check();
  await page.getByLabel('Account id').fill(s.tenant.accountId);
  await page.getByLabel('Bot id (iid)').fill(s.tenant.iid);
  await page.getByLabel('App client id').fill(s.tenant.clientId);
  if (as === 'operator') await page.getByLabel('Admin token', { exact: true }).fill(s.adminToken);
  else await page.getByLabel('App client secret').fill(s.tenant.clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
}

/** The typed client with the tenant's app credentials, and the Kore path's bot. */
export function koreClientOf(s: ConsoleServer): { client: CampaigndClient; path: { iid: string } } {
  const { clientId, clientSecret, accountId, iid } = s.tenant;
  return {
    client: createCampaigndClient({ baseUrl: s.baseUrl, kore: { appId: clientId, clientSecret, accountId } }),
    path: { iid },
  };
}

/** An agent queue of the harness's bot (admin API), for the campaigns that need one. */
export async function createQueue(s: ConsoleServer, name: string): Promise<void> {
  const { accountId, iid } = s.tenant;
  const admin = createCampaigndClient({ baseUrl: s.baseUrl, adminToken: s.adminToken });
  const res = await admin.POST('/admin/v1/queues', { body: { accountId, iid, name } });
  if (res.error) throw new Error(`queue ${name}: ${JSON.stringify(res.error)}`);
}

/** The texts an input is described by (its hint and the API's message for it), by its label. */
export async function descriptionOf(page: Page, label: string): Promise<string> {
  const ids = (await page.getByLabel(label, { exact: true }).getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(
    ids
      .split(' ')
      .filter(Boolean)
      .map((id) => page.locator(`[id="${id}"]`).innerText()),
  );
  return texts.join(' ');
}

/** An Agentless voice campaign on `lists`, one attempt per contact, calling all day on `days` (UTC). */
export function agentlessCampaign(name: string, lists: string[], opts: { days?: string[]; priority?: string } = {}) {
  return {
    name,
    contactLists: lists,
    campaignType: 'voice',
    dialingMode: 'Agentless',
    experienceFlowName: 'Voice Survey Entry Flow',
    ...(opts.priority ? { priority: opts.priority as '3' } : {}),
    dialingStrategy: {
      callerId: { phoneNumber: '+15101234567' },
      callingHours: {
        frequency: 'WEEKLY',
        timezone: 'UTC',
        days: (opts.days ?? WEEK).map((day) => ({ day, start: '12:00 AM', end: '11:59 PM' })),
      },
      dialingOrder: 'FIFO',
      maxAttemptsPerRecord: 1,
      defaultRetryPeriod: 10,
      maxRingTime: 30,
    },
  } as const;
}
