/**
 * Request fuzzing for the HTTP API (test/integration/fuzz-*.test.ts): fast-check arbitraries
 * derived from the TypeBox schemas of src/contract, mixed with hostile values, and the checks
 * every answer must pass.
 *
 *   const body = arbitraryOf(CampaignInput, { hints: { 'dialingStrategy.callingHours.timezone': fc.constant('UTC') } });
 *   await fc.assert(fc.asyncProperty(body, async (b) => { ... }), fuzzParams(200));
 *
 * A generated value is either schema-valid throughout (strings may still hold anything the schema
 * allows: emoji, combining marks, bidi and C1 controls) or has, here and there, a hostile value in
 * place of a valid one: a NUL, a lone surrogate, a wrong type, a number out of any range, a string
 * of up to 1 MiB, nesting 50–200 levels deep. `hints` give, per path, values the domain accepts
 * (an existing list name, a real time zone), so that a good share of requests succeed and their
 * stored result can be read back.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/schema.js';
import { expect } from 'vitest';

/** The seed under CI, so a failure there replays exactly; FUZZ_SEED replays one seen elsewhere. */
export const CI_SEED = 20261206;

function seedFromEnv(): number | undefined {
  const given = process.env.FUZZ_SEED;
  if (given !== undefined && given.trim() !== '') return Number(given);
  return process.env.CI ? CI_SEED : undefined;
}

export const FUZZ_SEED = seedFromEnv();

/**
 * fast-check parameters for one property: `numRuns` cases (FUZZ_RUNS overrides it, for a longer
 * soak), the fixed seed under CI (random otherwise; fast-check prints the seed and the shrunk
 * counterexample of a failure either way).
 */
export function fuzzParams<T>(numRuns: number): fc.Parameters<T> {
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : numRuns;
  return { numRuns: runs, verbose: 1, ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) };
}

// ---------------------------------------------------------------------------------------------
// Strings and numbers

/** Bidirectional embeddings, overrides and isolates ("Trojan Source"). */
export const BIDI_CONTROLS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
] as const;

/** C0 and C1 controls other than NUL. */
const CONTROLS = [
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\u000b',
  '\r',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u009f',
];

/** One code point per unit, so a schema's minLength / maxLength (counted in code points) hold. */
const unit: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,/') },
  { weight: 4, arbitrary: fc.constantFrom('é', 'ß', 'ñ', 'Ω', 'ж', '中', '文', 'ש', 'ل', 'क', 'ー', 'ǅ', 'İ', 'ﬃ') },
  { weight: 2, arbitrary: fc.constantFrom('😀', '👍', '🇺', '🏽', '𝔘', '\u{10ffff}') },
  { weight: 2, arbitrary: fc.constantFrom('\u0301', '\u0308', '\u200d', '\ufe0f', '\u200b', '\ufeff') },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\u00a0', '\u3000', '\u2003', '\u2028', '\u2029') },
  { weight: 1, arbitrary: fc.constantFrom(...BIDI_CONTROLS, ...CONTROLS, '\ufffd', '"', "'", '\\', '%', '<', '&') },
);

/** Well-formed text of `min`–`max` code points (at most 24 unless the bound itself is asked for). */
export function text(min = 0, max = 24): fc.Arbitrary<string> {
  const upper = Math.max(min, Math.min(max, 24));
  const arbs: fc.WeightedArbitrary<string>[] = [
    { weight: 10, arbitrary: fc.string({ unit, minLength: min, maxLength: upper }) },
  ];
  // The bounds themselves, in ASCII and in characters that take two UTF-16 units or two UTF-8 bytes.
  if (Number.isFinite(max) && max <= 1000) {
    arbs.push({
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('a', 'é', '😀', '中'), fc.constantFrom(Math.max(min, 1), max))
        .map(([c, n]) => c.repeat(n)),
    });
  }
  return fc.oneof(...arbs);
}

/** What no endpoint can store as given: NUL, lone surrogates. */
const UNSTORABLE = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800'];

