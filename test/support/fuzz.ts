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
export * from './fuzz/values.js';
export * from './fuzz/schema-arbitrary.js';
export * from './fuzz/requests.js';
export * from './fuzz/answers.js';
export * from './fuzz/read-back.js';
