import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify';
import {
  OUTBOUND_SMS_TRIGGERED,
  OutboundSmsBody,
  OutboundSmsParams,
  OutboundSmsQuery,
  OutboundSmsResponse,
} from '../../../contract/outbound-sms.js';
import { withErrors } from '../../../contract/envelope.js';
import type { OutboundSmsService } from '../../../domain/telephony/outbound-sms-service.js';
import { KORE_TAG, koreSecurity, type TypedApp } from './kore-router.js';

/** The path Kore documents for Send Outbound SMS (reference §4.11), and only that one. */
export const OUTBOUND_SMS_PATH = '/api/public/bot/:iid/outboundsms';

const errorRef = Type.Ref('ErrorEnvelope');

/**
 * Kore's Send Outbound SMS, behind its own scope (*Outbound SMS*): `auth` is checked as on every
 * Kore route and counts against the same per-account rate limit (the hook given), but the account
 * may be left out (Kore documents no accountId here): it is then the app's own.
 */
export function outboundSmsRoutes(sms: OutboundSmsService, auth: onRequestHookHandler): FastifyPluginAsync {
  return async (root) => {
    const app = root as unknown as TypedApp;
    app.addHook('onRequest', auth);
    app.post(
      OUTBOUND_SMS_PATH,
      {
        schema: {
          tags: [KORE_TAG],
          summary: 'Send Outbound SMS: the SMS experience flow attached to fromNo texts toNo',
          description:
            "Scope Outbound SMS. fromNo and toNo in E.164. 400 naming the field for a bad number or a fromNo attached to no SMS flow of the bot; 409 DO_NOT_CALL when toNo is on the account's global DNC list; 502 when the telephony provider refuses; 503 when it cannot be reached. Nothing is sent in any of these cases.",
          security: koreSecurity,
          params: OutboundSmsParams,
          querystring: OutboundSmsQuery,
          body: OutboundSmsBody,
          response: withErrors({ 200: OutboundSmsResponse, 502: errorRef, 503: errorRef }),
        },
      },
      async (req) => {
        await sms.send(req.tenant, req.body);
        return { message: OUTBOUND_SMS_TRIGGERED } as const;
      },
    );
  };
}