/** A string up to 1 MiB of characters (so up to 4 MiB of UTF-8): over the body limit for the bigger ones. */
export function longString(): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('a', 'é', '😀', ' '),
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 257, max: 4096 }) },
        { weight: 1, arbitrary: fc.integer({ min: 4096, max: 1 << 20 }) },
      ),
    )
    .map(([c, n]) => c.repeat(n));
}

/**
 * Strings meant to break things: NUL, lone surrogates, bidi and other controls inside ordinary
 * text, whitespace only, numbers and keywords as strings, and (rarely) very long strings.
 */
export function hostileString(opts: { long?: boolean } = {}): fc.Arbitrary<string> {
  const special = fc.constantFrom(...UNSTORABLE, ...BIDI_CONTROLS, ...CONTROLS, '\ufffd', '\ufeff', '\r\n');
  const arbs: fc.WeightedArbitrary<string>[] = [
    {
      weight: 8,
      arbitrary: fc.tuple(text(0, 8), special, text(0, 8)).map(([a, s, b]) => a + s + b),
    },
    {
      weight: 2,
      arbitrary: fc.string({
        unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\u2003'),
        maxLength: 6,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '0',
        '-1',
        '1e308',
        'NaN',
        'Infinity',
        '-0',
        '0x1F',
        ' 5 ',
        '５',
        '2147483648',
        '9007199254740993',
        'true',
        'null',
        'undefined',
        '[]',
        '{}',
        "' OR '1'='1",
        '../../etc/passwd',
        '%00',
        '${x}',
      ),
    },
  ];
  if (opts.long !== false) arbs.push({ weight: 1, arbitrary: longString() });
  return fc.oneof(...arbs);
}

/** Numbers at and beyond every bound, fractions, and NaN-like strings. */
export function hostileNumber(): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        -1,
        0,
        -0,
        0.5,
        -0.5,
        1.5,
        2 ** 31,
        -(2 ** 31) - 1,
        2 ** 53 + 2,
        Number.MAX_SAFE_INTEGER,
        1e20,
        1e308,
        -1e308,
        5e-324,
      ),
    },
    { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 2, arbitrary: fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e308', '5', ' 1 ', '0x10', '') },
  );
}

/** Arrays or objects nested 50–200 levels deep. */
export function deepNest(): fc.Arbitrary<unknown> {
  return fc.tuple(fc.integer({ min: 50, max: 200 }), fc.boolean()).map(([depth, arrays]) => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
    return v;
  });
}

/** Any JSON value that is most likely not the type asked for. */
export function wrongType(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.constant([]),
    fc.constant({}),
    hostileString({ long: false }),
    hostileNumber(),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  );
}

/** Object keys beyond a schema's: prototype-poisoning names, odd spellings, hostile text. */
const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' ', '$where', 'a.b', 'x'),
  text(1, 12),
  hostileString({ long: false }),
);

/** JSON values for `Unknown` places, hostile ones included when `hostile`. */
function jsonOf(hostile: boolean): fc.Arbitrary<unknown> {
  const valid = fc.jsonValue({ maxDepth: 3 });
  if (!hostile) return valid;
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: deepNest() },
    { weight: 1, arbitrary: wrongType() },
  );
}

// ---------------------------------------------------------------------------------------------
// Schema -> arbitrary

export interface ArbitraryOptions {
  /**
   * Values the domain accepts, per path: `name`, `dialingStrategy.callerId.phoneNumber`, `days[].day`
   * (`[]` stands for any array item, `{}` for any record value). Mixed with the schema's own values.
   */
  hints?: Record<string, fc.Arbitrary<unknown>>;
}

interface Ctx {
  hostile: boolean;
  hints: Record<string, fc.Arbitrary<unknown>>;
}

