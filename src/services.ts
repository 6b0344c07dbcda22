import { AgentAccess } from './domain/agents/agent-access.js';
import { AgentAdminService } from './domain/agents/agent-admin-service.js';
import { AgentBoard } from './domain/agents/agent-board.js';
import { AgentDeskService } from './domain/agents/agent-desk-service.js';
import { AgentEventHub } from './domain/agents/agent-event-hub.js';
import { CallDispositions } from './domain/agents/call-dispositions.js';
import { DispositionCodes } from './domain/agents/disposition-codes.js';
import { addToDncVia } from './domain/agents/do-not-call.js';
import { WorkSignal } from './domain/agents/work-signal.js';
import { CampaignService } from './domain/campaigns/campaign-service.js';
import { ContactListService } from './domain/contacts/contact-list-service.js';
import { DncService } from './domain/contacts/dnc.js';
import { DncManagement } from './domain/contacts/dnc-management.js';
import { ImportService } from './domain/contacts/import-service.js';
import { CallbackService } from './domain/engine/callbacks.js';
import { CampaignCaps } from './domain/engine/campaign-caps.js';
import { CampaignPolicies } from './domain/engine/campaign-policies.js';
import { Engine, type EngineOptions } from './domain/engine/engine.js';
import { ExplainService } from './domain/engine/explain.js';
import { ReportsService } from './domain/reports/reports-service.js';
import { InstanceCompletion } from './domain/engine/instance-completion.js';
import { LiveLists } from './domain/engine/live-lists.js';
import { InstanceService } from './domain/engine/instance-service.js';
import { OutcomeHandler } from './domain/engine/outcome-handler.js';
import { PacingBook } from './domain/engine/pacing-book.js';
import { PredictiveCalls } from './domain/engine/predictive-calls.js';
import { PrecallFetcher } from './domain/engine/precall-fetch.js';
import { ScheduleRunner } from './domain/engine/schedule-runner.js';
import { ContactRulesSource } from './domain/rules/contact-rules.js';
import { ContactRulesAdmin } from './domain/rules/contact-rules-admin.js';
import { loadShippedPacks } from './domain/rules/rule-pack.js';
import { HealthService } from './domain/health-service.js';
import { WebhookAdmin } from './domain/events/webhook-admin.js';
import { EventStreamHub, type EventStreamOptions } from './domain/events/event-stream-hub.js';
import { WebhookDelivery, type WebhookDeliveryOptions } from './domain/events/webhook-delivery.js';
import { IdempotencyService } from './domain/idempotency/idempotency-service.js';
import { instrument } from './domain/instrumentation.js';
import { OperationsGauges } from './domain/operations-gauges.js';
import { OutboundSmsService } from './domain/telephony/outbound-sms-service.js';
import type { Provider } from './domain/telephony/provider.js';
import { AdminService } from './domain/tenancy/admin-service.js';
import { ApiAccess } from './domain/tenancy/api-access.js';
import { DemoTenantService } from './domain/tenancy/demo-tenant.js';
import type { Clock } from './shared/clock.js';
import type { Config } from './shared/config.js';
import { silentLogger, type Logger } from './shared/logger.js';
import { Metrics } from './shared/metrics.js';
import type { Db } from './storage/db.js';
import { AgentBoardRepo } from './storage/repos/agent-board-repo.js';
import { AgentCountsRepo } from './storage/repos/agent-counts-repo.js';
import { AgentWorkRepo } from './storage/repos/agent-work-repo.js';
import { PacingRepo } from './storage/repos/pacing-repo.js';
import { PredictiveCallsRepo } from './storage/repos/predictive-calls-repo.js';
import { AgentsRepo } from './storage/repos/agents-repo.js';
import { AttemptsRepo } from './storage/repos/attempts-repo.js';
import { CampaignsRepo } from './storage/repos/campaigns-repo.js';
import { ContactListsRepo } from './storage/repos/contact-lists-repo.js';
import { ContactRulesRepo } from './storage/repos/contact-rules-repo.js';
import { ContactsRepo } from './storage/repos/contacts-repo.js';
import { DialRecordsRepo } from './storage/repos/dial-records-repo.js';
import { LiveListsRepo } from './storage/repos/live-lists-repo.js';
import { ReportsRepo } from './storage/repos/reports-repo.js';
import { DncEntriesRepo } from './storage/repos/dnc-entries-repo.js';
import { EventStreamRepo } from './storage/repos/event-stream-repo.js';
import { IdempotencyRepo } from './storage/repos/idempotency-repo.js';
import { ImportsRepo } from './storage/repos/imports-repo.js';
import { InstancesRepo } from './storage/repos/instances-repo.js';
import { KvRepo } from './storage/repos/kv-repo.js';
import { TenancyRepo } from './storage/repos/tenancy-repo.js';
import { WebhooksRepo } from './storage/repos/webhooks-repo.js';

