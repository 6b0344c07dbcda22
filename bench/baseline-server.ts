/**
 * The baseline for the Get Campaign benchmark on SQLite: a minimal in-memory Fastify server that
 * verifies the same HS256 token on every request and returns the same bytes campaignd returns.
 * Input (env): PORT, SECRET, BODY_FILE.
 */
import fs from 'node:fs';
import Fastify from 'fastify';
import { verifyHs256 } from './support.js';

const secret = process.env.SECRET!;
const body = fs.readFileSync(process.env.BODY_FILE!);

const app = Fastify({ logger: false });
app.get('/agentassist/api/v1/public/:iid/campaign/:campaignId', async (req, reply) => {
  if (!verifyHs256(req.headers.auth as string | undefined, secret)) return reply.code(401).send({ status: 'failure' });
  return reply.type('application/json; charset=utf-8').send(body);
});
const address = await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(`listening ${address}`);
