import { newHex24, newId } from '../../shared/ids.js';
import type { KvRepo } from '../../storage/repos/kv-repo.js';
import type { ContactListService } from '../contacts/contact-list-service.js';
import type { AdminService } from './admin-service.js';

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
 * The demo tenant, created once per database: an account, a bot, a JWT app with the Campaign
 * Management scope, the flows, queue, template and contact list the documentation's samples name.
 */
export class DemoTenantService {
  constructor(
    private readonly admin: AdminService,
    private readonly contactLists: ContactListService,
    private readonly kv: KvRepo,
  ) {}

  /** The demo tenant, with `created` telling whether this call made it. */
  async ensure(): Promise<{ demo: DemoTenant; created: boolean }> {
    const existing = await this.kv.get(DEMO_KEY);
    if (existing) return { demo: JSON.parse(existing) as DemoTenant, created: false };

    const accountId = newHex24();
    const iid = newId('st');
    const app = await this.admin.createApp({ accountId, iid, name: 'Demo app' });
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
    await this.admin.createFlow({ accountId, iid, name: demo.voiceFlow, channel: 'voice' });
    await this.admin.createFlow({ accountId, iid, name: demo.smsFlow, channel: 'sms' });
    await this.admin.createQueue({ accountId, iid, name: demo.queue });
    await this.admin.createTemplate({
      accountId,
      iid,
      name: demo.template,
      message: 'This is a reminder that your payment is due.',
    });
    await this.contactLists.create(
      { accountId, botId: iid },
      { name: demo.contactList, description: 'Demo list created on first start' },
    );
    // If another process seeded at the same moment, keep its tenant (ours stays as an unused extra).
    if (!(await this.kv.setIfAbsent(DEMO_KEY, JSON.stringify(demo)))) {
      return { demo: JSON.parse((await this.kv.get(DEMO_KEY))!) as DemoTenant, created: false };
    }
    return { demo, created: true };
  }
}

/**
 * The copy-paste block printed at start. The client secret and a token are shown on the first start
 * only (`token` given): printed again on every start, they would sit in every log the server's
 * output goes to. Later starts say how to get a fresh token, and the snippet asks for one itself.
 */
export function demoBanner(baseUrl: string, demo: DemoTenant, token?: string): string {
  const tokenCommand = `npx campaignd token --client-id ${demo.clientId} --ttl 24h`;
  const auth = token ?? '$TOKEN';
  const h = `-H 'auth: ${auth}' -H 'accountId: ${demo.accountId}' -H 'iid: ${demo.iid}' -H 'Content-Type: application/json'`;
  const body = JSON.stringify({
    name: 'Product Feedback Voice Campaign',
    description: 'Collects quick feedback on recent purchases.',
    contactLists: [demo.contactList],
    priority: '5',
    dialingMode: 'Agentless',
    dialingStrategy: {
      callerId: { phoneNumber: '+15101234567' },
      callingHours: {
        frequency: 'WEEKLY',
        timezone: 'America/New_York',
        days: ['MO', 'TU', 'WE', 'TH', 'FR'].map((day) => ({ day, start: '9:00 AM', end: '6:00 PM' })),
      },
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
  const secrets = token
    ? [
        `  clientSecret  ${demo.clientSecret}`,
        `  JWT (24 h)    ${token}`,
        '  (the secret and the token are shown on this first start only)',
      ]
    : [`  The client secret and a token were shown on the first start. A new token: ${tokenCommand}`];
  return [
    '',
    `campaignd is listening on ${baseUrl}   (API reference: ${baseUrl}/docs)`,
    token ? 'Demo tenant created:' : 'Demo tenant (created on an earlier start):',
    `  accountId     ${demo.accountId}`,
    `  iid (bot)     ${demo.iid}`,
    `  clientId      ${demo.clientId}`,
    `  contact list "${demo.contactList}", voice flow "${demo.voiceFlow}", SMS flow "${demo.smsFlow}",`,
    `  queue "${demo.queue}", SMS template "${demo.template}"`,
    ...secrets,
    '',
    'Create a campaign, then get it:',
    ...(token ? [] : [`  TOKEN=$(${tokenCommand}) && \\`]),
    `  ID=$(curl -s -X POST '${base}?campaignType=voice' ${h} -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).id') && \\`,
    `  curl -s '${base}/'$ID ${h}`,
    '',
  ].join('\n');
}