/** What the caller of `createEngine` decides; the rest of an engine's parts are this process's. */
export type EngineSettings = Pick<
  EngineOptions,
  'provider' | 'maxConcurrentCalls' | 'callsPerSecond' | 'leaseMs' | 'outcomeTimeoutMs' | 'owner'
> & {
  /** Default: the pre-call fetch each bot configures. `null`: none at all (tests that script the provider). */
  precall?: PrecallFetcher | null;
};

/**
 * The use cases of campaignd, wired once per process (HTTP server, worker or CLI) over one
 * database. Only domain services: HTTP routes, the CLI and the runtime call these and never
 * reach the database themselves (docs/architecture.md).
 */
export interface Services {
  /** Admits Kore API callers: token, account, scope (the auth plugin asks it). */
  access: ApiAccess;
  /** Accounts, bots, apps, tokens, flows, queues, templates: the admin API and the CLI. */
  admin: AdminService;
  demo: DemoTenantService;
  campaigns: CampaignService;
  contactLists: ContactListService;
  /** Import jobs (CSV uploads and files, addContacts): `submit` is the one way in. */
  imports: ImportService;
  /** Do-not-call membership (campaign DNC lists + the account's global one). */
  dnc: DncService;
  /** DNC management: add (with an expiry), remove, look up (admin API and CLI). */
  dncAdmin: DncManagement;
  /** Campaign lifecycle triggers and the two status views. */
  instances: InstanceService;
  /** The OutcomeSink every telephony provider reports to. */
  outcomes: OutcomeHandler;
  explain: ExplainService;
  /** Run history, a run's attempts, CSV exports of attempts and contacts (docs/reports.md). */
  reports: ReportsService;
  /** Bots' contact-protection rules (caps, rule packs, blackouts), cached for the engine. */
  contactRules: ContactRulesSource;
  /** The operator's rule packs and blackout dates (admin API, `campaignd rule-packs|blackouts`). */
  rulesAdmin: ContactRulesAdmin;
  /** Call-back scheduling (callContactAt). */
  callbacks: CallbackService;
  /** Plays scheduled campaigns at their occurrences (the runtime runs it before each engine tick). */
  schedules: ScheduleRunner;
  health: HealthService;
  /** Idempotency-Key claims and stored answers of Kore mutations (http/plugins/idempotency.ts). */
  idempotency: IdempotencyService;
  /** Agents as the operator manages them (admin API, `campaignd agents`). */
  agentAdmin: AgentAdminService;
  /** Admits agent API callers by their credential. */
  agentAccess: AgentAccess;
  /** What agents do through the agent API. */
  agentDesk: AgentDeskService;
  /** Agents' dispositions of their calls. */
  agentDispositions: CallDispositions;
  /** The agent event streams of this process (SSE). */
  agentEvents: AgentEventHub;
  /** The supervisor's agents board: agents with state and work, queue summaries (Kore API extension). */
  agentBoard: AgentBoard;
  /** The live event streams of this process (Kore API extension `campaign/events/stream`, SSE). */
  eventStreams: EventStreamHub;
  /** Said when work for the engine appears (an agent freed up): the runtime dials at once. */
  workSignal: WorkSignal;
  /**
   * This process's metrics (one registry per process, never prom-client's global one): the app
   * serves them at `/metrics`, the runtime records its ticks in them (docs/metrics.md).
   */
  metrics: Metrics;
  /** Webhook subscriptions and the event pull endpoint (docs/events.md). */
  webhooks: WebhookAdmin;
  /** The delivery of events to webhook subscriptions, for the runtime's `webhooks` loop. */
  createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery;
  /** A dialing engine over this process's database, for the runtime to tick (tests tick one by hand). */
  createEngine(settings: EngineSettings): Engine;
  /** Kore's Send Outbound SMS over this process's telephony provider (none: every send is a 503). */
  createOutboundSms(provider: Provider | undefined): OutboundSmsService;
}

