/** A fast-check arbitrary for a TypeBox schema: valid throughout, or with hostile values here and there. */
import { Kind, type TSchema } from '@sinclair/typebox';
import fc from 'fast-check';
import { deepNest, extraKey, hostileNumber, hostileString, jsonOf, text, wrongType } from './values.js';

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
