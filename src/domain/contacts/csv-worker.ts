import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import type { ImportBatch } from '../../storage/repos/import-batch.js';
import { AppError } from '../../shared/errors.js';
import { counted, readCsvImportBatches, type CsvOptions } from './csv-source.js';

/*
 * The CSV worker thread of csv-batches.ts: parses and validates (readCsvImportBatches: readCsvRows,
 * phone numbers and all) and posts packed batches, while the main thread writes the previous ones.
 * Input is a file the worker reads itself, or an upload pulled from the main thread: each time the
 * parser wants more text the worker asks for the next chunk. Output is credited: at most
 * MAX_UNACKED batches wait for the main thread.
 */

export interface WorkerInput extends CsvOptions {
  batchRows: number;
  /** A file the worker reads itself; without it, input comes from the main thread in chunks. */
  file?: string | undefined;
}
/** main -> worker */
export type ToWorker =
  { type: 'start'; input: WorkerInput } | { type: 'chunk'; data: ArrayBuffer } | { type: 'end' } | { type: 'ack' };
/** worker -> main */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'more' }
  | { type: 'batch'; batch: ImportBatch; bytesRead: number }
  | { type: 'done' }
  | {
      type: 'error';
      error: { app: boolean; status: number; code: string; message: string; field?: string | undefined };
    };

/** Enough for the worker to parse a whole write transaction (8,192 rows on SQLite) ahead of the main thread. */
const MAX_UNACKED = 16;
const INPUT_BUFFER_BYTES = 4 * 1024 * 1024;

function main(port: NonNullable<typeof parentPort>, opts: WorkerInput): void {
  let bytesRead = 0;
  const input = counted(opts.file ? fs.createReadStream(opts.file) : fromMainThread(port), (n) => (bytesRead += n));
  let unacked = 0;
  let credit: (() => void) | undefined;
  port.on('message', (msg: ToWorker) => {
    if (msg.type !== 'ack') return;
    unacked--;
    credit?.();
    credit = undefined;
  });

  const post = async (batch: ImportBatch) => {
    // COPY text moves to the main thread instead of being copied.
    const transfer = batch.copy?.flatMap((c) => [c.bytes.buffer as ArrayBuffer, c.ends.buffer as ArrayBuffer]);
    port.postMessage({ type: 'batch', batch, bytesRead } satisfies FromWorker, transfer);
    unacked++;
    while (unacked >= MAX_UNACKED) await new Promise<void>((resolve) => (credit = resolve));
  };

  void (async () => {
    try {
      for await (const batch of readCsvImportBatches(input, opts, opts.batchRows)) await post(batch);
      port.postMessage({ type: 'done' } satisfies FromWorker);
    } catch (err) {
      const app = err instanceof AppError;
      const e = err as AppError;
      port.postMessage({
        type: 'error',
        error: {
          app,
          status: app ? e.status : 500,
          code: app ? e.code : 'INTERNAL',
          message: String(e?.message ?? err),
          field: app ? e.field : undefined,
        },
      } satisfies FromWorker);
    }
  })();
}

/** The input as the main thread sends it: asked for chunk by chunk as the parser wants more. */
function fromMainThread(port: NonNullable<typeof parentPort>): Readable {
  // Several MiB of input are kept at hand: the main thread answers 'more' only between its write
  // transactions, and the parser must not starve while one runs.
  const input = new Readable({
    highWaterMark: INPUT_BUFFER_BYTES,
    read() {
      port.postMessage({ type: 'more' } satisfies FromWorker);
    },
  });
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'chunk') input.push(Buffer.from(msg.data));
    else if (msg.type === 'end') input.push(null);
  });
  return input;
}

// The worker may be started before its input is known (csv-batches.ts warmCsvWorker): once its
// modules are loaded it says so, then waits for 'start'.
const port = parentPort;
port?.once('message', (m: ToWorker) => {
  if (m.type === 'start') main(port, m.input);
});
port?.postMessage({ type: 'ready' } satisfies FromWorker);
