import { randomBytes, randomUUID } from 'node:crypto';

/** Kore-style identifiers: a type prefix and a UUID (`cd-…` campaign, `cl-…` list, …). */
export type IdPrefix =
  'cd' | 'cid' | 'cl' | 'cc' | 'cf' | 'cmt' | 'st' | 'cs' | 'qu' | 'imp' | 'att' | 'dr' | 'u' | 'o' | 'ag' | 'blk';

export const newId = (prefix: IdPrefix): string => `${prefix}-${randomUUID()}`;

/** 24 lowercase hex characters, the shape of Kore account ids and bot session ids. */
export const newHex24 = (): string => randomBytes(12).toString('hex');

export const nowIso = (ms: number): string => new Date(ms).toISOString();
