/** Generated requests: bodies of every content type, encoded paths and queries, hostile escapes. */
import fc from 'fast-check';
import { hostileString, text } from './values.js';

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
