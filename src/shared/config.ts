import path from 'node:path';
import { parseKey } from './secret-box.js';

/** Log levels pino understands. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type TelephonyProviderName = 'simulator' | 'webhook';

export interface Config {
  /** TCP port of the HTTP server. Default 3000. */
  readonly port: number;
  /** Interface the HTTP server binds to. Default 0.0.0.0. */
  readonly host: string;
  /** Directory for the embedded SQLite database and other state. Default ./data. */
  readonly dataDir: string;
  /** `postgres://…` switches storage to PostgreSQL; empty means SQLite under dataDir. */
  readonly databaseUrl: string | undefined;
  /** Bearer token for `/admin/v1`; the admin API is disabled when unset. */
  readonly adminToken: string | undefined;
  /** Bearer token for `GET /metrics` (docs/metrics.md); unset: `/metrics` answers 404. */
  readonly metricsToken: string | undefined;
  /** `campaignd worker` only: the port its `/metrics` listens on (needs METRICS_TOKEN). Default: none. */
  readonly metricsPort: number | undefined;
  /**
   * The key secrets are sealed with at rest (32 bytes, base64); unset: a key file `secrets.key` in
   * DATA_DIR, made on the first start. Every process sharing a database needs the same key.
   */
  readonly secretsKey: Buffer | undefined;
  /** Earlier keys, which only open values (during a rotation). Default none. */
  readonly secretsKeysOld: readonly Buffer[];
  /** Requests per account per rolling minute on the Kore API; 0 disables. Default 60. */
  readonly rateLimitPerMinute: number;
  /** pino level. Default info. */
  readonly logLevel: LogLevel;
  /** Create the demo tenant on first start. Default true. */
  readonly demo: boolean;
  /** Largest accepted JSON body in bytes. Default 1 MiB. */
  readonly bodyLimitBytes: number;
  /** A request (headers and body) must arrive within this; a slower one gets 408 and is closed. Default 120000. */
  readonly requestTimeoutMs: number;
  /** Failed authentications allowed per client address per rolling minute before 429; 0 disables. Default 30. */
  readonly authFailuresPerMinute: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (Fastify's trustProxy): false
   * (default), true, a number of hops, or addresses / CIDRs separated by commas.
   */
  readonly trustProxy: boolean | number | string;
  /** PostgreSQL: a query with no answer after this long fails (503); also the server's statement_timeout. Default 15000. */
  readonly dbQueryTimeoutMs: number;
  /** PostgreSQL: how long to wait for a connection before failing (503). Default 5000. */
  readonly dbConnectTimeoutMs: number;
  /** Run the campaign engine inside the server process. Default true. */
  readonly engineEnabled: boolean;
  /** Engine scheduler tick in milliseconds. Default 1000. */
  readonly engineTickMs: number;
  /** Maximum concurrent calls across all campaigns and every engine sharing the database. Default 100. */
  readonly maxConcurrentCalls: number;
  /** Maximum call (or message) starts per second across this engine process. Default 10. */
  readonly callsPerSecond: number;
  /**
   * How long a claim (and a simulated call out) outlives its engine's last heartbeat; the engine
   * renews every third of it, so a dead engine's work is reconciled within this. Default 15000.
   */
  readonly leaseMs: number;
  /** How long a webhook receiver has to answer a delivery (docs/events.md). Default 10000. */
  readonly webhookTimeoutMs: number;
  /** How long an undeliverable event is retried before its subscription is marked failing. Default 86400000 (24 h). */
  readonly webhookRetryMs: number;
  /** How often engine processes look for webhook deliveries due. Default 1000. */
  readonly webhookPollMs: number;
  /** How long events and webhook delivery logs are kept (EVENTS_RETENTION_DAYS). */
  readonly eventsRetentionDays: number;
  /**
   * How long an agent whose event stream is gone (closed, or silent for 15 s) stays logged in
   * before being logged out; they are never given work while gone. Default 60000.
   */
  readonly agentPresenceGraceMs: number;
  /** Telephony adapter: `simulator` (default) or `webhook`. */
  readonly telephonyProvider: TelephonyProviderName;
  /** Webhook adapter: URL that receives signed dial / send requests. */
  readonly telephonyWebhookUrl: string | undefined;
  /** Webhook adapter: HMAC-SHA256 secret for outgoing requests and incoming callbacks. */
  readonly telephonyWebhookSecret: string | undefined;
  /** Webhook adapter: seconds to wait for an outcome before recording `unknown`. Default 300. */
  readonly telephonyOutcomeTimeoutSec: number;
  /** Simulator: PRNG seed, so a run can be replayed. Default 1. */
  readonly simulatorSeed: number;
  /** Simulator: time scale; 0 completes calls instantly, 1 uses real ring/talk durations. Default 0.01. */
  readonly simulatorSpeed: number;
  /** Simulator: seconds an answered call talks, [min, max] before the time scale. Default [15, 120]. */
  readonly simulatorTalkSec: readonly [number, number];
  /** Simulator: share of voice calls answered (by a person or a machine), 0–1. Default 0.7. */
  readonly simulatorAnswerRate: number;
  /** Simulator: seconds an answered call rings first, [min, max] before the time scale. Default [2, 20]. */
  readonly simulatorRingSec: readonly [number, number];
  /** Simulator: share of answered calls a machine picks up, 0–1. Default 0.15. */
  readonly simulatorMachineRate: number;
  /** Default ISO country for numbers given without `+`, unless the bot sets one. Default US. */
  readonly defaultCountry: string;
}

