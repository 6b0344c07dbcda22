import { InvalidArgumentError, type Command } from 'commander';
import type { Agent } from '../contract/agents.js';
import { parseTtl } from '../domain/tenancy/jwt.js';
import { loadConfig } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { CliExit, print, withServices } from './cli-support.js';
import { defaultServerUrl, ensureSimulatedAgents, simulateAgents, type SimulateAgentsOpts } from './simulate-agents.js';

interface TenantOpts {
  accountId: string;
  iid: string;
  json?: boolean;
}

interface CreateOpts extends TenantOpts {
  name: string;
  queue: string[];
  externalId?: string;
  extension?: string;
}

interface UpdateOpts extends TenantOpts {
  name?: string;
  queue?: string[];
  externalId?: string;
  extension?: string;
  resetCredential?: boolean;
}

const repeatable = (v: string, acc: string[] = []) => [...acc, v];

/** Said on stdout under a credential (stderr with --json, whose stdout is one JSON object). */
const CREDENTIAL_NOTE =
  'The credential is shown this once and will not be shown again (only its hash is stored); `campaignd agents update <agentId> --reset-credential` issues a new one.';

const tenantOptions = (cmd: Command) =>
  cmd
    .requiredOption('--account-id <id>', 'account id')
    .requiredOption('--iid <botId>', 'bot id (st-…)')
    .option('--json', 'print one JSON object');

/** An agent as `key  value` lines: its queues as one comma-separated value, its current work in brief. */
function agentLines(a: Agent & { credential?: string }): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    queues: a.queues.join(', '),
    externalId: a.externalId ?? '',
    extension: a.extension ?? '',
    state: a.reason ? `${a.state} (${a.reason})` : a.state,
    present: a.present,
    work: a.work ? `${a.work.kind} ${a.work.attemptId ?? a.work.offerId ?? ''} (${a.work.campaignId})`.trim() : '',
    createdAt: a.createdAt,
    ...(a.credential !== undefined ? { credential: a.credential } : {}),
  };
}

function printAgent(a: Agent & { credential?: string }, json: boolean | undefined): void {
  print(json ? { ...a } : agentLines(a), json);
  if (a.credential !== undefined) (json ? process.stderr : process.stdout).write(`${CREDENTIAL_NOTE}\n`);
}

/** The service's hint names the admin API; on the command line the CLI's own command is the one to name. */
async function withQueueHint<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && err.field === 'queues')
      throw new AppError(
        err.status,
        err.code,
        err.message.replace('(POST /admin/v1/queues creates one)', '(campaignd queues create makes one)'),
        err.field,
      );
    throw err;
  }
}

/** A whole number from `min` to `max`, for commander. */
const wholeNumber = (min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return Number(v);
};

/**
 * `campaignd agents create|list|update|remove`, the agents of Progressive and Preview campaigns, and
 * `campaignd simulate agents`, which logs simulated ones in (registered together: one line in index.ts).
 */
export function registerAgentsCommands(program: Command): void {
  registerAgentAdminCommands(program);
  registerSimulateCommands(program);
}

