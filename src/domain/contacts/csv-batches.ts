import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ImportBatch } from '../../storage/repos/import-batch.js';
import { AppError } from '../errors.js';
import { packedBatches, readCsvPackedRows, type CsvOptions } from './csv-source.js';
import type { FromWorker, ToWorker, WorkerInput } from './csv-worker.js';
import type { BatchSource } from './import-service.js';

/*
 * CSV input for an import, as batches: parsed and validated on a worker thread (csv-worker.ts)
 * while this thread writes, or on this thread. The rows, reasons and row numbers are the same
 * either way (readCsvPackedRows); only where the work runs differs. The worker pays for itself
 * only with a core to spare: moving a batch back costs this thread (structured clone, garbage)
 * about a third of what parsing it here would, and starting the worker (an isolate loading the
 * phone metadata) a few hundred ms. On a busy two-core machine (load ~3) it was slower than
 * staying here (200k rows: 5.1-6.2 s against 3.2-3.7 s), so it is used only for big inputs when
 * the load average leaves a core idle.
 */

/** Inputs at least this big (or of unknown size) are parsed on a worker thread. */
export const WORKER_MIN_BYTES = 1024 * 1024;

export interface CsvSourceOptions extends CsvOptions {
  /** Size of the input when known (file size, Content-Length). */
  sizeBytes?: number;
  /** Rows per batch (the repository's batch size). */
  batchRows: number;
}

/** Whether a core is free for a worker: more than one, and a 1-minute load average leaving one idle. */
export function spareCore(): boolean {
  const cores = os.availableParallelism();
  return cores > 1 && os.loadavg()[0]! < cores - 0.5;
}

/** Import batches of `input`, parsed on a worker thread or on this one (see the module comment). */
export function csvSource(input: NodeJS.ReadableStream, opts: CsvSourceOptions): BatchSource {
  const big = opts.sizeBytes === undefined || opts.sizeBytes >= WORKER_MIN_BYTES;
  if (big && spareCore()) return readCsvBatches(input, opts);
  return { batches: packedBatches(readCsvPackedRows(input, opts), opts.batchRows) };
}

// Built, the worker is csv-worker.js; from TypeScript sources a shim registers tsx in the worker first.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './csv-worker-dev.mjs' : './csv-worker.js', import.meta.url);

/** readCsvRows on a worker thread, as packed batches of `batchRows` rows. */
export function readCsvBatches(input: NodeJS.ReadableStream, opts: CsvSourceOptions): BatchSource {
  return { batches: batches(input, opts) };
}

async function* batches(input: NodeJS.ReadableStream, opts: CsvSourceOptions): AsyncGenerator<ImportBatch, void, undefined> {
  const { sizeBytes: _size, ...csv } = opts;
  const workerData: WorkerInput = { ...csv, mapping: csv.mapping ? { ...csv.mapping } : undefined };
  const worker = new Worker(WORKER_URL, { workerData });
  const chunks = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const send = (msg: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(msg, transfer);

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
    if (m.type !== 'more') {
      push(m);
      return;
    }
    // Chunks go one at a time, in order, as the worker's parser asks for them.
    reading = reading.then(async () => {
      try {
        const next = await chunks.next();
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
    (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}
