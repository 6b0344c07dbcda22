import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Stored form: `enc1:<key id>:<iv>:<ciphertext><tag>`, base64url parts. */
const PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The first 8 hex digits of the key's SHA-256: names the key a value was sealed with, reveals nothing. */
export const keyIdOf = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** A key as the environment gives it: 32 bytes in base64 (`openssl rand -base64 32`). */
export function parseKey(text: string): Buffer | undefined {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(text.trim()) ? key : undefined;
}

/**
 * Secrets at rest (apps' client secrets, bots' pre-call headers, the demo tenant): AES-256-GCM
 * under the current key, so a copy of the database alone cannot mint tokens or call a CRM. Old keys
 * only open values, which is how a key is rotated: give the new key as current and the old one
 * among the old, then `campaignd secrets rotate` seals every value again under the new one.
 *
 *   const box = new SecretBox(parseKey(process.env.SECRETS_KEY)!);
 *   box.open(box.seal('s3cret')); // 's3cret'
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(
    private readonly current: Buffer,
    old: readonly Buffer[] = [],
  ) {
    if (current.length !== 32) throw new RangeError('a secrets key is 32 bytes');
    this.currentKeyId = keyIdOf(current);
    for (const key of [current, ...old]) this.keys.set(keyIdOf(key), key);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.currentKeyId}:${iv.toString('base64url')}:${sealed.toString('base64url')}`;
  }

  /** The plain text of a stored value; a value stored before encryption (no prefix) is returned as it is. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [keyId, iv, sealed] = stored.slice(PREFIX.length).split(':') as [string, string, string];
    const key = this.keys.get(keyId);
    if (!key)
      throw new Error(`secret sealed with key ${keyId}, which is neither SECRETS_KEY nor among SECRETS_KEYS_OLD`);
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }

  /** A box with a random key, for a database that is thrown away (tests, the OpenAPI writer): nothing it seals outlives the process. */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /** Whether `stored` is sealed under the current key (rotation leaves these alone). */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${PREFIX}${this.currentKeyId}:`);
  }
}
