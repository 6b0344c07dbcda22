import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Agents counted per state across every tenant (the `campaignd_agents` gauge, read at scrape time). */
export class AgentCountsRepo {
  constructor(private readonly k: Kysely<Database>) {}

  async byState(): Promise<Map<string, number>> {
    const rows = await this.k
      .selectFrom('agents')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    return new Map(rows.map((r) => [r.state, Number(r.n)]));
  }
}
