import { newHex24, newId, nowIso } from '../../shared/ids.js';
import type { KvRepo } from '../../storage/repos/kv-repo.js';
import type { Services } from '../../services.js';

export const DEMO_KEY = 'demo.tenant';

export interface DemoTenant {
  accountId: string;
  iid: string;
  clientId: string;
  clientSecret: string;
  contactList: string;
  voiceFlow: string;
  smsFlow: string;
  queue: string;
  template: string;
}

/**
 * Creates the demo tenant once per database: an account, a bot, a JWT app with the Campaign
 * Management scope, the flows, queue, template and contact list the documentation's samples name.
 * Returns it with `created` telling whether this call made it.
 */
export async function ensureDemoTenant(services: Services, kv: KvRepo): Promise<{ demo: DemoTenant; created: boolean }> {
  const existing = await kv.get(DEMO_KEY);
  if (existing) return { demo: JSON.parse(existing) as DemoTenant, created: false };

  const accountId = newHex24();
  const iid = newId('st');
  const app = await services.admin.createApp({ accountId, iid, name: 'Demo app' });
  const demo: DemoTenant = {
    accountId,
    iid,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    contactList: 'Recent Buyers - Q2 2025',
    voiceFlow: 'Voice Survey Entry Flow',
    smsFlow: 'SMS Support Flow',
    queue: 'Default Queue',
    template: 'Payment Reminder Template',
  };
  await services.admin.createFlow({ accountId, iid, name: demo.voiceFlow, channel: 'voice' });
  await services.admin.createFlow({ accountId, iid, name: demo.smsFlow, channel: 'sms' });
  await services.admin.createQueue({ accountId, iid, name: demo.queue });
  await services.admin.createTemplate({ accountId, iid, name: demo.template, message: 'This is a reminder that your payment is due.' });
  const now = nowIso(services.clock.now());
  await services.contactListsRepo.insert({
    id: newId('cl'),
    account_id: accountId,
    bot_id: iid,
    name: demo.contactList,
    lname: demo.contactList.toLowerCase(),
    description: 'Demo list created on first start',
    source: 'passiveApi',
    allow_duplicates: 0,
    is_global_dnc: 0,
    status: 'Ready',
    total_record_count: 0,
    created_at: now,
    updated_at: now,
  });
  // If another process seeded at the same moment, keep its tenant (ours stays as an unused extra).
  if (!(await kv.setIfAbsent(DEMO_KEY, JSON.stringify(demo)))) {
    return { demo: JSON.parse((await kv.get(DEMO_KEY))!) as DemoTenant, created: false };
  }
  return { demo, created: true };
}

/** The copy-paste block printed at start. */
export function demoBanner(baseUrl: string, demo: DemoTenant, token: string, created: boolean): string {
  const h = `-H 'auth: ${token}' -H 'accountId: ${demo.accountId}' -H 'iid: ${demo.iid}' -H 'Content-Type: application/json'`;
  const body = JSON.stringify({
    name: 'Product Feedback Voice Campaign',
    description: 'Collects quick feedback on recent purchases.',
    contactLists: [demo.contactList],
    priority: '5',
    dialingMode: 'Agentless',
    dialingStrategy: {
      callerId: { phoneNumber: '+15101234567' },
      callingHours: { frequency: 'WEEKLY', timezone: 'America/New_York', days: ['MO', 'TU', 'WE', 'TH', 'FR'].map((day) => ({ day, start: '9:00 AM', end: '6:00 PM' })) },
      dialingOrder: 'FIFO',
      maxAttemptsPerRecord: 3,
      defaultRetryPeriod: 10,
      maxRingTime: 30,
    },
    schedule: { isSchedulingEnabled: false },
    experienceFlowName: demo.voiceFlow,
    enableMachineDetect: false,
    campaignType: 'voice',
  });
  const base = `${baseUrl}/agentassist/api/v1/public/${demo.iid}/campaign`;
  return [
    '',
    `campaignd is listening on ${baseUrl}   (API reference: ${baseUrl}/docs)`,
    created ? 'Demo tenant created:' : 'Demo tenant (created on an earlier start):',
    `  accountId     ${demo.accountId}`,
    `  iid (bot)     ${demo.iid}`,
    `  clientId      ${demo.clientId}`,
    `  clientSecret  ${demo.clientSecret}`,
    `  contact list "${demo.contactList}", voice flow "${demo.voiceFlow}", SMS flow "${demo.smsFlow}",`,
    `  queue "${demo.queue}", SMS template "${demo.template}"`,
    `  JWT (24 h)    ${token}`,
    '',
    'Create a campaign, then get it:',
    `  ID=$(curl -s -X POST '${base}?campaignType=voice' ${h} -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).id') && \\`,
    `  curl -s '${base}/'$ID ${h}`,
    '',
  ].join('\n');
}
