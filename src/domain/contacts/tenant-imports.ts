import type { ImportJob, ImportRejects } from '../../contract/contact-list.js';
import { errors } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ImportService } from './import-service.js';

/**
 * Import jobs as a Kore caller sees them: only its own account's and bot's. A job of another tenant
 * reads as missing (404), like any other row of another tenant (ARCHITECTURE.md, tenancy). The admin
 * API reads every job through ImportService itself.
 */
export async function tenantImport(imports: ImportService, t: Tenant, id: string): Promise<ImportJob> {
  const job = await imports.get(id);
  if (job.accountId !== t.accountId || job.iid !== t.botId) throw errors.notFound('Import', id);
  return job;
}

/** A tenant's job's rejected rows, paged by row number (404 for another tenant's job). */
export async function tenantImportRejects(
  imports: ImportService,
  t: Tenant,
  id: string,
  offset: number,
  limit: number,
): Promise<ImportRejects> {
  await tenantImport(imports, t, id);
  return imports.rejects(id, offset, limit);
}