function registerAgentAdminCommands(program: Command): void {
  const agents = program.command('agents').description('agents of Progressive and Preview campaigns');

  tenantOptions(
    agents.command('create').description('create an agent in one or more queues; prints its credential once'),
  )
    .requiredOption('--name <name>', 'agent name')
    .requiredOption('--queue <name>', 'a queue the agent takes calls of (repeatable)', repeatable)
    .option('--external-id <id>', 'the agent in another system (unique in the bot)')
    .option('--extension <ext>', 'phone extension or SIP address')
    .action(async (opts: CreateOpts) => {
      const created = await withServices((s) =>
        withQueueHint(() =>
          s.agentAdmin.create({
            accountId: opts.accountId,
            iid: opts.iid,
            name: opts.name,
            queues: opts.queue,
            ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
            ...(opts.extension !== undefined ? { extension: opts.extension } : {}),
          }),
        ),
      );
      printAgent(created, opts.json);
    });

  tenantOptions(agents.command('list').description("list the bot's agents with their state"))
    .option('--queue <name>', 'only the agents of this queue')
    .action(async (opts: TenantOpts & { queue?: string }) => {
      const all = await withServices((s) => s.agentAdmin.list({ accountId: opts.accountId, iid: opts.iid }));
      // Queue names are matched without regard to case, as the service matches them.
      const queue = opts.queue?.trim().toLowerCase();
      const results = queue === undefined ? all : all.filter((a) => a.queues.some((q) => q.toLowerCase() === queue));
      if (opts.json) {
        print({ results }, true);
        return;
      }
      if (results.length === 0) {
        process.stdout.write('no agents\n');
        return;
      }
      const rows = results.map((a) => [
        a.id,
        a.name,
        a.reason ? `${a.state} (${a.reason})` : a.state,
        a.queues.join(', '),
      ]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(`${r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ')}\n`);
    });

  tenantOptions(
    agents
      .command('update')
      .description('change an agent; only the options given change')
      .argument('<agentId>', 'the agent (ag-…)'),
  )
    .option('--name <name>', 'new name')
    .option('--queue <name>', "the agent's queues (repeatable; replaces them all)", repeatable)
    .option('--external-id <id>', "the agent in another system ('' clears it)")
    .option('--extension <ext>', "phone extension or SIP address ('' clears it)")
    .option('--reset-credential', 'issue a new credential (printed once); the old one stops working')
    .action(async (agentId: string, opts: UpdateOpts) => {
      const updated = await withServices((s) =>
        withQueueHint(() =>
          s.agentAdmin.update(agentId, {
            accountId: opts.accountId,
            iid: opts.iid,
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.queue !== undefined ? { queues: opts.queue } : {}),
            ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
            ...(opts.extension !== undefined ? { extension: opts.extension } : {}),
            ...(opts.resetCredential ? { resetCredential: true } : {}),
          }),
        ),
      );
      printAgent(updated, opts.json);
    });

  tenantOptions(
    agents
      .command('remove')
      .description('remove an agent (not while they are on a call or hold an offer)')
      .argument('<agentId>', 'the agent (ag-…)'),
  ).action(async (agentId: string, opts: TenantOpts) => {
    const removed = await withServices((s) =>
      s.agentAdmin.remove({ accountId: opts.accountId, iid: opts.iid }, agentId),
    );
    print({ removed: removed.id, name: removed.name }, opts.json);
  });
}

function registerSimulateCommands(program: Command): void {
  const simulate = program.command('simulate').description('simulated people against a running server');
  simulate
    .command('agents')
    .description(
      'log N simulated agents of a queue in through the agent API of a running server (its event stream, as a browser would), ' +
        'accept or skip offers, talk and give dispositions; one line per event. Ctrl-C (or SIGTERM) logs them out and stops. ' +
        'The agents are "Sim Agent 1".."Sim Agent N" of the queue, created if missing (their credentials are reset on every run).',
    )
    .requiredOption('--account-id <id>', 'account id')
    .requiredOption('--iid <botId>', 'bot id (st-…)')
    .requiredOption('--queue <name>', 'the queue the agents take calls of (queues create makes one)')
    .requiredOption('--count <n>', 'how many agents, 1-200', wholeNumber(1, 200))
    .option(
      '--handle-time <duration>',
      'mean talk time of a connected call: 45s, 2m or seconds (drawn around it per call)',
      (v) => {
        const s = parseTtl(v);
        if (s === null) throw new InvalidArgumentError('expected a duration like 0s, 45s, 2m or 60');
        return s;
      },
      60,
    )
    .option(
      '--accept-rate <rate>',
      'share of Preview offers accepted, 0-1 (the rest are skipped while skips are left)',
      (v) => {
        const n = Number(v);
        if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
        return n;
      },
      0.9,
    )
    .option(
      '--seed <n>',
      'seed of the agents’ choices: the same seed makes the same choices',
      wholeNumber(0, 2 ** 31 - 1),
      1,
    )
    .option(
      '--url <url>',
      'the server (default: http://HOST:PORT of this configuration, 127.0.0.1 for 0.0.0.0)',
      (v) => {
        if (!/^https?:\/\/[^/]+/.test(v)) throw new InvalidArgumentError('expected an http(s) URL');
        return v.replace(/\/+$/, '');
      },
    )
    .option(
      '--calls <n>',
      'stop (logging the agents out) once this many calls got their disposition, for scripts and tests',
      wholeNumber(1, 1_000_000),
    )
    .action(async (opts: SimulateAgentsOpts & { url?: string }) => {
      // The database only to find or create the agents; everything they do afterwards goes over HTTP.
      const { agents, url } = await withServices(async (s) =>
        withQueueHint(async () => ({
          agents: await ensureSimulatedAgents(s, opts),
          url: opts.url ?? defaultServerUrl(loadConfig()),
        })),
      );
      try {
        await simulateAgents(opts, agents, url);
      } catch (err) {
        process.stderr.write(`campaignd: ${(err as Error).message}\n`);
        process.exitCode = 1;
        throw new CliExit();
      }
    });
}
