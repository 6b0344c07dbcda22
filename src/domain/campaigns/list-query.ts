import type { ListCampaignsBody } from '../../contract/campaign.js';
import type { CampaignListQuery } from '../../storage/repos/campaigns-repo.js';
import { errors } from '../../shared/errors.js';
import { parseIsoTime } from '../../shared/iso-time.js';
import { CAMPAIGN_STATUSES, DIALING_MODES } from './campaign-config.js';
import { canonical, parseCampaignType, parsePriority } from './campaign-rules.js';

export const DEFAULT_PAGE_LIMIT = 50;

const SORT_COLUMNS = { name: 'lname', createdAt: 'created_at', updatedAt: 'updated_at' } as const;

function isoOrThrow(field: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const t = parseIsoTime(raw);
  if (t === undefined)
    throw errors.validation(
      field,
      `${field}: '${raw}' is not an ISO 8601 date like 2026-06-01 or 2026-06-01T12:00:00Z`,
    );
  return new Date(t).toISOString();
}

/**
 * Turns the getAllCampaignDetails body into a query. `skip` wins over `page` when both are
 * given (the samples send agreeing `skip: 0, page: 1`); empty strings mean "not given".
 */
export function parseListQuery(body: ListCampaignsBody): CampaignListQuery {
  const limit = body.limit === '' || body.limit === undefined ? DEFAULT_PAGE_LIMIT : body.limit;
  const page = body.page === '' || body.page === undefined ? undefined : body.page;
  const skip = body.skip === '' || body.skip === undefined ? undefined : body.skip;
  const offset = skip !== undefined && (skip > 0 || page === undefined) ? skip : ((page ?? 1) - 1) * limit;

  let type: 'voice' | 'sms' | undefined;
  if (body.type !== undefined && body.type !== '') {
    type = parseCampaignType(body.type);
    if (!type) throw errors.validation('type', `type: '${body.type}' must be voice or sms`);
  }

  // `sortBy.name` "must be included" per the doc is contradicted by every sample; ignored (inconsistency 21).
  let sort: CampaignListQuery['sort'] = { column: 'created_at', direction: 'desc' };
  const sortEntries = Object.entries(body.sortBy ?? {});
  if (sortEntries.length > 1)
    throw errors.validation('sortBy', 'sortBy: give one field (name, createdAt or updatedAt)');
  for (const [key, dir] of sortEntries) {
    const column = SORT_COLUMNS[key as keyof typeof SORT_COLUMNS];
    if (!column) throw errors.validation('sortBy', `sortBy: '${key}' must be name, createdAt or updatedAt`);
    const direction = canonical(['asc', 'desc'] as const, dir);
    if (!direction) throw errors.validation(`sortBy.${key}`, `sortBy.${key}: must be asc or desc`);
    sort = { column, direction };
  }

  const f = body.filters ?? {};
  const statuses = f.status?.map((s) => {
    const v = s.toLowerCase() === 'running' ? 'Active' : canonical(CAMPAIGN_STATUSES, s);
    if (!v)
      throw errors.validation('filters.status', `filters.status: '${s}' is not one of ${CAMPAIGN_STATUSES.join(', ')}`);
    return v;
  });
  const priorities = f.priority?.map((p) => {
    const v = parsePriority(p);
    if (v === undefined) throw errors.validation('filters.priority', `filters.priority: '${String(p)}' must be 1 to 5`);
    return v;
  });
  const dialingModes = f.dialingMode?.map((m) => {
    const v = canonical(DIALING_MODES, m);
    if (!v)
      throw errors.validation(
        'filters.dialingMode',
        `filters.dialingMode: '${m}' is not one of ${DIALING_MODES.join(', ')}`,
      );
    return v;
  });
  const createdFrom = isoOrThrow('startDate', body.startDate);
  const createdTo = isoOrThrow('endDate', body.endDate);
  if (createdFrom && createdTo && createdFrom > createdTo)
    throw errors.validation('endDate', 'endDate: must not be before startDate');
  return { type, statuses, priorities, dialingModes, createdFrom, createdTo, sort, offset, limit };
}
