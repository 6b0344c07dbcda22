import { Readable } from 'node:stream';

/** Headers of a CSV download; the name is reduced to characters that need no quoting or encoding. */
export function csvHeaders(filename: string): Record<string, string> {
  return {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
  };
}

/**
 * The export's chunks as a byte stream: a chunk is built only when the socket has taken the bytes
 * before it (the default 16 KiB high-water mark is below one chunk), so at most one waits in
 * memory. In object mode `Readable.from` would buffer 16 chunks ahead.
 */
export function csvStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(chunks, { objectMode: false });
}