/** TRUST_PROXY: `true` / `false`, a hop count, or a list of addresses and CIDRs. */
function trustProxyOf(raw: string | undefined): boolean | number | string {
  if (raw === undefined || /^(false|0|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Parses the environment once, collecting every problem before failing so an operator
 * fixes them all in one go. The only place in the code base that reads environment variables.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return def;
    if (!/^-?\d+$/.test(raw)) {
      problems.push(`${name}=${JSON.stringify(raw)} is not an integer`);
      return def;
    }
    const n = Number(raw);
    if (n < min || n > max) problems.push(`${name}=${raw} must be between ${min} and ${max}`);
    return n;
  };
  const num = (name: string, def: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      problems.push(`${name}=${JSON.stringify(raw)} is not a number`);
      return def;
    }
    if (n < min || n > max) problems.push(`${name}=${raw} must be between ${min} and ${max}`);
    return n;
  };
  /** `MIN-MAX` (or one number for both), whole seconds within [lo, hi]. */
  const range = (name: string, def: [number, number], lo: number, hi: number): [number, number] => {
    const raw = read(name);
    if (raw === undefined) return def;
    const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
    const [min, max] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || min > max || min < lo || max > hi) {
      problems.push(`${name}=${JSON.stringify(raw)} must be MIN-MAX seconds with ${lo} <= MIN <= MAX <= ${hi}`);
      return def;
    }
    return [min, max];
  };
  const bool = (name: string, def: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return def;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)} must be true or false`);
    return def;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], def: T): T => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return def;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name}=${JSON.stringify(raw)} must be one of ${values.join(', ')}`);
    return def;
  };

  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for SQLite)');
  }
  const secretsKeyText = read('SECRETS_KEY');
  const secretsKey = secretsKeyText === undefined ? undefined : parseKey(secretsKeyText);
  if (secretsKeyText !== undefined && !secretsKey)
    problems.push('SECRETS_KEY must be 32 bytes in base64 (openssl rand -base64 32)');
  const secretsKeysOld = (read('SECRETS_KEYS_OLD') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((text, i) => {
      const key = parseKey(text);
      if (!key) problems.push(`SECRETS_KEYS_OLD key ${i + 1} must be 32 bytes in base64`);
      return key ? [key] : [];
    });
  const adminToken = read('ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    problems.push('ADMIN_TOKEN must be at least 16 characters');
  }
  const metricsToken = read('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) {
    problems.push('METRICS_TOKEN must be at least 16 characters');
  }
  const metricsPort = read('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== undefined && metricsToken === undefined) problems.push('METRICS_PORT needs METRICS_TOKEN');
  const telephonyProvider = oneOf('TELEPHONY_PROVIDER', ['simulator', 'webhook'] as const, 'simulator');
  const telephonyWebhookUrl = read('TELEPHONY_WEBHOOK_URL');
  const telephonyWebhookSecret = read('TELEPHONY_WEBHOOK_SECRET');
  if (telephonyProvider === 'webhook') {
    if (telephonyWebhookUrl === undefined || !/^https?:\/\//.test(telephonyWebhookUrl)) {
      problems.push('TELEPHONY_WEBHOOK_URL must be an http(s) URL when TELEPHONY_PROVIDER=webhook');
    }
    if (telephonyWebhookSecret === undefined || telephonyWebhookSecret.length < 16) {
      problems.push('TELEPHONY_WEBHOOK_SECRET must be at least 16 characters when TELEPHONY_PROVIDER=webhook');
    }
  }
  const defaultCountry = (read('DEFAULT_COUNTRY') ?? 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(defaultCountry))
    problems.push(`DEFAULT_COUNTRY=${defaultCountry} must be a two-letter ISO country code`);

  const config: Config = {
    port: int('PORT', 3000, 0, 65535),
    host: read('HOST') ?? '0.0.0.0',
    dataDir: path.resolve(read('DATA_DIR') ?? './data'),
    databaseUrl,
    adminToken,
    metricsToken,
    metricsPort,
    secretsKey,
    secretsKeysOld,
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    demo: bool('DEMO', true),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1_048_576, 1024, 104_857_600),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    authFailuresPerMinute: int('AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    trustProxy: trustProxyOf(read('TRUST_PROXY')),
    dbQueryTimeoutMs: int('DB_QUERY_TIMEOUT_MS', 15_000, 100, 3_600_000),
    dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    engineEnabled: bool('ENGINE', true),
    engineTickMs: int('ENGINE_TICK_MS', 1000, 10, 60_000),
    maxConcurrentCalls: int('MAX_CONCURRENT_CALLS', 100, 1, 100_000),
    callsPerSecond: int('CALLS_PER_SECOND', 10, 1, 100_000),
    leaseMs: int('LEASE_MS', 15_000, 300, 3_600_000),
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
    webhookRetryMs: int('WEBHOOK_RETRY_MS', 86_400_000, 1000, 30 * 86_400_000),
    webhookPollMs: int('WEBHOOK_POLL_MS', 1000, 10, 60_000),
    eventsRetentionDays: int('EVENTS_RETENTION_DAYS', 30, 1, 3650),
    agentPresenceGraceMs: int('AGENT_PRESENCE_GRACE_MS', 60_000, 0, 86_400_000),
    telephonyProvider,
    telephonyWebhookUrl,
    telephonyWebhookSecret,
    telephonyOutcomeTimeoutSec: int('TELEPHONY_OUTCOME_TIMEOUT_SEC', 300, 1, 86_400),
    simulatorSeed: int('SIMULATOR_SEED', 1, 0, 2 ** 31 - 1),
    simulatorSpeed: num('SIMULATOR_SPEED', 0.01, 0, 100),
    simulatorTalkSec: range('SIMULATOR_TALK_SEC', [15, 120], 0, 86_400),
    simulatorAnswerRate: num('SIMULATOR_ANSWER_RATE', 0.7, 0, 1),
    simulatorRingSec: range('SIMULATOR_RING_SEC', [2, 20], 0, 120),
    simulatorMachineRate: num('SIMULATOR_MACHINE_RATE', 0.15, 0, 1),
    defaultCountry,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
