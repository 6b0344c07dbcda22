/** Seeds, and the strings and numbers fuzzing is made of: free text and hostile values. */
import fc from 'fast-check';

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
export const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' ', '$where', 'a.b', 'x'),
  text(1, 12),
  hostileString({ long: false }),
);

/** JSON values for `Unknown` places, hostile ones included when `hostile`. */
export function jsonOf(hostile: boolean): fc.Arbitrary<unknown> {
  const valid = fc.jsonValue({ maxDepth: 3 });
  if (!hostile) return valid;
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: deepNest() },
    { weight: 1, arbitrary: wrongType() },
  );
}
