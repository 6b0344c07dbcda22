import { Type } from '@sinclair/typebox';
import { withErrors } from '../../contract/envelope.js';
import type { Services } from '../../services.js';
import type { TypedApp } from './kore/kore-router.js';

export function healthRoutes(app: TypedApp, services: Services): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['Operations'],
        summary: 'The database answers',
        response: withErrors({
          200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }),
          503: Type.Ref('ErrorEnvelope'),
        }),
      },
    },
    async () => ({ status: 'ready' as const, ...(await services.health.readiness()) }),
  );
}
