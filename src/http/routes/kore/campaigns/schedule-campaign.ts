import { Type } from '@sinclair/typebox';
import { errors } from '../../../../shared/errors.js';
import { withErrors } from '../../../../contract/envelope.js';
import { KORE_TAG, koreSecurity, type KoreRouteContext } from '../kore-router.js';
import { IDEMPOTENT } from '../../../plugins/idempotency.js';

const ScheduleResponse = Type.Object({ status: Type.Literal('success'), message: Type.String(), id: Type.String() });

/** Kore's schedule API: enable or disable a campaign's recurring schedule; the campaign is named in the query. */
export function scheduleCampaignRoute({ app, services, hide }: KoreRouteContext): void {
  app.post(
    '/campaign/schedule',
    {
      config: IDEMPOTENT,
      schema: {
        hide,
        tags: [KORE_TAG],
        summary: 'Enable (Daily / Weekly recurrence) or disable a campaign schedule',
        description:
          'Body for enableSchedule=true: `{ startDateTime, endDateTime: "YYYY-MM-DD HH:mm:ss", timezone?, recurrenceObject: { recurType: Daily, dailyDetails: { onceEveryNdays } } | { recurType: Weekly, weeklyDetails: { onceEveryNweeks, whichDays: [Mon…Sun] } } }`. The engine plays the campaign at each occurrence.',
        security: koreSecurity,
        querystring: Type.Object({
          enableSchedule: Type.Optional(Type.String({ description: 'true | false' })),
          campaignName: Type.Optional(Type.String()),
          accountId: Type.Optional(Type.String()),
        }),
        body: Type.Optional(Type.Unknown()),
        response: withErrors({ 200: ScheduleResponse }),
      },
    },
    async (req) => {
      const flag = req.query.enableSchedule?.trim().toLowerCase();
      if (flag !== 'true' && flag !== 'false')
        throw errors.validation('enableSchedule', 'enableSchedule: must be true or false');
      const enable = flag === 'true';
      const { name, id } = await services.campaigns.setSchedule(req.tenant, req.query.campaignName, enable, req.body);
      return {
        status: 'success' as const,
        message: enable
          ? `Campaign ${name} scheduled successfully`
          : `Campaign ${name} schedule has been disabled successfully`,
        id,
      };
    },
  );
}
