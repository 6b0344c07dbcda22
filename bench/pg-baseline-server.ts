/**
 * The baseline for the Get Campaign benchmark on PostgreSQL: the in-memory baseline's Fastify
 * server and HS256 check, plus the one round trip a fresh answer cannot avoid: the campaign's row,
 * read by primary key from campaignd's own `campaigns` table through a `pg.Pool` of campaignd's
 * size, with campaignd's own WHERE clause. The row decides the status (404 when it is gone); the
 * bytes sent are campaignd's answer, read from a file, so no view-building or serialisation is
 * counted here: what campaignd spends beyond this is its own overhead.
 * Input (env): PORT, SECRET, BODY_FILE, DATABASE_URL, POOL_SIZE.
 */
import fs from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';
import { verifyHs256 } from './support.js';

const secret = process.env.SECRET!;
const body = fs.readFileSync(process.env.BODY_FILE!);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE) });
// Same text as campaignd's campaigns-repo.ts find(), so the server plans and runs the same statement.
const FIND = 'select * from "campaigns" where "id" = $1 and "account_id" = $2 and "bot_id" = $3';

const app = Fastify({ logger: false });
app.get<{ Params: { iid: string; campaignId: string } }>(
  '/agentassist/api/v1/public/:iid/campaign/:campaignId',
  async (req, reply) => {
    if (!verifyHs256(req.headers.auth as string | undefined, secret))
      return reply.code(401).send({ status: 'failure' });
    const { rows } = await pool.query(FIND, [req.params.campaignId, req.headers.accountid, req.params.iid]);
    if (rows.length === 0) return reply.code(404).send({ status: 'failure' });
    return reply.type('application/json; charset=utf-8').send(body);
  },
);
const address = await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(`listening ${address}`);
