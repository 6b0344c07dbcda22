import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ImportBatch } from '../../storage/repos/import-batch.js';
import { AppError } from '../../shared/errors.js';
import { counted, readCsvImportBatches, type CsvOptions } from './csv-source.js';
import type { FromWorker, ToWorker } from './csv-worker.js';
import type { BatchSource } from './import-source.js';

/*
 * CSV input for an import, as batches: parsed and validated on a worker thread (csv-worker.ts)
 * while this thread writes, or on this thread. The rows, reasons and row numbers are the same
 * either way (readCsvImportBatches); only where the work runs differs. The worker pays for itself
 * only with a core to spare: moving a batch back costs this thread (structured clone, garbage)
 * about a third of what parsing it here would, and starting the worker (an isolate loading the
 * phone metadata) a few hundred ms. On a busy two-core machine (load ~3) it was slower than
 * staying here (200k rows: 5.1-6.2 s against 3.2-3.7 s), so it is used only for big inputs when
 * a core is idle right now (measured over SPARE_CORE_SAMPLE_MS; the load average trails by a
 * minute and kept the worker off just after other work had finished).
 */

/** Inputs at least this big (or of unknown size) are parsed on a worker thread. */
export const WORKER_MIN_BYTES = 1024 * 1024;

export interface CsvSourceOptions extends CsvOptions {
  /** Size of the input when known (file size, Content-Length). */
  sizeBytes?: number;
  /** Rows per batch (the repository's batch size). */
  batchRows: number;
}

/** How long the machine's idle time is sampled before choosing where to parse. */
const SPARE_CORE_SAMPLE_MS = 100;

/** Whether a core is free for a worker: more than one, and at least three quarters of one idle now. */
async function spareCore(): Promise<boolean> {
  if (os.availableParallelism() < 2) return false;
  const idle = () => os.cpus().reduce((sum, c) => sum + c.times.idle, 0);
  const before = idle();
  await new Promise((resolve) => setTimeout(resolve, SPARE_CORE_SAMPLE_MS));
  return (idle() - before) / SPARE_CORE_SAMPLE_MS >= 0.75;
}

/**
 * A CSV to import: a stream (an upload), or a file, which the worker thread then reads itself.
 * (Fed from this thread, the worker only gets input when this thread is between two write
 * transactions, and starved on a local file.)
 */
export type CsvInput = NodeJS.ReadableStream | { file: string };

/** Batches of a CSV, and how many bytes of it have been read so far (for progress and ETA). */
export interface CsvBatchSource extends BatchSource {
  bytesRead(): number;
}

/**
 * Import batches of `input`, parsed on a worker thread or on this one (see the module comment).
 * `warm`: the choice made, and the worker started, ahead of time (warmCsvWorker); otherwise both
 * happen when the first batch is asked for.
 */
export function csvSource(input: CsvInput, opts: CsvSourceOptions, warm?: CsvWorkerWarmUp): CsvBatchSource {
  let chosen: CsvBatchSource | undefined;
  async function* batches(): AsyncGenerator<ImportBatch, void, undefined> {
    const worker = await (warm ?? warmCsvWorker(opts.sizeBytes)).take();
    chosen = worker ? readCsvBatches(input, opts, worker) : readCsvHere(input, opts);
    yield* chosen.batches;
  }
  return { batches: batches(), bytesRead: () => chosen?.bytesRead() ?? 0 };
}

/** Where a CSV will be parsed, decided ahead of time: a worker thread already loading, or none. */
export interface CsvWorkerWarmUp {
  /** The worker, or undefined to parse on this thread. Whoever takes it owns it. */
  take(): Promise<Worker | undefined>;
  /** Stops the worker unless it was taken; true if it stopped one. */
  close(): Promise<boolean>;
}

/**
 * Decides where a CSV of `sizeBytes` will be parsed and, for a worker, starts it now: loading its
 * modules (the phone metadata above all) takes about 250 ms, which the CLI spends opening the
 * database and finding the bot and list instead of waiting for its first batch.
 */
export function warmCsvWorker(
  sizeBytes: number | undefined,
  spare: () => Promise<boolean> = spareCore,
): CsvWorkerWarmUp {
  const big = sizeBytes === undefined || sizeBytes >= WORKER_MIN_BYTES;
  const worker = big ? spare().then((yes) => (yes ? bootWorker() : undefined)) : Promise.resolve(undefined);
  let taken = false;
  return {
    take: () => {
      if (taken) throw new Error('the warmed-up CSV worker was already taken');
      taken = true;
      return worker;
    },
    close: async () => {
      const idle = taken ? undefined : await worker;
      taken = true;
      await idle?.terminate();
      return idle !== undefined;
    },
  };
}

/**
 * Rows the parser puts in one batch before handing it on. Few: a batch being filled survives
 * every young-generation collection until it is handed on, and copying it again and again was
 * most of the parser's garbage collection (a million rows parsed in 4.5 s in 8,192-row batches,
 * 2.6 s in 1,024-row ones). The writer wants the opposite (each transaction has a fixed cost:
 * 1,024-row transactions made the SQLite insert 40% slower), so parsed batches are joined back
 * into `batchRows` before they are written.
 */
