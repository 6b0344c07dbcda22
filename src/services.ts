import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { CampaignService } from './domain/campaigns/campaign-service.js';
import { AdminService } from './domain/tenancy/admin-service.js';
import type { Db } from './storage/db.js';
import { CampaignsRepo } from './storage/repos/campaigns-repo.js';
import { ContactListsRepo } from './storage/repos/contact-lists-repo.js';
import { TenancyRepo } from './storage/repos/tenancy-repo.js';

/** Every domain service, wired once per process (HTTP server, worker or CLI). */
export interface Services {
  db: Db;
  clock: Clock;
  tenancy: TenancyRepo;
  admin: AdminService;
  campaigns: CampaignService;
  contactListsRepo: ContactListsRepo;
}

export function createServices(db: Db, clock: Clock, config: Pick<Config, 'defaultCountry'>): Services {
  const tenancy = new TenancyRepo(db.kysely);
  const contactListsRepo = new ContactListsRepo(db.kysely);
  const campaignsRepo = new CampaignsRepo(db.kysely);
  return {
    db,
    clock,
    tenancy,
    contactListsRepo,
    admin: new AdminService(tenancy, clock, config.defaultCountry),
    campaigns: new CampaignService(campaignsRepo, contactListsRepo, tenancy, clock),
  };
}
