import {
  Blackout,
  BlackoutAccountQuery,
  BlackoutList,
  BlackoutParams,
  BlackoutQuery,
  CreateBlackoutBody,
  NoContent,
  RulePack,
  RulePackBody,
  RulePackList,
  RulePackParams,
} from '../../../contract/contact-rules.js';
import { withErrors } from '../../../contract/envelope.js';
import type { Services } from '../../../services.js';
import type { TypedApp } from '../kore/kore-router.js';

const TAG = 'Admin: contact rules';
const security = [{ adminToken: [] }];

/**
 * The operator's contact-protection rules (docs/contact-protection.md, "Operator rules"): rule
 * packs (install-wide) and blackout dates (per account or bot). A bot's own caps and chosen packs
 * are bot settings (`PATCH /admin/v1/bots/:iid`).
 */
export function contactRulesAdminRoutes(services: Services): (app: TypedApp) => void {
  return (app) => {
    const rules = services.rulesAdmin;
    app.get(
      '/rule-packs',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Every rule pack a bot may choose (shipped and the operator’s own) and the bots that chose it',
          response: withErrors({ 200: RulePackList }),
        },
      },
      async () => rules.listPacks(),
    );
    app.get(
      '/rule-packs/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'A whole rule pack',
          params: RulePackParams,
          response: withErrors({ 200: RulePack }),
        },
      },
      async (req) => rules.findPack(req.params.id),
    );
    app.put(
      '/rule-packs/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary:
            'Create (201) or replace (200) an operator rule pack; the body is the pack, its id the path id; shipped ids are 409',
          params: RulePackParams,
          body: RulePackBody,
          response: withErrors({ 200: RulePack, 201: RulePack }),
        },
      },
      async (req, reply) => {
        const { created, pack } = await rules.putPack(req.params.id, req.body);
        reply.code(created ? 201 : 200);
        return pack;
      },
    );
    app.delete(
      '/rule-packs/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Delete an operator rule pack (409 for a shipped one or while a bot uses it)',
          params: RulePackParams,
          response: withErrors({ 204: NoContent }),
        },
      },
      async (req, reply) => {
        await rules.deletePack(req.params.id);
        return reply.code(204).send(null);
      },
    );
    app.get(
      '/blackouts',
      {
        schema: {
          tags: [TAG],
          security,
          summary: "The account's blackout dates, or with iid those that apply to that bot",
          querystring: BlackoutQuery,
          response: withErrors({ 200: BlackoutList }),
        },
      },
      async (req) => rules.listBlackouts(req.query),
    );
    app.post(
      '/blackouts',
      {
        schema: {
          tags: [TAG],
          security,
          summary:
            'Add blackout dates: nobody of the account (or bot) is called on them, in each contact’s own time zone',
          body: CreateBlackoutBody,
          response: withErrors({ 201: Blackout }),
        },
      },
      async (req, reply) => {
        const blackout = await rules.addBlackout(req.body);
        reply.code(201);
        return blackout;
      },
    );
    app.delete(
      '/blackouts/:id',
      {
        schema: {
          tags: [TAG],
          security,
          summary: 'Remove a blackout of the account',
          params: BlackoutParams,
          querystring: BlackoutAccountQuery,
          response: withErrors({ 204: NoContent }),
        },
      },
      async (req, reply) => {
        await rules.deleteBlackout(req.query, req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
