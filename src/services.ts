import type { Clock } from './shared/clock.js';
import type { Config } from './shared/config.js';
import { CampaignService } from './domain/campaigns/campaign-service.js';
import { AdminService } from './domain/tenancy/admin-service.js';
import { ContactListService } from './domain/contacts/contact-list-service.js';
import { DncService } from './domain/contacts/dnc.js';
import { ImportService } from './domain/contacts/import-service.js';
import { ContactsRepo } from './storage/repos/contacts-repo.js';
import { ImportsRepo } from './storage/repos/imports-repo.js';
import type { Db } from './storage/db.js';
import { CampaignsRepo } from './storage/repos/campaigns-repo.js';
import { ContactListsRepo } from './storage/repos/contact-lists-repo.js';
import { TenancyRepo } from './storage/repos/tenancy-repo.js';
import { CallbackService } from './domain/engine/callbacks.js';
import { ScheduleRunner } from './domain/engine/schedule-runner.js';
import { CampaignCaps } from './domain/engine/campaign-caps.js';
import { ExplainService } from './domain/engine/explain.js';
import { InstanceService } from './domain/engine/instance-service.js';
import { OutcomeHandler } from './domain/engine/outcome-handler.js';
import { AttemptsRepo } from './storage/repos/attempts-repo.js';
import { DialRecordsRepo } from './storage/repos/dial-records-repo.js';
import { InstancesRepo } from './storage/repos/instances-repo.js';

/** Every domain service, wired once per process (HTTP server, worker or CLI). */
export interface Services {
  db: Db;
  clock: Clock;
  tenancy: TenancyRepo;
  admin: AdminService;
  campaigns: CampaignService;
  contactListsRepo: ContactListsRepo;
  contactLists: ContactListService;
  /** Import jobs (CSV, addContacts); see domain/contacts/import-service.ts. */
  imports: ImportService;
  /** Do-not-call membership for the engine: isOnDnc / blockedNumbers (campaign DNC lists + the account's global one). */
  dnc: DncService;
  /** Campaign engine: lifecycle triggers and status views (domain/engine/instance-service.ts). */
  instances: InstanceService;
  /** The OutcomeSink every telephony provider reports to. */
  outcomes: OutcomeHandler;
  explain: ExplainService;
  /** Call-back scheduling (§5.3 callContactAt). */
  callbacks: CallbackService;
  /** Plays scheduled campaigns at their occurrences (run by the engine's tick). */
  schedules: ScheduleRunner;
  engineRepos: { records: DialRecordsRepo; instances: InstancesRepo };
  /** Calls out at once per campaign (its bot's setting, else 10), for the engine and explain. */
  campaignCaps: CampaignCaps;
}

export function createServices(db: Db, clock: Clock, config: Pick<Config, 'defaultCountry'> & Partial<Pick<Config, 'maxConcurrentCalls'>>): Services {
  const tenancy = new TenancyRepo(db.kysely);
  const campaignCaps = new CampaignCaps(async (botId) => (await tenancy.findBot(botId))?.campaign_max_concurrent, () => clock.now());
  const contactListsRepo = new ContactListsRepo(db.kysely);
  const campaignsRepo = new CampaignsRepo(db);
  const contactsRepo = new ContactsRepo(db.kysely);
  const dnc = new DncService(contactListsRepo, contactsRepo);
  const records = new DialRecordsRepo(db);
  const instancesRepo = new InstancesRepo(db.kysely, db.dialect);
  const attemptsRepo = new AttemptsRepo(db.kysely);
  const instances = new InstanceService(campaignsRepo, instancesRepo, records, contactsRepo, dnc, clock);
  return {
    db,
    clock,
    tenancy,
    contactListsRepo,
    admin: new AdminService(tenancy, clock, config.defaultCountry, (botId) => campaignCaps.forget(botId)),
    campaigns: new CampaignService(campaignsRepo, contactListsRepo, tenancy, clock, async (id) => (await instancesRepo.endedAttempts(id)).get('sms-sent') ?? 0),
    contactLists: new ContactListService(contactListsRepo, contactsRepo, clock),
    imports: new ImportService(new ImportsRepo(db), clock),
    dnc,
    instances,
    schedules: new ScheduleRunner(campaignsRepo, instances, clock),
    outcomes: new OutcomeHandler(attemptsRepo, records, instancesRepo, clock),
    explain: new ExplainService(campaignsRepo, instancesRepo, records, dnc, attemptsRepo, clock, config.maxConcurrentCalls ?? 100, campaignCaps),
    callbacks: new CallbackService(campaignsRepo, instancesRepo, records, clock),
    engineRepos: { records, instances: instancesRepo },
    campaignCaps,
  };
}