type Schema = TSchema & Record<string, unknown>;

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** A plain object with `key` as an own property, `__proto__` included (JSON.stringify then writes it). */
function withKey(o: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

function validOf(schema: Schema, path: string, ctx: Ctx): fc.Arbitrary<unknown> {
  switch (schema[Kind]) {
    case 'String': {
      if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern as string));
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
      return text(min, max);
    }
    case 'Integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 100_000;
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min, max }) },
        { weight: 1, arbitrary: fc.constantFrom(min, max) },
      );
    }
    case 'Number':
      return fc.oneof(fc.integer({ min: -10, max: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'Boolean':
      return fc.boolean();
    case 'Null':
      return fc.constant(null);
    case 'Literal':
      return fc.constant(schema.const);
    case 'Union':
      return fc.oneof(...(schema.anyOf as Schema[]).map((s) => build(s, path, ctx)));
    case 'Array': {
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 4, Math.max(minLength, 4));
      return fc.array(build(schema.items as Schema, `${path}[]`, ctx), { minLength, maxLength });
    }
    case 'Record': {
      const [value] = Object.values(schema.patternProperties as Record<string, Schema>);
      return fc
        .array(fc.tuple(text(0, 12), build(value!, `${path}{}`, ctx)), { maxLength: 3 })
        .map((entries) => entries.reduce<Record<string, unknown>>((o, [k, v]) => withKey(o, k, v), {}));
    }
    case 'Object':
      return objectOf(schema, path, ctx);
    case 'Unknown':
    case 'Any':
      return jsonOf(ctx.hostile);
    default:
      throw new Error(`arbitraryOf: no generator for schema kind ${String(schema[Kind])} at '${path}'`);
  }
}

function objectOf(schema: Schema, path: string, ctx: Ctx): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = (schema.required ?? []) as string[];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, s] of Object.entries(properties)) model[key] = build(s, join(path, key), ctx);
  // Hostile: a required property may be missing as well.
  const record = fc.record(model, { requiredKeys: ctx.hostile ? [] : required });
  const extras = fc.array(
    fc.tuple(
      extraKey.filter((k) => !(k in properties)),
      jsonOf(ctx.hostile),
    ),
    { maxLength: 2 },
  );
  return fc
    .tuple(record, fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extras }))
    .map(([o, more]) => {
      // A fresh object: fc.record's value must not be mutated (it is reused while shrinking).
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) withKey(out, k, v);
      for (const [k, v] of more) withKey(out, k, v);
      return out;
    });
}

function hostileOf(schema: Schema): fc.Arbitrary<unknown> {
  switch (schema[Kind]) {
    case 'String':
    case 'Literal':
      return fc.oneof({ weight: 3, arbitrary: hostileString() }, { weight: 1, arbitrary: wrongType() });
    case 'Integer':
    case 'Number':
      return fc.oneof({ weight: 3, arbitrary: hostileNumber() }, { weight: 1, arbitrary: wrongType() });
    case 'Array': {
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : undefined;
      const tooMany =
        max !== undefined && max <= 100
          ? fc.array(jsonOf(false), { minLength: max + 1, maxLength: max + 2 })
          : fc.array(jsonOf(true), { maxLength: 3 });
      return fc.oneof(wrongType(), tooMany, deepNest());
    }
    case 'Unknown':
    case 'Any':
      return fc.oneof(deepNest(), wrongType());
    default:
      return wrongType();
  }
}

function build(schema: Schema, path: string, ctx: Ctx): fc.Arbitrary<unknown> {
  const own = validOf(schema, path, ctx);
  const hint = ctx.hints[path];
  const valid = hint ? fc.oneof({ weight: ctx.hostile ? 4 : 15, arbitrary: hint }, { weight: 1, arbitrary: own }) : own;
  if (!ctx.hostile) return valid;
  return fc.oneof({ weight: 14, arbitrary: valid }, { weight: 1, arbitrary: hostileOf(schema) });
}

/**
 * Values for `schema`: two in five valid throughout (as far as the schema can say, hints
 * preferred), the rest with a hostile value in place of a valid one here and there.
 */