const PARSE_BATCH_ROWS = 1024;

/** Batches of at least `rows` rows (the last one may have fewer), from smaller ones in order. */
async function* joined(
  batches: AsyncIterable<ImportBatch>,
  rows: number,
): AsyncGenerator<ImportBatch, void, undefined> {
  let out: ImportBatch | undefined;
  for await (const b of batches) {
    if (!out) out = b;
    else {
      for (const c of b.contacts) out.contacts.push(c);
      if (b.copy) (out.copy ??= []).push(...b.copy);
      for (const r of b.rejects) out.rejects.push(r);
      out.rows += b.rows;
      out.rejectedRows += b.rejectedRows;
    }
    if (out.rows >= rows) {
      yield out;
      out = undefined;
    }
  }
  if (out) yield out;
}

/** Batches of `input` parsed on this thread. */
function readCsvHere(input: CsvInput, opts: CsvSourceOptions): CsvBatchSource {
  let bytes = 0;
  const stream = counted('file' in input ? fs.createReadStream(input.file) : input, (n) => (bytes += n));
  const parsed = readCsvImportBatches(stream, opts, Math.min(PARSE_BATCH_ROWS, opts.batchRows));
  return { batches: joined(parsed, opts.batchRows), bytesRead: () => bytes };
}

// Built, the worker is csv-worker.js; from TypeScript sources a shim registers tsx in the worker first.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './csv-worker-dev.mjs' : './csv-worker.js',
  import.meta.url,
);

/**
 * The worker's heap is a second V8 heap in the process, and V8's default sizing let it fill with
 * garbage it had no reason to collect yet: a million-row import peaked at about 390 MB RSS, past
 * its 256 MB budget; with these limits, about 190 MB. What the worker holds live is a few batches.
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 96 };

/** A worker that has loaded its modules; undefined if it failed to (the CSV is then parsed on this thread, which reports why). */
function bootWorker(): Promise<Worker | undefined> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_URL, { resourceLimits: WORKER_HEAP });
    const failed = () => resolve(undefined);
    worker.once('error', failed).once('exit', failed);
    worker.once('message', (m: FromWorker) => {
      worker.off('error', failed).off('exit', failed);
      if (m.type === 'ready') resolve(worker);
      else void worker.terminate().then(failed);
    });
  });
}

/** readCsvRows on a worker thread (`started`, or one started at the first batch), as packed batches of `batchRows` rows. */
export function readCsvBatches(input: CsvInput, opts: CsvSourceOptions, started?: Worker): CsvBatchSource {
  const progress = { bytes: 0 };
  return { batches: joined(batches(input, opts, progress, started), opts.batchRows), bytesRead: () => progress.bytes };
}

async function* batches(
  input: CsvInput,
  opts: CsvSourceOptions,
  progress: { bytes: number },
  started: Worker | undefined,
): AsyncGenerator<ImportBatch, void, undefined> {
  const { sizeBytes: _size, ...csv } = opts;
  const file = 'file' in input ? input.file : undefined;
  const batchRows = Math.min(PARSE_BATCH_ROWS, opts.batchRows);
  const worker = started ?? new Worker(WORKER_URL, { resourceLimits: WORKER_HEAP });
  const stream = 'file' in input ? undefined : input;
  const chunks = stream ? (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]() : undefined;
  const send = (msg: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(msg, transfer);
  send({ type: 'start', input: { ...csv, batchRows, mapping: csv.mapping ? { ...csv.mapping } : undefined, file } });

  // Messages from the worker wait here until the generator's consumer asks for them.
  const queue: (FromWorker | { type: 'exit'; error: Error })[] = [];
  let wake: (() => void) | undefined;
  const push = (m: (typeof queue)[number]) => {
    queue.push(m);
    wake?.();
    wake = undefined;
  };
  let reading = Promise.resolve();
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'ready') return;
    if (m.type !== 'more') {
      push(m);
      return;
    }
    // Chunks go one at a time, in order, as the worker's parser asks for them.
    reading = reading.then(async () => {
      try {
        const next = await chunks!.next();
        if (next.done) return send({ type: 'end' });
        const buf = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        const copy = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
        send({ type: 'chunk', data: copy }, [copy]);
      } catch (err) {
        push({ type: 'exit', error: err as Error });
      }
    });
  });
  worker.on('error', (err) => push({ type: 'exit', error: err }));
  worker.on('exit', (code) => push({ type: 'exit', error: new Error(`CSV worker stopped (exit code ${code})`) }));

  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift()!;
      if (m.type === 'batch') {
        progress.bytes = m.bytesRead;
        // Back to the event loop before the consumer's next (synchronous) write: the input chunks
        // the worker asked for (an upload) are read and sent only there.
        if (stream) await new Promise<void>((resolve) => setImmediate(resolve));
        yield m.batch;
        send({ type: 'ack' });
      } else if (m.type === 'done') {
        return;
      } else if (m.type === 'error') {
        const e = m.error;
        throw e.app ? new AppError(e.status, e.code, e.message, e.field) : new Error(e.message);
      } else if (m.type === 'exit') {
        throw m.error;
      }
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
    // Stop reading the input (an upload the import no longer wants, or a file).
    (stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
  }
}
