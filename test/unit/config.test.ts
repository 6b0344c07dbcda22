import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/shared/config.js';

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it does not). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      adminToken: undefined,
      metricsToken: undefined,
      metricsPort: undefined,
      secretsKey: undefined,
      secretsKeysOld: [],
      rateLimitPerMinute: 60,
      logLevel: 'info',
      demo: true,
      bodyLimitBytes: 1_048_576,
      requestTimeoutMs: 120_000,
      authFailuresPerMinute: 30,
      trustProxy: false,
      dbQueryTimeoutMs: 15_000,
      dbConnectTimeoutMs: 5_000,
      engineEnabled: true,
      engineTickMs: 1000,
      maxConcurrentCalls: 100,
      callsPerSecond: 10,
      leaseMs: 15_000,
      webhookTimeoutMs: 10_000,
      webhookRetryMs: 86_400_000,
      webhookPollMs: 1000,
      eventsRetentionDays: 30,
      agentPresenceGraceMs: 60_000,
      telephonyProvider: 'simulator',
      telephonyWebhookUrl: undefined,
      telephonyWebhookSecret: undefined,
      telephonyOutcomeTimeoutSec: 300,
      simulatorSeed: 1,
      simulatorSpeed: 0.01,
      simulatorTalkSec: [15, 120],
      simulatorAnswerRate: 0.7,
      simulatorRingSec: [2, 20],
      simulatorMachineRate: 0.15,
      defaultCountry: 'US',
    } satisfies Config);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('treats empty and blank values as unset and trims the others', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '   ',
      ADMIN_TOKEN: ' ',
      DATABASE_URL: '',
      RATE_LIMIT_PER_MINUTE: ' 5 ',
      DEMO: ' false ',
    });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.adminToken).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.rateLimitPerMinute).toBe(5);
    expect(config.demo).toBe(false);
  });

  it.each<[string, string, keyof Config, unknown]>([
    ['PORT', '8080', 'port', 8080],
    ['PORT', '0', 'port', 0],
    ['HOST', '127.0.0.1', 'host', '127.0.0.1'],
    ['DATA_DIR', '/var/lib/campaignd', 'dataDir', '/var/lib/campaignd'],
    ['DATA_DIR', 'rel/dir', 'dataDir', path.resolve('rel/dir')],
    ['DATABASE_URL', 'postgres://u:p@db:5432/campaignd', 'databaseUrl', 'postgres://u:p@db:5432/campaignd'],
    ['DATABASE_URL', 'postgresql://db/campaignd', 'databaseUrl', 'postgresql://db/campaignd'],
    ['ADMIN_TOKEN', '0123456789abcdef', 'adminToken', '0123456789abcdef'],
    ['METRICS_TOKEN', '0123456789abcdef', 'metricsToken', '0123456789abcdef'],
    ['RATE_LIMIT_PER_MINUTE', '0', 'rateLimitPerMinute', 0],
    ['RATE_LIMIT_PER_MINUTE', '120', 'rateLimitPerMinute', 120],
    ['LOG_LEVEL', 'DEBUG', 'logLevel', 'debug'],
    ['LOG_LEVEL', 'silent', 'logLevel', 'silent'],
    ['DEMO', 'no', 'demo', false],
    ['DEMO', 'OFF', 'demo', false],
    ['DEMO', '0', 'demo', false],
    ['DEMO', 'Yes', 'demo', true],
    ['DEMO', '1', 'demo', true],
    ['BODY_LIMIT_BYTES', '2048', 'bodyLimitBytes', 2048],
    ['ENGINE', 'false', 'engineEnabled', false],
    ['ENGINE_TICK_MS', '250', 'engineTickMs', 250],
    ['MAX_CONCURRENT_CALLS', '7', 'maxConcurrentCalls', 7],
    ['CALLS_PER_SECOND', '3', 'callsPerSecond', 3],
    ['LEASE_MS', '5000', 'leaseMs', 5000],
    ['AGENT_PRESENCE_GRACE_MS', '0', 'agentPresenceGraceMs', 0],
    ['TELEPHONY_OUTCOME_TIMEOUT_SEC', '60', 'telephonyOutcomeTimeoutSec', 60],
    ['SIMULATOR_SEED', '42', 'simulatorSeed', 42],
    ['SIMULATOR_SPEED', '0', 'simulatorSpeed', 0],
    ['SIMULATOR_SPEED', '2.5', 'simulatorSpeed', 2.5],
    ['SIMULATOR_TALK_SEC', '30-300', 'simulatorTalkSec', [30, 300]],
    ['SIMULATOR_TALK_SEC', '600', 'simulatorTalkSec', [600, 600]],
    ['EVENTS_RETENTION_DAYS', '7', 'eventsRetentionDays', 7],
    ['DEFAULT_COUNTRY', 'gb', 'defaultCountry', 'GB'],
    ['TELEPHONY_PROVIDER', 'SIMULATOR', 'telephonyProvider', 'simulator'],
  ])('%s=%s sets %s', (name, value, key, expected) => {
    expect(loadConfig({ [name]: value })[key]).toEqual(expected);
  });

  it('configures the webhook provider with its URL and secret', () => {
    const config = loadConfig({
      TELEPHONY_PROVIDER: 'webhook',
      TELEPHONY_WEBHOOK_URL: 'https://pbx.example/dial',
      TELEPHONY_WEBHOOK_SECRET: 'a-secret-of-16-chars',
    });
    expect(config.telephonyProvider).toBe('webhook');
    expect(config.telephonyWebhookUrl).toBe('https://pbx.example/dial');
    expect(config.telephonyWebhookSecret).toBe('a-secret-of-16-chars');
  });

  it.each<[string, string, RegExp]>([
    ['PORT', 'abc', /PORT="abc" is not an integer/],
    ['PORT', '80.5', /PORT="80.5" is not an integer/],
    ['PORT', '65536', /PORT=65536 must be between 0 and 65535/],
    ['PORT', '-1', /PORT=-1 must be between/],
    ['RATE_LIMIT_PER_MINUTE', '-5', /RATE_LIMIT_PER_MINUTE=-5/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL="loud" must be one of fatal, error, warn, info, debug, trace, silent/],
    ['DEMO', 'maybe', /DEMO="maybe" must be true or false/],
    ['ENGINE', '2', /ENGINE="2" must be true or false/],
    ['BODY_LIMIT_BYTES', '100', /BODY_LIMIT_BYTES=100 must be between 1024 and/],
    ['BODY_LIMIT_BYTES', '1mb', /BODY_LIMIT_BYTES="1mb" is not an integer/],
    ['ENGINE_TICK_MS', '5', /ENGINE_TICK_MS=5/],
    ['MAX_CONCURRENT_CALLS', '0', /MAX_CONCURRENT_CALLS=0/],
    ['CALLS_PER_SECOND', 'fast', /CALLS_PER_SECOND="fast"/],
    ['LEASE_MS', '299', /LEASE_MS=299/],
    ['AGENT_PRESENCE_GRACE_MS', '-5', /AGENT_PRESENCE_GRACE_MS=-5/],
    ['TELEPHONY_OUTCOME_TIMEOUT_SEC', '0', /TELEPHONY_OUTCOME_TIMEOUT_SEC=0/],
    ['SIMULATOR_SEED', '-1', /SIMULATOR_SEED=-1/],
    ['SIMULATOR_SPEED', 'fast', /SIMULATOR_SPEED="fast" is not a number/],
    ['SIMULATOR_SPEED', '101', /SIMULATOR_SPEED=101 must be between 0 and 100/],
    ['SIMULATOR_TALK_SEC', '120-15', /SIMULATOR_TALK_SEC="120-15" must be MIN-MAX seconds/],
    ['SIMULATOR_TALK_SEC', 'long', /SIMULATOR_TALK_SEC="long" must be MIN-MAX seconds/],
    ['SIMULATOR_TALK_SEC', '1-90000', /SIMULATOR_TALK_SEC="1-90000" must be MIN-MAX seconds/],
    ['EVENTS_RETENTION_DAYS', '0', /EVENTS_RETENTION_DAYS=0 must be between 1 and 3650/],
    ['TELEPHONY_PROVIDER', 'twilio', /TELEPHONY_PROVIDER="twilio" must be one of simulator, webhook/],
    ['DEFAULT_COUNTRY', 'USA', /DEFAULT_COUNTRY=USA must be a two-letter ISO country code/],
    ['ADMIN_TOKEN', 'short', /ADMIN_TOKEN must be at least 16 characters/],
    ['METRICS_TOKEN', 'short', /METRICS_TOKEN must be at least 16 characters/],
    ['METRICS_PORT', '9464', /METRICS_PORT needs METRICS_TOKEN/],
  ])('rejects %s=%s', (name, value, message) => {
    const err = configError({ [name]: value });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(message);
    expect(err.message).toMatch(/^Invalid configuration:\n {2}- /);
    expect(err.message).toMatch(message);
  });

  it.each(['mysql://db/x', 'sqlite:///tmp/x.db', 'localhost:5432/campaignd', 'file:data.sqlite', 'http://db:5432/x'])(
    'DATABASE_URL must be postgres:// (rejects %s)',
    (url) => {
      const err = configError({ DATABASE_URL: url });
      expect(err.problems).toEqual([
        'DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for SQLite)',
      ]);
    },
  );

  it('never echoes the admin token in its complaint', () => {
    const err = configError({ ADMIN_TOKEN: 'sEcReT' });
    expect(err.message).not.toContain('sEcReT');
  });

  it('requires the webhook URL and secret only with TELEPHONY_PROVIDER=webhook', () => {
    const err = configError({
      TELEPHONY_PROVIDER: 'webhook',
      TELEPHONY_WEBHOOK_URL: 'ftp://pbx',
      TELEPHONY_WEBHOOK_SECRET: 'short',
    });
    expect(err.problems).toHaveLength(2);
    expect(err.message).toContain('TELEPHONY_WEBHOOK_URL');
    expect(err.message).toContain('TELEPHONY_WEBHOOK_SECRET');
    expect(configError({ TELEPHONY_PROVIDER: 'webhook' }).problems).toHaveLength(2);
    // Ignored with the simulator.
    expect(
      loadConfig({ TELEPHONY_WEBHOOK_URL: 'ftp://pbx', TELEPHONY_WEBHOOK_SECRET: 'short' }).telephonyProvider,
    ).toBe('simulator');
  });

  it('reads the secrets keys, the timeouts, the auth failure limit and the proxies to trust', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const old = Buffer.alloc(32, 9).toString('base64');
    const config = loadConfig({
      SECRETS_KEY: key,
      SECRETS_KEYS_OLD: ` ${old} ,`,
      REQUEST_TIMEOUT_MS: '5000',
      AUTH_FAILURES_PER_MINUTE: '0',
      DB_QUERY_TIMEOUT_MS: '2500',
      DB_CONNECT_TIMEOUT_MS: '750',
      LEASE_MS: '3000',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    });
    expect(config.secretsKey).toEqual(Buffer.alloc(32, 7));
    expect(config.secretsKeysOld).toEqual([Buffer.alloc(32, 9)]);
    expect(config).toMatchObject({
      requestTimeoutMs: 5000,
      authFailuresPerMinute: 0,
      dbQueryTimeoutMs: 2500,
      dbConnectTimeoutMs: 750,
      leaseMs: 3000,
    });
    expect(config.trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    const err = configError({
      SECRETS_KEY: 'too-short',
      SECRETS_KEYS_OLD: `${old},nope`,
      REQUEST_TIMEOUT_MS: '10',
      LEASE_MS: '100',
    });
    expect(err.problems.map((p) => p.split(/[ =]/)[0])).toEqual([
      'SECRETS_KEY',
      'SECRETS_KEYS_OLD',
      'REQUEST_TIMEOUT_MS',
      'LEASE_MS',
    ]);
    // A key is never echoed back.
    expect(err.message).not.toContain('too-short');
  });

  it('reports every bad variable together in one ConfigError', () => {
    const bad = {
      PORT: 'abc',
      DATABASE_URL: 'mysql://db/x',
      ADMIN_TOKEN: 'short',
      RATE_LIMIT_PER_MINUTE: '-1',
      LOG_LEVEL: 'loud',
      DEMO: 'maybe',
      BODY_LIMIT_BYTES: '10',
      ENGINE: 'perhaps',
      ENGINE_TICK_MS: 'x',
      SIMULATOR_SPEED: 'fast',
      DEFAULT_COUNTRY: 'USA',
      TELEPHONY_PROVIDER: 'carrier-pigeon',
    };
    const err = configError({ ...bad, HOST: '127.0.0.1', DATA_DIR: '/tmp/fine' });
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(Object.keys(bad).length);
    for (const name of Object.keys(bad)) expect(err.message).toContain(name);
    // One line per problem, each naming its variable first.
    const lines = err.message.split('\n').slice(1);
    expect(lines).toHaveLength(Object.keys(bad).length);
    for (const line of lines) expect(line).toMatch(/^ {2}- [A-Z_]+[= ]/);
  });
});