export function arbitraryOf(schema: TSchema, opts: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const hints = opts.hints ?? {};
  const s = schema as Schema;
  return fc.oneof(
    { weight: 2, arbitrary: build(s, '', { hostile: false, hints }) },
    { weight: 3, arbitrary: build(s, '', { hostile: true, hints }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Requests

/** A request as generated (and as fast-check prints a counterexample). */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON.stringify(body) (lone surrogates become `\ud800` escapes, as a hostile client would send). */
  body?: unknown;
  /** Sent as is, instead of `body`. */
  raw?: string | Buffer;
}

/** A request body and its content type; neither present means no body at all. */
export interface BodyPart {
  contentType?: string;
  body?: unknown;
  raw?: string;
}

const NOT_JSON = [
  'not json',
  '{',
  '{"a":',
  "{'a':1}",
  '[1,]',
  '\ufeff{}',
  'undefined',
  'NaN',
  '1',
  '"text"',
  'null',
  'true',
  '[]',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"a":1,"a":2}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":1}garbage',
  'a=1&b=2',
  '<xml/>',
];

/**
 * Mostly `value` as JSON with `Content-Type: application/json`; sometimes the same JSON under
 * another content type (or none), text that is not JSON, an empty body, or no body.
 */
export function bodyOf(value: fc.Arbitrary<unknown>): fc.Arbitrary<BodyPart> {
  const otherType = fc.constantFrom(
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/vnd.api+json',
    'application/json; charset=utf-16',
    'APPLICATION/JSON',
    'text/csv',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/json, text/plain',
  );
  return fc.oneof(
    { weight: 24, arbitrary: value.map((body) => ({ contentType: 'application/json', body })) },
    { weight: 2, arbitrary: fc.tuple(value, otherType).map(([body, contentType]) => ({ contentType, body })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...NOT_JSON), fc.constantFrom('application/json', 'text/plain'))
        .map(([raw, contentType]) => ({ contentType, raw })),
    },
    { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', raw: '' }) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** The request with `part` as its body. */
export function withBody(req: Omit<FuzzRequest, 'body' | 'raw'>, part: BodyPart): FuzzRequest {
  const headers = { ...req.headers };
  if (part.contentType !== undefined) headers['content-type'] = part.contentType;
  if (part.raw !== undefined) return { ...req, headers, raw: part.raw };
  if ('body' in part) return { ...req, headers, body: part.body };
  return { ...req, headers };
}

const hex = (b: number) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * encodeURIComponent, except that a lone surrogate (which encodeURIComponent refuses) is written
 * as the three bytes it would have in WTF-8 (`\ud800` -> `%ED%A0%80`): what a hostile client sends.
 */
export function encodeComponent(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += hex(0xe0 | (c >> 12)) + hex(0x80 | ((c >> 6) & 0x3f)) + hex(0x80 | (c & 0x3f));
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

/** `s` as UTF-8, except that a lone surrogate becomes its three WTF-8 bytes (Buffer.from would write U+FFFD). */
export function wtf8(s: string): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      parts.push(
        Buffer.from(s.slice(start, i)),
        Buffer.from([0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]),
      );
      start = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(start)));
  return Buffer.concat(parts);
}

/** The percent-escaped WTF-8 bytes of a UTF-16 surrogate (U+D800–U+DFFF), as encodeComponent writes a lone one. */
export const SURROGATE_ESCAPE = /%ED%[AB][0-9A-F]%[89AB][0-9A-F]/i;

/** Percent-encodings a decoder must refuse or keep apart: NUL, surrogates' bytes, overlongs, stray `%`, an encoded slash. */
export const HOSTILE_ESCAPES = [
  '%00',
  'cd-x%00',
  '%ED%A0%80',
  'cl-%ED%BF%BF',
  '%E2%80%AE',
  '%C0%80',
  '%C0%AF',
  '%FF',
  '%F4%90%80%80',
  '%',
  '%zz',
  'a%2',
  '%2F',
  '..%2F..',
  '%2E%2E',
  '%20',
  '%09',
  '%0A',
  '%EF%BB%BF',
  'voice',
  'SMS',
  '%7B%7BcampaignType%7D%7D',
];

/** Longer than any id (MAX_PARAM_LENGTH is 256 in src/app.ts): the router answers 414. */
export const OVERLONG_ID = 'x'.repeat(300);

/**
 * A path segment: mostly one of `known` (already encoded), else an id-like string, arbitrary text,
 * a hostile string or a hand-written hostile escape, or an over-long id.
 */
export function pathSegment(known: readonly string[]): fc.Arbitrary<string> {
  const arbs: fc.WeightedArbitrary<string>[] = [
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z]{2,3}-[0-9a-f]{4,24}$/) },
    { weight: 2, arbitrary: text(1, 20).map(encodeComponent) },
    { weight: 2, arbitrary: hostileString({ long: false }).map(encodeComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_ESCAPES) },
    { weight: 1, arbitrary: fc.constantFrom(OVERLONG_ID, 'y'.repeat(257), 'z'.repeat(256)) },
  ];
  if (known.length > 0) arbs.push({ weight: 10, arbitrary: fc.constantFrom(...known) });
  return fc.oneof(...arbs);
}

