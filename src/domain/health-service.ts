import { errors } from '../shared/errors.js';
import type { Db, DialectName } from '../storage/db.js';

/** A database that does not answer a trivial query this fast is not ready, frozen or down. */
const PING_TIMEOUT_MS = 2_000;

/** Readiness for load balancers and orchestrators (`/readyz`): the database answers a trivial query, quickly. */
export class HealthService {
  constructor(private readonly db: Pick<Db, 'ping' | 'dialect'>) {}

  async readiness(): Promise<{ database: DialectName }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.db.ping(), late]);
    } catch {
      throw errors.unavailable('Database is not reachable', 5);
    } finally {
      clearTimeout(timer);
    }
    return { database: this.db.dialect };
  }
}
