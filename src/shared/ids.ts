import { randomBytes, randomUUID } from 'node:crypto';

/** Kore-style identifiers: a type prefix and a UUID (`cd-…` campaign, `cl-…` list, …). */
export type IdPrefix =
  'cd' | 'cid' | 'cl' | 'cc' | 'cf' | 'cmt' | 'st' | 'cs' | 'qu' | 'imp' | 'att' | 'dr' | 'u' | 'o' | 'ag' | 'blk';

export const newId = (prefix: IdPrefix): string => `${prefix}-${uuidV7()}`;

let lastMs = 0;
let seq = 0;

/**
 * A version 7 UUID (RFC 9562): the wall-clock millisecond first, then a counter within the
 * millisecond (the RFC's method 1, 12 bits, starting at a random point below 2048), then 62
 * random bits. Ids made later sort after earlier ones, so the primary keys of attempts and dial
 * records grow at their right edge: an insert lands on the index's last pages and a tick's lookups
 * of recent attempts share a few hot pages, where random v4 ids touched a random page of a
 * million-entry index each (docs/engine.md). The clock here only orders ids; no decision reads it.
 */
export function uuidV7(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = randomBytes(2).readUInt16BE() & 0x7ff;
  } else if (++seq > 0xfff) {
    // 4,096 ids in one millisecond: borrow the next one, as the RFC allows, to stay ordered.
    lastMs++;
    seq = 0;
  }
  const ms = lastMs.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${seq.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
}

/** 24 lowercase hex characters, the shape of Kore account ids and bot session ids. */
export const newHex24 = (): string => randomBytes(12).toString('hex');

export const nowIso = (ms: number): string => new Date(ms).toISOString();