/**
 * `?k=v&…` from a generated object: strings as given (encoded by encodeComponent), arrays as
 * repeated keys. A lone surrogate becomes U+FFFD unless `loneSurrogates` is 'keep': that a query
 * carrying one is refused is a property of its own (see surrogateQueryRequests), so the other
 * properties keep exercising their endpoint instead of all stopping at that one answer.
 */
export function queryString(q: unknown, loneSurrogates: 'keep' | 'replace' = 'replace'): string {
  if (q === null || typeof q !== 'object' || Array.isArray(q)) return '';
  const parts: string[] = [];
  const text = (s: string) =>
    loneSurrogates === 'keep' ? s : (s as string & { toWellFormed(): string }).toWellFormed();
  const add = (k: string, v: unknown) => {
    if (v === undefined) return;
    const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
    parts.push(`${encodeComponent(text(k))}=${encodeComponent(text(s))}`);
  };
  for (const [k, v] of Object.entries(q as Record<string, unknown>)) {
    if (Array.isArray(v)) for (const item of v) add(k, item);
    else add(k, v);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/**
 * `base` (a request that would succeed) with a lone surrogate, percent-encoded as its WTF-8 bytes,
 * put into the query: as the value of a new parameter, of one it has, or as a parameter's name.
 */
export function surrogateQueryRequests(bases: readonly FuzzRequest[]): fc.Arbitrary<FuzzRequest> {
  const surrogate = fc
    .tuple(text(0, 6), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800'), text(0, 6))
    .map(([a, s, b]) => encodeComponent(a + s + b));
  return fc
    .tuple(fc.constantFrom(...bases), surrogate, fc.constantFrom('new', 'value', 'name'))
    .map(([base, bad, where]) => {
      const [path, query = ''] = base.url.split('?') as [string, string?];
      const params = query === '' ? [] : query.split('&');
      if (where === 'new' || params.length === 0) params.push(`x=${bad}`);
      else if (where === 'value') params[0] = `${params[0]!.split('=')[0]}=${bad}`;
      else params[0] = `${bad}=${params[0]!.split('=').slice(1).join('=')}`;
      return { ...base, url: `${path}?${params.join('&')}` };
    });
}

// ---------------------------------------------------------------------------------------------
// Answers

export interface Envelope {
  status: 'failure';
  message: string;
  errors: { msg: string; code: string; field?: string }[];
}

/** A short description of a request for assertion messages (the counterexample itself is printed by fast-check). */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.raw !== undefined
      ? typeof req.raw === 'string'
        ? req.raw
        : `<${req.raw.length} bytes>`
      : req.body === undefined
        ? ''
        : JSON.stringify(req.body);
  return `${req.method} ${req.url.slice(0, 300)} ${body.slice(0, 300)}`;
}

/**
 * What every answer must be: never a 5xx; a 2xx is JSON; anything else is the failure envelope
 * (exactly status, message and errors; a non-empty message; errors of {msg, code, field?}) as
 * application/json. Returns the parsed body.
 */
export function expectAnswer(req: FuzzRequest, res: LightMyRequestResponse): unknown {
  const what = `${describeRequest(req)}\n -> ${res.statusCode} ${res.body.slice(0, 600)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  // A lone surrogate is refused wherever a request carries it, path and query alike, as a NUL is
  // (src/shared/text.ts, src/http/plugins/input-checks.ts; test/integration/hostile-input.test.ts).
  if (SURROGATE_ESCAPE.test(req.url))
    expect(
      res.statusCode,
      `${what}\n(a percent-encoded lone surrogate in the URL was accepted)`,
    ).toBeGreaterThanOrEqual(400);
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  let body: unknown;
  expect(() => (body = JSON.parse(res.body)), what).not.toThrow();
  if (res.statusCode >= 200 && res.statusCode < 300) return body;
  expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
  const env = body as Envelope;
  expect(env !== null && typeof env === 'object' && !Array.isArray(env), what).toBe(true);
  expect(Object.keys(env).sort(), what).toEqual(['errors', 'message', 'status']);
  expect(env.status, what).toBe('failure');
  expect(typeof env.message, what).toBe('string');
  expect(env.message.length, what).toBeGreaterThan(0);
  expect(Array.isArray(env.errors), what).toBe(true);
  expect(env.errors.length, what).toBeGreaterThan(0);
  for (const e of env.errors) {
    expect(e !== null && typeof e === 'object', what).toBe(true);
    for (const k of Object.keys(e)) expect(['msg', 'code', 'field'], what).toContain(k);
    expect(typeof e.msg, what).toBe('string');
    expect(typeof e.code, what).toBe('string');
    if ('field' in e) expect(typeof e.field, what).toBe('string');
  }
  return body;
}

/** The payload light-my-request is given for `req`. */
export function payloadOf(req: FuzzRequest): string | Buffer | undefined {
  return req.raw !== undefined ? req.raw : 'body' in req ? JSON.stringify(req.body) : undefined;
}

/** Size in bytes of what `req` sends as its body. */
export function payloadBytes(req: FuzzRequest): number {
  const p = payloadOf(req);
  return p === undefined ? 0 : typeof p === 'string' ? Buffer.byteLength(p) : p.length;
}

/**
 * With FUZZ_STATS set, how often each status answered per property, printed when it ends: to see
 * whether the hints still lead to enough successes (and read-backs) after the API changes.
 */
export class StatusTally {
  private readonly counts = new Map<string, number>();
  /** Counts the status, and with FUZZ_STATS=fields the field a 400 names as well. */
  add(res: LightMyRequestResponse): void {
    let key = String(res.statusCode);
    if (process.env.FUZZ_STATS === 'fields' && res.statusCode === 400) {
      const field = (JSON.parse(res.body) as Partial<Envelope>).errors?.[0]?.field;
      key += `:${field ?? '-'}`;
    }
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  print(name: string): void {
    if (!process.env.FUZZ_STATS) return;
    const parts = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}×${n}`);
    console.log(`[fuzz] ${name}: ${parts.join(' ')}`);
  }
}

