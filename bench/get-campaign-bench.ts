/**
 * Get Campaign under load: campaignd (real auth, real SQLite, compiled build) against a minimal
 * Fastify server that verifies the same HS256 token and returns the same bytes. Both run as child
 * processes and are loaded by autocannon from this process, alternately, so machine noise hits
 * both; the ratio is what counts. Target: ratio >= 0.9.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { fmt, freePort, startChild, stopChild } from './support.js';

const root = path.resolve(import.meta.dirname, '..');
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 50;

async function load(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

export async function runGetCampaignBench(): Promise<void> {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campaignd-bench-'));
  const port = await freePort();
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const campaignd = await startChild(
    'node',
    [...profile, path.join(root, 'dist/start/server.js')],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      ENGINE: 'false',
    },
    /JWT \(24 h\)\s+\S+[\s\S]*curl -s/,
  );
  try {
    const banner = campaignd.output();
    const grab = (label: RegExp) => label.exec(banner)![1]!;
    const accountId = grab(/accountId\s+(\S+)/);
    const iid = grab(/iid \(bot\)\s+(\S+)/);
    const secret = grab(/clientSecret\s+(\S+)/);
    const token = grab(/JWT \(24 h\)\s+(\S+)/);
    const headers = { auth: token, accountId, iid, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${port}/agentassist/api/v1/public/${iid}/campaign`;
    const createBody = /-d '(\{.*\})'/.exec(banner)![1]!;
    const created = (await (
      await fetch(`${base}?campaignType=voice`, { method: 'POST', headers, body: createBody })
    ).json()) as { id: string };
    const getUrl = `${base}/${created.id}`;
    const bytes = Buffer.from(await (await fetch(getUrl, { headers })).arrayBuffer());
    const bodyFile = path.join(dataDir, 'get-response.json');
    fs.writeFileSync(bodyFile, bytes);

    const basePort = await freePort();
    // `node --import tsx` rather than `npx tsx`: a SIGTERM then reaches the server itself, whose
    // output pipes would otherwise keep this process from ever exiting.
    const baseline = await startChild(
      'node',
      ['--import', 'tsx', path.join(root, 'bench/baseline-server.ts')],
      { PORT: String(basePort), SECRET: secret, BODY_FILE: bodyFile },
      /listening/,
    );
    try {
      const baselineUrl = `http://127.0.0.1:${basePort}/agentassist/api/v1/public/${iid}/campaign/${created.id}`;
      const check = Buffer.from(await (await fetch(baselineUrl, { headers })).arrayBuffer());
      if (!check.equals(bytes)) throw new Error('baseline does not return the same bytes');
      // Warm both up (JIT, caches) before measuring.
      await autocannon({ url: getUrl, headers, connections: CONNECTIONS, duration: 2 });
      await autocannon({ url: baselineUrl, headers, connections: CONNECTIONS, duration: 2 });
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        theirs.push(await load(baselineUrl, headers));
        ours.push(await load(getUrl, headers));
      }
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const a = avg(ours);
      const b = avg(theirs);
      console.log(
        `\nGet Campaign (${bytes.length} B response, ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION_S}s each, alternating)`,
      );
      console.log(`  campaignd (auth + SQLite)   ${fmt(a)} req/s   rounds: ${ours.map(fmt).join(', ')}`);
      console.log(`  baseline (in-memory)        ${fmt(b)} req/s   rounds: ${theirs.map(fmt).join(', ')}`);
      console.log(`  ratio campaignd/baseline    ${(a / b).toFixed(3)}   (target >= 0.9)`);
    } finally {
      await stopChild(baseline.child);
    }
  } finally {
    await stopChild(campaignd.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
