import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import {
  AccountQuery,
  CreatedSubscription,
  CreateSubscriptionBody,
  DeliveriesQuery,
  DeliveryList,
  EventPage,
  EventsQuery,
  ReplayBody,
  Subscription,
  SubscriptionList,
  SubscriptionParams,
} from '../../../contract/events.js';
import { withErrors } from '../../../contract/envelope.js';
import type { TypedApp } from '../kore/kore-router.js';

const TAG = 'Admin: events';
const security = [{ adminToken: [] }];

/** Webhook subscriptions and the event pull endpoint (docs/events.md); each route calls one use case of WebhookAdmin. */
export function webhookAdminRoutes(services: Services): (app: TypedApp) => void {
  const hooks = services.webhooks;
  return (app) => {
    app.post(
      '/webhooks',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Subscribe a URL to events of an account (optionally one bot); the secret is answered once',
          body: CreateSubscriptionBody,
          response: withErrors({ 201: CreatedSubscription }),
        },
      },
      async (req, reply) => {
        reply.code(201);
        return hooks.create(req.body);
      },
    );
    app.get(
      '/webhooks',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "The account's webhook subscriptions",
          querystring: AccountQuery,
          response: withErrors({ 200: SubscriptionList }),
        },
      },
      async (req) => ({ subscriptions: await hooks.list(req.query.accountId) }),
    );
    app.get(
      '/webhooks/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'One subscription: status, cursor, last error',
          params: SubscriptionParams,
          querystring: AccountQuery,
          response: withErrors({ 200: Subscription }),
        },
      },
      async (req) => hooks.get(req.query.accountId, req.params.id),
    );
    for (const [action, paused] of [
      ['pause', true],
      ['resume', false],
    ] as const) {
      app.post(
        `/webhooks/:id/${action}`,
        {
          schema: {
            tags: [TAG],
            security,
            summary: paused
              ? 'Stop delivering (events keep accumulating; resume delivers them)'
              : 'Deliver again (also a failing subscription, from where it stopped)',
            params: SubscriptionParams,
            querystring: AccountQuery,
            response: withErrors({ 200: Subscription }),
          },
        },
        async (req) => hooks.setPaused(req.query.accountId, req.params.id, paused),
      );
    }
    app.post(
      '/webhooks/:id/replay',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Move the cursor: deliver (again) every matching event with seq > fromSeq, and reactivate',
          params: SubscriptionParams,
          querystring: AccountQuery,
          body: ReplayBody,
          response: withErrors({ 200: Subscription }),
        },
      },
      async (req) => hooks.replay(req.query.accountId, req.params.id, req.body.fromSeq),
    );
    app.delete(
      '/webhooks/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Delete a subscription and its delivery log',
          params: SubscriptionParams,
          querystring: AccountQuery,
          response: withErrors({ 200: Type.Object({ deleted: Type.Literal(true) }) }),
        },
      },
      async (req) => {
        await hooks.delete(req.query.accountId, req.params.id);
        return { deleted: true as const };
      },
    );
    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'The delivery log of a subscription, newest first',
          params: SubscriptionParams,
          querystring: DeliveriesQuery,
          response: withErrors({ 200: DeliveryList }),
        },
      },
      async (req) => ({
        deliveries: await hooks.deliveries(req.query.accountId, req.params.id, Number(req.query.limit ?? 100)),
      }),
    );
    app.get(
      '/events',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "The account's events after a cursor, oldest first (the pull alternative to webhooks)",
          querystring: EventsQuery,
          response: withErrors({ 200: EventPage }),
        },
      },
      async (req) => hooks.events(req.query.accountId, Number(req.query.after ?? 0), Number(req.query.limit ?? 100)),
    );
  };
}