/** True when 2xx. */
export const isOk = (res: LightMyRequestResponse) => res.statusCode >= 200 && res.statusCode < 300;

/**
 * A request answered before its body was read (401, 404, 413, 415…, and any body-less GET under
 * inject) has its connection closed `lingerMs` later by src/http/plugins/linger-limit.ts, through
 * `socket.destroy()`. light-my-request's mock socket has no destroy() (a real socket has), so the
 * timer would throw an uncaught TypeError ten seconds later; give the mock a no-op one.
 */
export function withMockSocket(res: LightMyRequestResponse): LightMyRequestResponse {
  const socket = (res.raw.req as { socket?: { destroy?: () => void } }).socket;
  if (socket && typeof socket.destroy !== 'function') socket.destroy = () => {};
  return res;
}

/** app.inject for a generated request. */
export async function inject(app: FastifyInstance, req: FuzzRequest): Promise<LightMyRequestResponse> {
  const res = await app.inject({
    method: req.method as 'GET',
    url: req.url,
    headers: req.headers,
    payload: payloadOf(req),
  });
  return withMockSocket(res);
}

// ---------------------------------------------------------------------------------------------
// Read-back helpers shared by the Kore and admin fuzz tests

/** Names unlikely to collide with one another: free text plus a random suffix, at most `max` code points. */
export function freshName(max: number): fc.Arbitrary<string> {
  return fc
    .tuple(text(0, Math.min(40, max - 8)), fc.stringMatching(/^[0-9a-f]{6}$/))
    .map(([a, b]) => [...`${a} ${b}`].slice(-max).join(''));
}

