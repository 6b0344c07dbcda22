/**
 * The export half of `npm run bench -- import`: the million-row list campaignd just imported is
 * exported back through `GET …/campaign/contactList/{id}/contacts.csv` of a real `campaignd serve`
 * (the compiled build), and the same rows are written to CSV by the database's own tool in the same
 * run (sqlite3 `.mode csv`, psql `\copy … TO`). Prints both times, their ratio and the server's RSS
 * before and at its peak during the export (VmHWM): the export streams, so the peak must stay flat
 * (target < 256 MB whatever the row count). BENCH_SERVE_NODE_OPTIONS is given to the server only.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fmt } from './support.js';

export interface ExportTarget {
  env: NodeJS.ProcessEnv;
  /** `node dist/cli/index.js …` */
  cli: (...args: string[]) => string[];
  clientId: string;
  accountId: string;
  iid: string;
  listId: string;
  rows: number;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const rssKb = (pid: number, field: 'VmRSS' | 'VmHWM'): number =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** Exports the list over HTTP; seconds from request to last byte (server already up). */
export async function campaigndExport(x: ExportTarget): Promise<{ seconds: number; idleMb: number; peakMb: number }> {
  const token = execFileSync('node', x.cli('token', '--client-id', x.clientId), {
    env: x.env,
    encoding: 'utf8',
  }).trim();
  const port = await freePort();
  const server = spawn('node', x.cli('serve'), {
    env: {
      ...x.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO: 'false',
      // e.g. --max-old-space-size=96: an export that held its rows would fail instead of growing.
      ...(process.env.BENCH_SERVE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVE_NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 600 || server.exitCode !== null) throw new Error('campaignd serve did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const idleKb = rssKb(server.pid!, 'VmRSS');
    const started = performance.now();
    const res = await fetch(
      `${base}/agentassist/api/v1/public/${x.iid}/campaign/contactList/${x.listId}/contacts.csv`,
      {
        headers: { auth: token, accountId: x.accountId },
      },
    );
    if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    let lines = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>)
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    const seconds = (performance.now() - started) / 1000;
    if (lines !== x.rows + 1) throw new Error(`export gave ${lines - 1} rows, expected ${x.rows}`);
    return { seconds, idleMb: idleKb / 1024, peakMb: rssKb(server.pid!, 'VmHWM') / 1024 };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

/** sqlite3 `.mode csv` of the bare table the baseline loaded, to a file. */
export function sqliteShellExport(dir: string): number {
  const out = path.join(dir, 'bare-export.csv');
  const started = performance.now();
  execFileSync('/usr/bin/sqlite3', [path.join(dir, 'bare.sqlite')], {
    input: `.headers on\n.mode csv\n.output ${out}\nSELECT * FROM contacts;\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(out, { force: true });
  return seconds;
}

/** psql `\copy … TO` of the bare table the baseline loaded, to a file. */
export function psqlCopyOut(psql: string, url: string, dir: string): number {
  const out = path.join(dir, 'bare-export.csv');
  const started = performance.now();
  execFileSync(
    psql,
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      url,
      '-c',
      `\\copy bare_contacts TO '${out}' WITH (FORMAT csv, HEADER true)`,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(out, { force: true });
  return seconds;
}

export function reportExport(
  rows: number,
  baseline: string,
  bareSeconds: number,
  ours: { seconds: number; idleMb: number; peakMb: number },
): void {
  console.log(
    `    ${baseline.padEnd(34)} ${bareSeconds.toFixed(2).padStart(6)} s  ${fmt(rows / bareSeconds).padStart(9)} rows/s`,
  );
  console.log(
    `    ${'campaignd contacts.csv (HTTP)'.padEnd(34)} ${ours.seconds.toFixed(2).padStart(6)} s  ${fmt(rows / ours.seconds).padStart(9)} rows/s`,
  );
  console.log(`    ratio campaignd / bare export:     ${(bareSeconds / ours.seconds).toFixed(2)}`);
  const flat = ours.peakMb < 256;
  console.log(
    `    campaignd serve RSS idle / peak:   ${ours.idleMb.toFixed(0)} / ${ours.peakMb.toFixed(0)} MB  (target peak < 256 MB${flat ? '' : ': over'})`,
  );
}
