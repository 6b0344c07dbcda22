import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../shared/config.js';
import { parseTtl } from '../domain/tenancy/jwt.js';
import { migrate } from '../storage/migrations/index.js';
import { resealSecrets } from '../storage/secrets-at-rest.js';
import { secretBoxOf } from '../start/secret-key.js';
import { openDb } from '../storage/db.js';
import type { BotSettingsPatch } from '../contract/admin.js';
import { CliExit, print, withServices } from './cli-support.js';
import { registerAgentsCommands } from './agents.js';
import { registerContactsCommands } from './contacts-import.js';
import { registerDncCommands } from './dnc.js';
import { registerWebhooksCommands } from './webhooks.js';
import { parseFrequencyCaps, parseRulePackIds, registerContactRulesCommands } from './contact-rules.js';
import pkg from '../../package.json' with { type: 'json' };

/** Loads the configuration or ends the command with the list of bad variables (no stack trace). */
function configOrExit() {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`campaignd: ${err.message}\n`);
    process.exit(1);
  }
}

/** Starts a long-lived process (server or worker); a failure to start ends it with exit code 1. */
async function runLongLived(start: (config: ReturnType<typeof loadConfig>) => Promise<void>): Promise<void> {
  try {
    await start(configOrExit());
  } catch (err) {
    process.stderr.write(`campaignd: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  }
}

/** A usage problem found after parsing: one line on stderr, exit code 1 like commander's own. */
function fail(message: string): void {
  process.stderr.write(`campaignd: ${message}\n`);
  process.exitCode = 1;
}

const program = new Command('campaignd')
  .description(
    'Outbound campaign service with a Kore.ai-compatible Campaign Management API.\nConfiguration comes from the environment (DATA_DIR, DATABASE_URL, ...), the same as the server.',
  )
  .version(pkg.version);

const tenantOptions = (cmd: Command) =>
  cmd
    .requiredOption('--account-id <id>', 'account id')
    .requiredOption('--iid <botId>', 'bot id (st-…)')
    .option('--json', 'print one JSON object');

program
  .command('serve')
  .description('start the HTTP server and the campaign engine')
  // Loaded on demand: the HTTP stack would slow every short command down.
  .action(() => runLongLived(async (c) => (await import('../start/serve.js')).serve(c)));

program
  .command('worker')
  .description('run the campaign engine only (no HTTP); several workers may share one PostgreSQL database')
  .action(() => runLongLived(async (c) => (await import('../start/worker.js')).work(c)));

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .option('--json', 'print one JSON object')
  .action(async (opts: { json?: boolean }) => {
    const config = configOrExit();
    const db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, secrets: secretBoxOf(config) });
    try {
      const applied = await migrate(db);
      await resealSecrets(db);
      print({ database: db.dialect, applied }, opts.json);
    } finally {
      await db.close();
    }
  });

program
  .command('secrets')
  .description('secrets at rest (client secrets, pre-call headers)')
  .command('rotate')
  .description('seal every stored secret under SECRETS_KEY; the previous key must be among SECRETS_KEYS_OLD')
  .option('--json', 'print one JSON object')
  .action(async (opts: { json?: boolean }) => {
    const config = configOrExit();
    const db = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, secrets: secretBoxOf(config) });
    try {
      const resealed = await resealSecrets(db);
      print({ keyId: db.secrets.currentKeyId, resealed }, opts.json);
    } catch (err) {
      process.stderr.write(`campaignd: ${(err as Error).message}\n`);
      process.exitCode = 1;
    } finally {
      await db.close();
    }
  });

const apps = program.command('apps').description('JWT apps');
tenantOptions(
  apps
    .command('create')
    .description('create a JWT app with the Campaign Management scope (and the account and bot if new)'),
)
  .option('--name <name>', 'app name')
  .option('--enforce-jti', 'require a fresh jti on every token (lifetime at most 1 h)')
  .option(
    '--scope <scope>',
    'campaign-management or outbound-sms (repeatable; default: campaign-management only)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .action(
    async (opts: {
      accountId: string;
      iid: string;
      name?: string;
      enforceJti?: boolean;
      scope?: string[];
      json?: boolean;
    }) => {
      const app = await withServices((s) =>
        s.admin.createApp({
          accountId: opts.accountId,
          iid: opts.iid,
          name: opts.name,
          enforceJti: opts.enforceJti,
          scopes: opts.scope,
        }),
      );
      print({ ...app }, opts.json);
    },
  );

tenantOptions(apps.command('grant').description('add scopes to an existing app for a bot of its account'))
  .requiredOption('--client-id <id>', 'app clientId')
  .requiredOption(
    '--scope <scope>',
    'campaign-management or outbound-sms (repeatable)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .action(async (opts: { clientId: string; accountId: string; iid: string; scope: string[]; json?: boolean }) => {
    const granted = await withServices((s) =>
      s.admin.grantScopes({ clientId: opts.clientId, accountId: opts.accountId, iid: opts.iid, scopes: opts.scope }),
    );
    print({ ...granted }, opts.json);
  });

program
  .command('token')
  .description("print an HS256 JWT {sub, appId} signed with the app's secret")
  .requiredOption('--client-id <id>', 'app clientId')
  .option('--ttl <duration>', 'lifetime: 30m, 1h, 2d or seconds (default: no expiry; jti apps: 1h)', (v) => {
    const s = parseTtl(v);
    if (s === null || s <= 0) throw new InvalidArgumentError('expected a duration like 30m, 1h, 2d or 3600');
    return s;
  })
  .option('--json', 'print one JSON object')
  .action(async (opts: { clientId: string; ttl?: number; json?: boolean }) => {
    const t = await withServices((s) => s.admin.issueToken({ clientId: opts.clientId, ttlSec: opts.ttl }));
    if (opts.json) print(t, true);
    else process.stdout.write(`${t.token}\n`);
  });

const flows = program.command('flows').description('experience flows');
tenantOptions(flows.command('create').description('create an experience flow (cf-…)'))
  .requiredOption('--name <name>', 'flow name')
  .requiredOption('--channel <channel>', 'voice or sms')
  .option(
    '--phone-number <e164>',
    'SMS flows: a number the flow sends from, the fromNo of Send Outbound SMS (repeatable)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .action(
    async (opts: {
      accountId: string;
      iid: string;
      name: string;
      channel: string;
      phoneNumber?: string[];
      json?: boolean;
    }) => {
      const { phoneNumber, ...rest } = opts;
      const flow = await withServices((s) =>
        s.admin.createFlow({ ...rest, ...(phoneNumber ? { phoneNumbers: phoneNumber } : {}) }),
      );
      print({ ...flow }, opts.json);
    },
  );
tenantOptions(
  flows
    .command('set-phone-numbers')
    .description('replace the numbers an SMS experience flow sends from (none given: detach them all)'),
)
  .requiredOption('--flow-id <id>', 'experience flow id (cf-…)')
  .option('--phone-number <e164>', 'a number the flow sends from (repeatable)', (v: string, acc: string[] = []) => [
    ...acc,
    v,
  ])
  .action(async (opts: { accountId: string; iid: string; flowId: string; phoneNumber?: string[]; json?: boolean }) => {
    const flow = await withServices((s) =>
      s.admin.setFlowNumbers({
        accountId: opts.accountId,
        iid: opts.iid,
        flowId: opts.flowId,
        phoneNumbers: opts.phoneNumber ?? [],
      }),
    );
    print({ ...flow }, opts.json);
  });

const queues = program.command('queues').description('agent queues');
tenantOptions(queues.command('create').description('create an agent queue'))
  .requiredOption('--name <name>', 'queue name')
  .action(async (opts: { accountId: string; iid: string; name: string; json?: boolean }) => {
    print({ ...(await withServices((s) => s.admin.createQueue(opts))) }, opts.json);
  });

const templates = program.command('templates').description('SMS templates');
tenantOptions(templates.command('create').description('create an SMS template (cmt-…)'))
  .requiredOption('--name <name>', 'template name')
  .requiredOption('--message <text>', 'template text')
  .action(async (opts: { accountId: string; iid: string; name: string; message: string; json?: boolean }) => {
    print({ ...(await withServices((s) => s.admin.createTemplate(opts))) }, opts.json);
  });

const bots = program.command('bots').description('bot settings');
tenantOptions(bots.command('show').description("show a bot's settings (pre-call header values are not shown)")).action(
  async (opts: { accountId: string; iid: string; json?: boolean }) => {
    print({ ...(await withServices((s) => s.admin.botSettings(opts))) }, opts.json);
  },
);
tenantOptions(bots.command('configure').description("change a bot's settings; only the options given change"))
  .option('--default-country <cc>', 'ISO country for contact numbers written without +')
  .option(
    '--campaign-max-concurrent <n|default>',
    "calls one campaign may have out at once, 1-1000 ('default': 10)",
    (v): number | 'default' => {
      if (v === 'default') return v;
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError("expected a number or 'default'");
      return Number(v);
    },
  )
  .option('--precall-url <url>', 'pre-call contact fetch: POST each contact here before dialing')
  .option(
    '--precall-header <name:value>',
    'static header for the pre-call request (repeatable)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .option('--precall-timeout-ms <ms>', 'pre-call timeout, 100-60000 (default 5000)', (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected milliseconds');
    return Number(v);
  })
  .option('--no-precall', 'turn the pre-call contact fetch off')
  .option(
    '--disposition-code <code>',
    "a code the bot's agents may give on a call (repeatable; replaces the list)",
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .option('--no-disposition-codes', "clear the bot's list: agents may give any code")
  .option(
    '--frequency-caps <caps>',
    "at most N calls to one number within a window, across the account's campaigns: 3/24h,10/7d (replaces the bot's caps; 'none' clears them)",
    parseFrequencyCaps,
  )
  .option(
    '--rule-packs <ids>',
    "rule packs the bot's campaigns follow: us-federal,us-fl (replaces the choice; 'none' clears it; see rule-packs list)",
    parseRulePackIds,
  )
  .action(
    async (opts: {
      accountId: string;
      iid: string;
      defaultCountry?: string;
      campaignMaxConcurrent?: number | 'default';
      precallUrl?: string;
      precallHeader?: string[];
      precallTimeoutMs?: number;
      precall: boolean;
      dispositionCode?: string[];
      dispositionCodes: boolean;
      frequencyCaps?: { attempts: number; hours: number }[];
      rulePacks?: string[];
      json?: boolean;
    }) => {
      const patch: BotSettingsPatch = { accountId: opts.accountId, iid: opts.iid };
      if (!opts.dispositionCodes && opts.dispositionCode)
        return fail('--disposition-code and --no-disposition-codes cannot be given together');
      if (!opts.dispositionCodes) patch.dispositionCodes = null;
      else if (opts.dispositionCode) patch.dispositionCodes = opts.dispositionCode;
      if (opts.defaultCountry !== undefined) patch.defaultCountry = opts.defaultCountry;
      if (opts.frequencyCaps !== undefined) patch.frequencyCaps = opts.frequencyCaps;
      if (opts.rulePacks !== undefined) patch.rulePacks = opts.rulePacks;
      if (opts.campaignMaxConcurrent !== undefined)
        patch.campaignMaxConcurrent = opts.campaignMaxConcurrent === 'default' ? null : opts.campaignMaxConcurrent;
      if (!opts.precall) patch.precall = null;
      else if (opts.precallUrl !== undefined) {
        const headers: Record<string, string> = {};
        for (const h of opts.precallHeader ?? []) {
          const i = h.indexOf(':');
          if (i <= 0) return fail(`--precall-header '${h}' must look like 'Name: value'`);
          headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
        }
        patch.precall = {
          url: opts.precallUrl,
          ...(opts.precallHeader ? { headers } : {}),
          ...(opts.precallTimeoutMs !== undefined ? { timeoutMs: opts.precallTimeoutMs } : {}),
        };
      } else if (opts.precallHeader || opts.precallTimeoutMs !== undefined) {
        return fail('--precall-header and --precall-timeout-ms need --precall-url');
      }
      print({ ...(await withServices((s) => s.admin.configureBot(patch))) }, opts.json);
    },
  );

registerContactsCommands(program);
registerAgentsCommands(program);
registerDncCommands(program);
registerWebhooksCommands(program);
registerContactRulesCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CliExit)) throw err;
}
