import type { OutboundSmsBody } from '../../contract/outbound-sms.js';
import { ValidationErrors, errors, type AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { Tenant } from '../../shared/tenant.js';
import type { TenancyRepo } from '../../storage/repos/tenancy-repo.js';
import type { DncService } from '../contacts/dnc.js';
import { isE164Format, ProviderUnavailableError, type OutboundSmsRequest, type Provider } from './provider.js';

/** What became of one Send Outbound SMS: the attempt id the provider was given. */
export interface OutboundSmsSent {
  attemptId: string;
  flowId: string;
}

/**
 * Kore's Send Outbound SMS (reference §4.11, docs/kore-compatibility.md): the SMS experience flow
 * that `fromNo` is attached to is handed to the telephony provider, which runs it to text `toNo`.
 *
 * Checked before anything is sent, in this order: both numbers E.164 (400 naming each bad field),
 * `fromNo` attached to an SMS flow of the bot (400, field fromNo), `toNo` not on the account's
 * global do-not-call list (409 DO_NOT_CALL). The provider's refusal is a 502 and a provider that
 * cannot be reached a 503: nothing was sent. There is no campaign, so nothing is stored; each send
 * is one log line carrying the provider's attempt id (its outcome, reported later, is not kept).
 */
export class OutboundSmsService {
  constructor(
    private readonly deps: {
      tenancy: TenancyRepo;
      dnc: DncService;
      /** Undefined in a process built without telephony (some tests): every send is then a 503. */
      provider: Provider | undefined;
      log: Logger;
    },
  ) {}

  async send(t: Tenant, body: OutboundSmsBody): Promise<OutboundSmsSent> {
    const problems: AppError[] = [];
    for (const field of ['fromNo', 'toNo'] as const) {
      if (!isE164Format(body[field]))
        problems.push(
          errors.validation(
            field,
            `${field}: ${JSON.stringify(body[field])} is not an E.164 number (+ then 7-15 digits, like +19876543210)`,
          ),
        );
    }
    if (problems.length === 1) throw problems[0]!;
    if (problems.length > 1) throw new ValidationErrors(problems);
    const { fromNo, toNo } = body;

    const flow = await this.deps.tenancy.findSmsFlowByNumber(t.botId, fromNo);
    if (!flow)
      throw errors.validation(
        'fromNo',
        `fromNo ${fromNo} is not attached to an SMS experience flow of bot ${t.botId} (admin API: phoneNumbers of the flow)`,
      );
    const blocked = (await this.deps.dnc.listsFor(t, undefined))[0];
    if (blocked && (await this.deps.dnc.hits([blocked], [toNo])).has(toNo))
      throw errors.doNotContact('toNo', toNo, blocked.name);

    const { provider } = this.deps;
    if (!provider) throw errors.unavailable('No telephony provider is configured in this process; nothing was sent');
    const req: OutboundSmsRequest = {
      attemptId: newId('att'),
      channel: 'sms',
      to: toNo,
      from: fromNo,
      experienceFlowId: flow.id,
      experienceFlowName: flow.name,
      context: { phoneNumber: toNo },
    };
    const log = this.deps.log.child({
      accountId: t.accountId,
      iid: t.botId,
      attemptId: req.attemptId,
      flowId: flow.id,
      provider: provider.name,
    });
    let started;
    try {
      started = await provider.start(req);
    } catch (err) {
      if (err instanceof ProviderUnavailableError) {
        log.warn({ err: err.message, from: fromNo, to: toNo }, 'outbound SMS not sent: provider unavailable');
        throw errors.unavailable('The telephony provider cannot be reached; nothing was sent', 5);
      }
      log.error({ err, from: fromNo, to: toNo }, 'outbound SMS: provider error');
      throw errors.providerRefused('the request failed; it may or may not have been sent');
    }
    if (!started.accepted) {
      log.warn(
        { from: fromNo, to: toNo, outcome: started.outcome, detail: started.detail },
        'outbound SMS refused by the provider',
      );
      throw errors.providerRefused(`${started.outcome}: ${started.detail}`);
    }
    log.info({ from: fromNo, to: toNo }, 'outbound SMS handed to the provider');
    return { attemptId: req.attemptId, flowId: flow.id };
  }
}
