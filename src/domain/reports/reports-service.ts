import type { AttemptView, AttemptsCsvQuery, AttemptsPage, AttemptsQuery, RunSummary } from '../../contract/reports.js';
import { errors } from '../../shared/errors.js';
import type { ApiTenant, Tenant } from '../../shared/tenant.js';
import type { CampaignsRepo } from '../../storage/repos/campaigns-repo.js';
import type { AttemptKey, AttemptReportRow, ReportsRepo } from '../../storage/repos/reports-repo.js';
import type { CampaignInstanceRow } from '../../storage/schema.js';
import { isOutcome, toKoreDialerOutcome } from '../engine/retry-policy.js';
import { contactsCsv } from './contacts-csv.js';
import { csvLine } from './csv-format.js';
import { decodeCursor, encodeCursor, parseAttemptSelection, parseLimit } from './report-query.js';

/** Attempts that placed a call or sent a message: the denominator of the connect rate. */
const DIALED = new Set([
  'completed',
  'machine-completed',
  'machine',
  'no-answer',
  'busy',
  'failed',
  'invalid',
  'declined',
  'unknown',
  'sms-sent',
  'sms-failed',
]);
const CONNECTED = new Set(['completed', 'machine-completed', 'machine', 'sms-sent']);
const MACHINE = new Set(['machine-completed', 'machine']);

/** Rows per query of an export: big enough to amortise a round trip, small enough to keep memory flat. */
export const EXPORT_CHUNK = 2000;

/** A CSV export: its file name and its text, produced a chunk at a time as the reader pulls. */
export interface CsvExport {
  filename: string;
  chunks: AsyncIterable<string>;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
const mean = (sum: number, n: number): number | null => (n === 0 ? null : Math.round((sum / n) * 100) / 100);
const dialerOutcome = (o: string | null): string => (o !== null && isOutcome(o) ? toKoreDialerOutcome(o, true) : '');
const add = (m: Record<string, number>, k: string, n: number) => {
  m[k] = (m[k] ?? 0) + n;
};

function toAttemptView(r: AttemptReportRow): AttemptView {
  return {
    attemptId: r.id,
    recordId: r.record_id,
    contactId: r.contact_id,
    uniqueId: r.unique_id,
    phoneNumber: r.phone_e164,
    attemptNo: r.attempt_no,
    channel: r.channel,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at),
    outcome: r.outcome,
    dialerOutcome: dialerOutcome(r.outcome),
    providerOutcome: r.provider_outcome,
    ringSec: r.ring_sec,
    talkSec: r.talk_sec,
    machineDetected: r.machine_detected === null ? null : r.machine_detected === 1,
    agentId: r.agent_id,
    detail: r.detail,
  };
}

const ATTEMPT_COLUMNS = [
  'attemptId',
  'campaignId',
  'instanceId',
  'recordId',
  'contactId',
  'uniqueId',
  'phoneNumber',
  'attemptNo',
  'channel',
  'startedAt',
  'endedAt',
  'outcome',
  'dialerOutcome',
  'providerOutcome',
  'ringSec',
  'talkSec',
  'machineDetected',
  'agentId',
  'detail',
] as const;

/**
 * Reports over what the engine stores (docs/reports.md): a campaign's run history, the attempts of
 * a run, CSV exports of a run's attempts and of a list's contacts. Read-only.
 */
export class ReportsService {
  constructor(
    private readonly repo: ReportsRepo,
    private readonly campaigns: CampaignsRepo,
  ) {}

  /** Every run of the campaign, newest first: three queries whatever the number of runs and attempts. */
  async runs(t: Tenant, campaignId: string): Promise<RunSummary[]> {
    if (!(await this.campaigns.find(t, campaignId))) throw errors.campaignNotFound(campaignId);
    const runs = await this.repo.runs(t, campaignId);
    const ids = runs.map((r) => r.id);
    const [attempts, records] = await Promise.all([this.repo.attemptStats(ids), this.repo.recordStats(ids)]);
    const byRun = new Map(runs.map((r) => [r.id, emptySummary(r)]));
    const sums = new Map(ids.map((id) => [id, { ring: 0, ringN: 0, talk: 0, talkN: 0, dialed: 0 }]));
    for (const a of attempts) {
      const s = byRun.get(a.instance_id)!;
      const acc = sums.get(a.instance_id)!;
      s.attempts.total += a.n;
      acc.ring += a.ring_sum ?? 0;
      acc.ringN += a.ring_n;
      if (a.outcome === null) continue;
      s.attempts.ended += a.n;
      add(s.attempts.byOutcome, a.outcome, a.n);
      add(s.attempts.byDialerOutcome, dialerOutcome(a.outcome), a.n);
      if (DIALED.has(a.outcome)) acc.dialed += a.n;
      if (CONNECTED.has(a.outcome)) {
        s.connected += a.n;
        acc.talk += a.talk_sum ?? 0;
        acc.talkN += a.talk_n;
      }
      if (MACHINE.has(a.outcome)) s.machine += a.n;
    }
    for (const r of records) {
      const s = byRun.get(r.instance_id)!;
      if (r.state !== 'done') {
        s.records.open += r.n;
        continue;
      }
      s.records.finished += r.n;
      const outcome = r.final_outcome ?? 'unknown';
      add(s.records.byOutcome, outcome, r.n);
      add(s.records.byDialerOutcome, dialerOutcome(outcome), r.n);
    }
    for (const [id, s] of byRun) {
      const acc = sums.get(id)!;
      s.connectRate = ratio(s.connected, acc.dialed);
      s.machineRate = ratio(s.machine, s.connected);
      s.avgRingSec = mean(acc.ring, acc.ringN);
      s.avgTalkSec = mean(acc.talk, acc.talkN);
    }
    return [...byRun.values()];
  }

