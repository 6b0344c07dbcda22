/**
 * The baseline for the Get Campaign benchmark: a minimal in-memory Fastify server that verifies
 * the same HS256 token on every request and returns the same bytes campaignd returns.
 * Input (env): PORT, SECRET, BODY_FILE.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import Fastify from 'fastify';

const secret = process.env.SECRET!;
const body = fs.readFileSync(process.env.BODY_FILE!);

function verify(token: string | undefined): boolean {
  if (!token) return false;
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return false;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (header.alg !== 'HS256') return false;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { appId?: string; exp?: number };
  if (!claims.appId || (claims.exp !== undefined && claims.exp * 1000 < Date.now())) return false;
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const app = Fastify({ logger: false });
app.get('/agentassist/api/v1/public/:iid/campaign/:campaignId', async (req, reply) => {
  if (!verify(req.headers.auth as string | undefined)) return reply.code(401).send({ status: 'failure' });
  return reply.type('application/json; charset=utf-8').send(body);
});
const address = await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(`listening ${address}`);
