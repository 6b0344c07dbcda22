import { AppError } from '../../shared/errors.js';
import { newHex24, newId } from '../../shared/ids.js';
import type { KvRepo } from '../../storage/repos/kv-repo.js';
import type { AgentAdminService } from '../agents/agent-admin-service.js';
import { simulatedAgentExternalId, simulatedAgentName } from '../agents/simulated-agents.js';
import type { ContactListService } from '../contacts/contact-list-service.js';
import type { ImportService } from '../contacts/import-service.js';
import type { AdminService } from './admin-service.js';
import { demoAgentContacts } from './demo-contacts.js';

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
  /** The queue with agents, for Progressive and Preview campaigns (absent in tenants seeded before it). */
  agentQueue?: string;
  /** How many agents the queue has: `campaignd simulate agents --count` this many logs exactly them in. */
  agentCount?: number;
  /** The list of fictitious numbers for the agents' campaigns. */
  agentList?: string;
}

/** The agents' part of the demo tenant. */
const DEMO_AGENTS = { agentQueue: 'Demo Queue', agentCount: 3, agentList: 'Demo Agent Calls' } as const;

/** A 409 from creating something the demo tenant already has (an earlier or concurrent seeding made it). */
const exists = (err: unknown) => err instanceof AppError && err.status === 409;

/**
 * The demo tenant, created once per database: an account, a bot, a JWT app with the Campaign
 * Management scope, the flows, queue, template and contact list the documentation's samples name,
 * and a queue of agents with a list of fictitious numbers for Progressive and Preview campaigns.
 */
export class DemoTenantService {
  constructor(
    private readonly admin: AdminService,
    private readonly contactLists: ContactListService,
    private readonly kv: KvRepo,
    private readonly imports: ImportService,
    private readonly agents: AgentAdminService,
  ) {}

  /** The demo tenant, with `created` telling whether this call made it. */
  async ensure(): Promise<{ demo: DemoTenant; created: boolean }> {
    const existing = await this.kv.get(DEMO_KEY);
    if (existing) {
      const demo = JSON.parse(existing) as DemoTenant;
      if (demo.agentQueue) return { demo, created: false };
      // Seeded by a version without agents: they are added on this start, once.
      await this.seedAgents(demo.accountId, demo.iid);
      const upgraded = { ...demo, ...DEMO_AGENTS };
      await this.kv.set(DEMO_KEY, JSON.stringify(upgraded));
      return { demo: upgraded, created: false };
    }

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
      ...DEMO_AGENTS,
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
    await this.seedAgents(accountId, iid);
    // If another process seeded at the same moment, keep its tenant (ours stays as an unused extra).
    if (!(await this.kv.setIfAbsent(DEMO_KEY, JSON.stringify(demo)))) {
      return { demo: JSON.parse((await this.kv.get(DEMO_KEY))!) as DemoTenant, created: false };
    }
    return { demo, created: true };
  }

  /**
   * The queue, its agents (the ones `campaignd simulate agents` logs in) and the list of fictitious
   * numbers. Idempotent, so two processes upgrading the same tenant at once both succeed: what
   * exists is kept, and the list takes no duplicate number.
   */
  private async seedAgents(accountId: string, iid: string): Promise<void> {
    const { agentQueue, agentCount, agentList } = DEMO_AGENTS;
    await this.admin.createQueue({ accountId, iid, name: agentQueue }).catch((err: unknown) => {
      if (!exists(err)) throw err;
    });
    const present = new Set((await this.agents.list({ accountId, iid })).map((a) => a.externalId));
    for (let n = 1; n <= agentCount; n++) {
      const externalId = simulatedAgentExternalId(agentQueue, n);
      if (present.has(externalId)) continue;
      // The credential is not kept: `campaignd simulate agents` (or `agents update --reset-credential`) issues one.
      await this.agents
        .create({ accountId, iid, name: simulatedAgentName(n), queues: [agentQueue], externalId })
        .catch((err: unknown) => {
          if (!exists(err)) throw err;
        });
    }
    const job = await this.imports.submit({
      tenant: { accountId, botId: iid },
      list: { name: agentList, create: true },
      input: { rows: demoAgentContacts() },
    });
    if (job.status !== 'completed') throw new Error(`demo list ${agentList}: import ${job.status}: ${job.error ?? ''}`);
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
    `Console: ${baseUrl}/console/   (sign in as a supervisor with the accountId, iid, clientId and client secret below)`,
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
    ...agentsSection(baseUrl, demo, base, h, token ? undefined : tokenCommand),
  ].join('\n');
}

/** The banner's Progressive campaign: the demo queue's agents call the list of fictitious numbers, at any hour. */
export function demoProgressiveCampaign(demo: DemoTenant): Record<string, unknown> {
  return {
    name: 'Agent Demo Progressive Campaign',
    description: 'Calls fictitious numbers and puts every answer through to an agent of the demo queue.',
    contactLists: [demo.agentList],
    priority: '5',
    dialingMode: 'Progressive',
    queue_name: demo.agentQueue,
    dialingStrategy: {
      callerId: { phoneNumber: '+15101234567' },
      // Any hour: a newcomer trying it at night still sees calls reach the agents.
      callingHours: {
        frequency: 'DAILY',
        timezone: 'America/New_York',
        days: [{ day: 'MO', start: '12:00 AM', end: '11:59 PM' }],
      },
      dialingOrder: 'FIFO',
      maxAttemptsPerRecord: 2,
      defaultRetryPeriod: 10,
      maxRingTime: 30,
    },
    schedule: { isSchedulingEnabled: false },
    campaignType: 'voice',
  };
}

/** How to watch agents take calls: the simulator command, then a Progressive campaign created and played. */
function agentsSection(baseUrl: string, demo: DemoTenant, base: string, h: string, tokenCommand?: string): string[] {
  if (!demo.agentQueue || !demo.agentList) return [];
  const body = JSON.stringify(demoProgressiveCampaign(demo));
  return [
    `Agents: queue "${demo.agentQueue}" has ${demo.agentCount} agents; contact list "${demo.agentList}" has fictitious numbers (555-0100 to 555-0199).`,
    'Log the agents in, simulated through the agent API, in another terminal (Ctrl-C logs them out):',
    `  npx campaignd simulate agents --account-id ${demo.accountId} --iid ${demo.iid} --queue '${demo.agentQueue}' --count ${demo.agentCount} --handle-time 20s --url ${baseUrl}`,
    'then create and play a Progressive campaign; every answered call reaches one of them:',
    ...(tokenCommand ? [`  TOKEN=$(${tokenCommand}) && \\`] : []),
    `  ID=$(curl -s -X POST '${base}?campaignType=voice' ${h} -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).id') && \\`,
    `  curl -s -X POST '${base}/'$ID'?trigger=play' ${h} -d '{}'`,
    '',
  ];
}