export interface ServicesConfig
  extends Pick<Config, 'defaultCountry'>, Partial<Pick<Config, 'maxConcurrentCalls' | 'agentPresenceGraceMs'>> {
  /** The live event streams' poll and backpressure (defaults in EventStreamOptions). */
  eventStreams?: EventStreamOptions;
}

export function createServices(db: Db, clock: Clock, config: ServicesConfig, log: Logger = silentLogger): Services {
  const tenancy = new TenancyRepo(db.kysely, db.secrets);
  const campaignsRepo = new CampaignsRepo(db);
  const listsRepo = new ContactListsRepo(db.kysely);
  const contactsRepo = new ContactsRepo(db.kysely);
  const records = new DialRecordsRepo(db);
  const instancesRepo = new InstancesRepo(db.kysely, db.dialect);
  const attempts = new AttemptsRepo(db.kysely, db.dialect);
  const agentsRepo = new AgentsRepo(db.kysely);
  const agentWork = new AgentWorkRepo(db);
  const engineLog = log.child({ component: 'engine' });
  const workSignal = new WorkSignal();

  const campaignCaps = new CampaignCaps(
    async (botId) => (await tenancy.findBot(botId))?.campaign_max_concurrent,
    () => clock.now(),
  );
  const dnc = new DncService(listsRepo, contactsRepo, clock);
  const codes = new DispositionCodes(
    async (botId) => (await tenancy.findBot(botId))?.disposition_codes,
    () => clock.now(),
  );
  const rulesRepo = new ContactRulesRepo(db);
  const contactRules = new ContactRulesSource(
    {
      botRules: async (botId) => (await tenancy.findBot(botId))?.contact_rules,
      customPacks: () => rulesRepo.rulePacks(),
      blackouts: (accountId, botId) => rulesRepo.blackouts(accountId, botId),
    },
    loadShippedPacks(),
    () => clock.now(),
  );
  const admin = new AdminService(
    tenancy,
    clock,
    config.defaultCountry,
    (botId) => {
      campaignCaps.forget(botId);
      codes.forget(botId);
      contactRules.clear();
    },
    async () => (await contactRules.allPacks()).map((p) => p.id),
  );
  const contactLists = new ContactListService(listsRepo, contactsRepo, clock);
  const policies = new CampaignPolicies(campaignsRepo);
  const pacingRepo = new PacingRepo(db);
  const pacingBook = new PacingBook(pacingRepo);
  const predictiveCalls = new PredictiveCalls({
    repo: new PredictiveCallsRepo(db),
    attempts,
    agents: agentsRepo,
    policies,
    codes,
    book: pacingBook,
  });
  const completion = new InstanceCompletion(records, instancesRepo, policies, clock, engineLog);
  const outcomes = new OutcomeHandler(
    attempts,
    instancesRepo,
    policies,
    completion,
    codes,
    contactRules,
    workSignal,
    (i, r, at, now) => records.scheduleCallback(i, r, at, now),
    { calls: predictiveCalls, book: pacingBook },
  );
  const instances = new InstanceService(
    campaignsRepo,
    instancesRepo,
    records,
    contactsRepo,
    dnc,
    clock,
    log.child({ component: 'campaigns' }),
  );
  const messagesSent = (instanceId: string) => instancesRepo.messagesSent(instanceId);
  const botPrecall = async (botId: string) => (await tenancy.findBot(botId))?.precall_config;
  const callbacks = new CallbackService(campaignsRepo, instancesRepo, records, clock);
  const imports = new ImportService(new ImportsRepo(db), clock, { tenancy, lists: listsRepo, contactLists });
  const agentDesk = new AgentDeskService({
    agents: agentsRepo,
    work: agentWork,
    attempts,
    policies,
    signal: workSignal,
    wrapUps: pacingBook,
    clock,
  });
  const agentDispositions = new CallDispositions({
    agents: agentsRepo,
    work: agentWork,
    attempts,
    policies,
    codes,
    callbacks,
    addToDnc: addToDncVia(imports, listsRepo, contactLists),
    signal: workSignal,
    wrapUps: pacingBook,
    clock,
  });

  const webhooksRepo = new WebhooksRepo(db);
  const agentAdmin = new AgentAdminService(agentsRepo, tenancy, clock, campaignsRepo, codes);
  const metrics = new Metrics();
  const gauges = new OperationsGauges(records, instancesRepo, new AgentCountsRepo(db.kysely), webhooksRepo, clock);
  instrument({ outcomes, imports, gauges }, metrics, engineLog);
  return {
    access: new ApiAccess(tenancy, clock),
    admin,
    demo: new DemoTenantService(admin, contactLists, new KvRepo(db.kysely, db.secrets), imports, agentAdmin),
    campaigns: new CampaignService(campaignsRepo, listsRepo, tenancy, clock, messagesSent, () => db.changeVersion?.()),
    contactLists,
    imports,
    dnc,
    dncAdmin: new DncManagement({ lists: listsRepo, entries: new DncEntriesRepo(db.kysely), tenancy, imports, clock }),
    instances,
    outcomes,
    explain: new ExplainService(
      campaignsRepo,
      instancesRepo,
      records,
      dnc,
      attempts,
      clock,
      config.maxConcurrentCalls ?? 100,
      campaignCaps,
      agentsRepo,
      contactRules,
      { calls: predictiveCalls, lockouts: pacingRepo },
    ),
    reports: new ReportsService(new ReportsRepo(db.kysely), campaignsRepo),
    contactRules,
    rulesAdmin: new ContactRulesAdmin({
      repo: rulesRepo,
      tenancy,
      rules: contactRules,
      shipped: loadShippedPacks(),
      clock,
    }),
    callbacks,
    schedules: new ScheduleRunner(campaignsRepo, instances, clock, log.child({ component: 'schedules' })),
    health: new HealthService(db),
    idempotency: new IdempotencyService(new IdempotencyRepo(db.kysely), clock),
    agentAdmin,
    agentAccess: new AgentAccess(agentsRepo),
    agentDesk,
    agentDispositions,
    agentEvents: new AgentEventHub(agentsRepo, agentDesk, clock, log.child({ component: 'agents' })),
    agentBoard: new AgentBoard(new AgentBoardRepo(db.kysely), clock),
    eventStreams: new EventStreamHub(
      new EventStreamRepo(db),
      log.child({ component: 'event-streams' }),
      config.eventStreams,
    ),
    workSignal,
    metrics,
    webhooks: new WebhookAdmin(webhooksRepo, tenancy, clock),
    createWebhookDelivery: (options) =>
      new WebhookDelivery(webhooksRepo, clock, log.child({ component: 'webhooks' }), {
        metrics: metrics.webhooks,
        ...options,
      }),
    createOutboundSms: (provider) =>
      new OutboundSmsService({ tenancy, dnc, provider, log: log.child({ component: 'outbound-sms' }) }),
    createEngine: ({ precall, ...settings }) =>
      new Engine({
        ...settings,
        clock,
        outcomes,
        policies,
        completion,
        records,
        campaignCaps,
        contactRules,
        dnc,
        live: new LiveLists(new LiveListsRepo(db), contactsRepo, dnc),
        instances: instancesRepo,
        agents: {
          repo: agentsRepo,
          work: agentWork,
          attempts,
          graceMs: config.agentPresenceGraceMs ?? 60_000,
          codes,
          wrapUps: pacingBook,
        },
        predictive: predictiveCalls,
        ...(precall !== null ? { precall: precall ?? new PrecallFetcher(botPrecall, () => clock.now()) } : {}),
      }),
  };
}
