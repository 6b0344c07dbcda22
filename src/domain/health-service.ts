import { errors } from '../shared/errors.js';
import type { Db, DialectName } from '../storage/db.js';

/** Readiness for load balancers and orchestrators (`/readyz`): the database answers a trivial query. */
export class HealthService {
  constructor(private readonly db: Pick<Db, 'ping' | 'dialect'>) {}

  async readiness(): Promise<{ database: DialectName }> {
    try {
      await this.db.ping();
    } catch {
      throw errors.unavailable('Database is not reachable');
    }
    return { database: this.db.dialect };
  }
}
