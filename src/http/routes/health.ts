import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Services } from '../../services.js';
import type { TypedApp } from './kore/kore-router.js';
import { withErrors } from '../../contract/envelope.js';
import { errors } from '../../shared/errors.js';

export function healthRoutes(app: TypedApp, services: Services): void {
  app.get(
    '/healthz',
    { schema: { tags: ['Operations'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'The database answers',
        response: withErrors({ 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }), 503: Type.Ref('ErrorEnvelope') }),
      },
    },
    async () => {
      try {
        await sql`select 1`.execute(services.db.kysely);
      } catch {
        throw errors.unavailable('Database is not reachable');
      }
      return { status: 'ready' as const, database: services.db.dialect };
    },
  );
}