/** The JSON body of `req` as the server parsed it: undefined-valued keys gone, -0 as 0, a leading BOM and blanks ignored. */
export function sentBody(req: FuzzRequest): unknown {
  if (req.raw === undefined) return req.body === undefined ? undefined : JSON.parse(JSON.stringify(req.body));
  const s = String(req.raw)
    .replace(/^\ufeff/, '')
    .trim();
  return s === '' ? undefined : JSON.parse(s);
}

/** The query of `req`, decoded. */
export const queryOf = (req: FuzzRequest): URLSearchParams => new URL(req.url, 'http://x').searchParams;

const CONTACT_FIELDS = ['phoneNumber', 'firstName', 'lastName', 'timeZone', 'uniqueId', 'contactPriority'];
/** Fields a contact's view writes itself: an extra column of that name is stored but hidden (contact-list-view.ts). */
const CONTACT_VIEW_FIELDS = new Set([
  ...CONTACT_FIELDS,
  '_id',
  'phoneNumberE164',
  'extension',
  'createdAt',
  'updatedAt',
]);

/**
 * A stored contact (getAllContacts) against the column/value pairs of the addContacts item or CSV
 * row it came from (src/domain/contacts/contact-record.ts): known fields, matched by name
 * case-insensitively, trimmed, and absent when blank; every other column exactly as given, a
 * scalar as its string; nothing else.
 */
export function expectContactAsSent(sent: [string, unknown][], got: Record<string, unknown>, what: string): void {
  // Own properties only: a column named "__proto__" is data, not the prototype.
  const stored = new Map(Object.entries(got));
  const fields = new Map<string, unknown>();
  const extras = new Map<string, string>();
  for (const [k, v] of sent) {
    const field = CONTACT_FIELDS.find((f) => f.toLowerCase() === k.toLowerCase());
    if (field) fields.set(field, v);
    else if (k !== '' && v !== undefined && v !== null) extras.set(k, String(v));
  }
  const trimmed = (v: unknown) => (v === undefined || v === null ? undefined : String(v).trim() || undefined);
  expect(stored.get('phoneNumber'), what).toBe(trimmed(fields.get('phoneNumber')));
  for (const f of ['firstName', 'lastName', 'uniqueId', 'timeZone'])
    expect(stored.get(f), `${what}: ${f}`).toBe(trimmed(fields.get(f)));
  const priority = trimmed(fields.get('contactPriority'));
  expect(stored.get('contactPriority'), what).toBe(priority === undefined ? undefined : Number(priority));
  for (const [k, v] of extras) if (!CONTACT_VIEW_FIELDS.has(k)) expect(stored.get(k), `${what}: column ${k}`).toBe(v);
  for (const k of stored.keys())
    if (!CONTACT_VIEW_FIELDS.has(k)) expect(extras.has(k), `${what}: column ${k}`).toBe(true);
}

/** Every table a refused request could half-write (`jti_seen` and `kv` are written by reading a token). */
const STORED_TABLES = [
  'accounts',
  'bots',
  'apps',
  'app_scopes',
  'flows',
  'queues',
  'templates',
  'campaigns',
  'campaign_lists',
  'contact_lists',
  'contacts',
  'contact_phones',
  'imports',
  'import_rejects',
  'campaign_instances',
  'dial_records',
  'attempts',
] as const;

/** Row counts of every table: a refused request must leave them all as they were. */
export async function storedCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of STORED_TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
