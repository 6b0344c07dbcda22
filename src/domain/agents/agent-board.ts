import type { AgentBoardPage, AgentBoardQuery, BoardAgent, QueuesSummary } from '../../contract/agent-board.js';
import type { Clock } from '../../shared/clock.js';
import type { Tenant } from '../../shared/tenant.js';
import type { AgentBoardRepo } from '../../storage/repos/agent-board-repo.js';
import type { AgentState } from '../../storage/schema.js';
import type { CampaignConfig } from '../campaigns/campaign-config.js';
import { parsePage } from '../contacts/contact-list-service.js';
import { toAgent } from './agent-view.js';
import { presentSince } from './presence.js';

const STATES: AgentState[] = ['Offline', 'Available', 'Reserved', 'OnCall', 'WrapUp', 'NotReady'];

/**
 * A supervisor's view of a bot's agents (Kore API extension, docs/agents.md "The agents board"):
 * every agent with their state, time in it and work, and per queue the agents by state and what
 * the running campaigns on it keep them busy with. Read-only; a few grouped reads per request.
 */
export class AgentBoard {
  constructor(
    private readonly repo: AgentBoardRepo,
    private readonly clock: Clock,
  ) {}

  async agents(t: Tenant, q: AgentBoardQuery): Promise<AgentBoardPage> {
    const { offset, limit } = parsePage(q);
    const now = this.clock.now();
    const { rows, total } = await this.repo.page(t, offset, limit);
    const names = await this.repo.campaignNames(t, [
      ...new Set(rows.map((r) => r.work_campaign_id).filter((id): id is string => id !== null)),
    ]);
    const since = presentSince(now);
    const results = rows.map((r): BoardAgent => {
      const a = toAgent(r, since);
      return {
        id: a.id,
        name: a.name,
        externalId: a.externalId ?? null,
        state: a.state,
        reason: a.reason ?? null,
        since: a.since,
        secondsInState: Math.max(0, Math.floor((now - r.state_since) / 1000)),
        present: a.present,
        queues: a.queues,
        work: a.work
          ? {
              kind: a.work.kind === 'offer' ? ('offer' as const) : ('call' as const),
              campaignId: a.work.campaignId,
              campaignName: names.get(a.work.campaignId) ?? null,
              campaignInstanceId: a.work.campaignInstanceId,
              attemptId: a.work.attemptId ?? null,
              offerId: a.work.kind === 'offer' ? (a.work.offerId ?? null) : null,
            }
          : null,
      };
    });
    return {
      results,
      skip: offset,
      limit,
      hasMore: offset + rows.length < total,
      totalPages: Math.ceil(total / limit),
      totalResults: total,
      asOf: new Date(now).toISOString(),
    };
  }

  async queues(t: Tenant): Promise<QueuesSummary> {
    const now = this.clock.now();
    const [queues, states, work, running] = await Promise.all([
      this.repo.queues(t),
      this.repo.queueStates(t, presentSince(now)),
      this.repo.work(t),
      this.repo.running(t),
    ]);
    const perRun = new Map<string, { callsInFlight: number; inWrapUp: number; offered: number }>();
    for (const w of work) {
      const c = perRun.get(w.instanceId) ?? { callsInFlight: 0, inWrapUp: 0, offered: 0 };
      if (w.kind === 'offer') c.offered += w.n;
      else if (w.state === 'WrapUp') c.inWrapUp += w.n;
      else c.callsInFlight += w.n;
      perRun.set(w.instanceId, c);
    }
    return {
      queues: queues.map((q) => {
        const mine = states.filter((s) => s.queueId === q.id);
        const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<AgentState, number>;
        for (const s of mine) counts[s.state] += s.n;
        return {
          id: q.id,
          name: q.name,
          agents: mine.reduce((n, s) => n + s.n, 0),
          present: mine.reduce((n, s) => n + s.present, 0),
          states: counts,
          campaigns: running
            .filter((c) => queueOf(c.config) === q.id)
            .map((c) => ({
              campaignId: c.id,
              campaignName: c.name,
              campaignInstanceId: c.instance_id,
              status: c.status,
              dialingMode: c.dialing_mode ?? '',
              ...(perRun.get(c.instance_id) ?? { callsInFlight: 0, inWrapUp: 0, offered: 0 }),
            })),
        };
      }),
      asOf: new Date(now).toISOString(),
    };
  }
}

function queueOf(config: string): string | undefined {
  try {
    return (JSON.parse(config) as Partial<CampaignConfig>).queue?.id;
  } catch {
    return undefined;
  }
}
