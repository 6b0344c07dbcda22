/**
 * Secrets at rest: apps' client secrets, bots' pre-call settings (their headers hold a CRM's
 * credentials) and the demo tenant are stored sealed, so a copy of the database alone cannot mint
 * tokens; everything still works through the repositories; values from before encryption and
 * values under a rotated-out key are sealed anew at start; a value under an unknown key is a clear
 * failure, never a silent one.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signHs256 } from '../../src/domain/tenancy/jwt.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { resealSecrets } from '../../src/storage/secrets-at-rest.js';
import { TenancyRepo } from '../../src/storage/repos/tenancy-repo.js';
import { useTestApp } from '../support/test-app.js';
import { DIALECTS } from '../support/test-db.js';

describe.each(DIALECTS)('secrets at rest on %s', (dialect) => {
  const t = useTestApp(dialect);
  const rows = () => sql<{ id: string; secret: string }>`select id, secret from apps`.execute(t().db.kysely);

  it('stores client secrets, pre-call headers and the demo tenant sealed, and reads them back', async () => {
    const app = await t().services.admin.createApp({ accountId: 'acct-sealed', iid: 'st-sealed' });
    await t().services.admin.configureBot({
      accountId: 'acct-sealed',
      iid: 'st-sealed',
      precall: { url: 'https://crm.example.com/pc', headers: { 'X-Api-Key': 'crm-s3cret' } },
    });
    const { demo } = await t().services.demo.ensure();

    const stored = (await rows()).rows.find((r) => r.id === app.clientId)!;
    expect(stored.secret).toMatch(/^enc1:[0-9a-f]{8}:/);
    expect(stored.secret).not.toContain(app.clientSecret);
    const bot = (
      await sql<{ precall_config: string }>`select precall_config from bots where id = 'st-sealed'`.execute(
        t().db.kysely,
      )
    ).rows[0]!;
    expect(bot.precall_config).toMatch(/^enc1:/);
    expect(bot.precall_config).not.toContain('crm-s3cret');
    const kv = (await sql<{ value: string }>`select value from kv`.execute(t().db.kysely)).rows;
    expect(kv.map((r) => r.value).join()).not.toContain(demo.clientSecret);

    // Nothing above the repositories notices: tokens verify, settings read back.
    const token = signHs256({ appId: app.clientId }, app.clientSecret);
    const res = await t().app.inject({
      method: 'POST',
      url: '/agentassist/api/v1/public/st-sealed/campaign/getAllCampaignDetails',
      headers: { auth: token, accountId: 'acct-sealed' },
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse((await t().repos.tenancy.findBot('st-sealed'))!.precall_config!).headers).toEqual({
      'X-Api-Key': 'crm-s3cret',
    });
    expect((await t().services.demo.ensure()).demo.clientSecret).toBe(demo.clientSecret);

    // The whole stored database, as a backup would copy it, holds none of the secrets.
    const everything = JSON.stringify(
      await Promise.all(
        ['apps', 'bots', 'kv'].map(
          async (table) => (await sql.raw(`select * from ${table}`).execute(t().db.kysely)).rows,
        ),
      ),
    );
    for (const secret of [app.clientSecret, 'crm-s3cret', demo.clientSecret]) expect(everything).not.toContain(secret);
  });

  it('seals plaintext from before encryption, and re-seals under a new key with the old one among the old keys', async () => {
    const app = await t().services.admin.createApp({ accountId: 'acct-rotate', iid: 'st-rotate' });
    // As a database from before encryption stored it.
    await sql`update apps set secret = ${app.clientSecret} where id = ${app.clientId}`.execute(t().db.kysely);
    expect(await resealSecrets(t().db)).toMatchObject({ apps: 1 });
    expect((await rows()).rows.find((r) => r.id === app.clientId)!.secret).toMatch(/^enc1:/);

    const oldKey = Buffer.from(t().db.secretsKey, 'base64');
    const newKey = randomBytes(32);
    const rotated = { ...t().db, secrets: new SecretBox(newKey, [oldKey]) };
    const resealed = await resealSecrets(rotated);
    expect(resealed.apps).toBeGreaterThanOrEqual(1);
    expect(await resealSecrets(rotated)).toEqual({ apps: 0, bots: 0, kv: 0, webhooks: 0 });
    const newId = new SecretBox(newKey).currentKeyId;
    for (const r of (await rows()).rows) expect(r.secret.startsWith(`enc1:${newId}:`)).toBe(true);
    // Read with the new key alone, the secret is the same.
    expect((await new TenancyRepo(t().db.kysely, new SecretBox(newKey)).findApp(app.clientId))!.secret).toBe(
      app.clientSecret,
    );
    // The old key alone can no longer read it, and says which key is missing.
    await expect(new TenancyRepo(t().db.kysely, new SecretBox(oldKey)).findApp(app.clientId)).rejects.toThrow(
      new RegExp(`sealed with key ${newId}, which is neither SECRETS_KEY nor among SECRETS_KEYS_OLD`),
    );
    // Back to the test's own key, for the other tests of this file.
    await resealSecrets({ ...t().db, secrets: new SecretBox(oldKey, [newKey]) });
  });
});