  /** One page of a run's attempts, keyset-paged by (start time, attempt id). */
  async attempts(t: ApiTenant, campaignId: string, instanceId: string, q: AttemptsQuery): Promise<AttemptsPage> {
    const sel = parseAttemptSelection(t, q);
    const limit = parseLimit(q.limit);
    const after = decodeCursor(q.cursor);
    await this.requireRun(t, campaignId, instanceId);
    if (sel.empty) return { results: [], limit, hasMore: false, nextCursor: null };
    // One row more than asked says whether there is a next page without a count.
    const rows = await this.repo.attempts({ ...sel.filter, instanceId }, sel.order, after, limit + 1);
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      results: page.map(toAttemptView),
      limit,
      hasMore,
      nextCursor: hasMore && last ? encodeCursor({ startedAt: last.started_at, id: last.id }) : null,
    };
  }

  /** A run's attempts as CSV (same filters and order as the page), read a chunk at a time. */
  async attemptsCsv(t: ApiTenant, campaignId: string, instanceId: string, q: AttemptsCsvQuery): Promise<CsvExport> {
    const sel = parseAttemptSelection(t, q);
    await this.requireRun(t, campaignId, instanceId);
    const repo = this.repo;
    async function* chunks(): AsyncGenerator<string> {
      yield csvLine(ATTEMPT_COLUMNS);
      if (sel.empty) return;
      let after: AttemptKey | undefined;
      for (;;) {
        const rows = await repo.attempts({ ...sel.filter, instanceId }, sel.order, after, EXPORT_CHUNK);
        if (rows.length === 0) return;
        let out = '';
        for (const r of rows) {
          const v = toAttemptView(r);
          out += csvLine([
            v.attemptId,
            campaignId,
            instanceId,
            v.recordId,
            v.contactId,
            v.uniqueId,
            v.phoneNumber,
            v.attemptNo,
            v.channel,
            v.startedAt,
            v.endedAt,
            v.outcome,
            v.dialerOutcome,
            v.providerOutcome,
            v.ringSec,
            v.talkSec,
            v.machineDetected,
            v.agentId,
            v.detail,
          ]);
        }
        yield out;
        if (rows.length < EXPORT_CHUNK) return;
        const last = rows.at(-1)!;
        after = { startedAt: last.started_at, id: last.id };
      }
    }
    return { filename: `attempts-${instanceId}.csv`, chunks: chunks() };
  }

  /** A list's contacts as CSV, as the list stood when the export began (later imports are not in it). */
  async contactsCsv(t: Tenant, listId: string): Promise<CsvExport> {
    const mark = await this.repo.listMark(t, listId);
    if (!mark) throw errors.contactListNotFound(listId);
    return { filename: `contacts-${listId}.csv`, chunks: contactsCsv(this.repo, listId, mark, EXPORT_CHUNK) };
  }

  private async requireRun(t: Tenant, campaignId: string, instanceId: string): Promise<CampaignInstanceRow> {
    if (!(await this.campaigns.find(t, campaignId))) throw errors.campaignNotFound(campaignId);
    const run = await this.repo.run(t, campaignId, instanceId);
    if (!run) throw errors.notFound('Campaign instance', instanceId);
    return run;
  }
}

function emptySummary(r: CampaignInstanceRow): RunSummary {
  return {
    instanceId: r.id,
    campaignId: r.campaign_id,
    type: r.type,
    status: r.status,
    startedAt: iso(Number(r.started_at))!,
    endedAt: iso(r.ended_at === null ? null : Number(r.ended_at)),
    records: {
      total: Number(r.total_records),
      excluded: Number(r.excluded_records),
      finished: 0,
      open: 0,
      byOutcome: {},
      byDialerOutcome: {},
    },
    attempts: { total: 0, ended: 0, byOutcome: {}, byDialerOutcome: {} },
    connected: 0,
    connectRate: null,
    machine: 0,
    machineRate: null,
    avgRingSec: null,
    avgTalkSec: null,
  };
}
