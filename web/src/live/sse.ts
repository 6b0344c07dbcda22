/**
 * A Server-Sent Events reader over the typed client (EventSource cannot send the `auth` or
 * `Authorization` headers the APIs need; the client's middleware adds them, a fresh token each
 * time). Reconnects by itself with `Last-Event-ID`, so nothing is lost or repeated across a dropped
 * connection or a server restart, and reports whether it is connected so the page can say so.
 */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Opens the stream: a typed-client GET with `parseAs: 'stream'`, sending `lastEventId` when given. */
export type SseOpen = (
  lastEventId: string | undefined,
  signal: AbortSignal,
) => Promise<{ data?: ReadableStream<BufferSource> | null; response: Response }>;

export interface SseOptions {
  open: SseOpen;
  onMessage: (m: SseMessage) => void;
  onConnected?: (connected: boolean) => void;
  /** First retry delay; doubled per failure up to 10 s. */
  retryMs?: number;
}

/** The SSE request headers for a (re)connection. */
export const sseHeaders = (lastEventId: string | undefined): Record<string, string> => ({
  accept: 'text/event-stream',
  ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
});

export function openSse(o: SseOptions): () => void {
  const abort = new AbortController();
  let lastId: string | undefined;
  let delay = o.retryMs ?? 500;

  const connect = async (): Promise<void> => {
    const { data, response } = await o.open(lastId, abort.signal);
    if (!response.ok || !data) throw new Error(`HTTP ${response.status}`);
    o.onConnected?.(true);
    delay = o.retryMs ?? 500;
    const reader = data.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(buffer.slice(end).match(/^\r?\n\r?\n/)![0].length + end);
        const m = parseBlock(block);
        if (!m) continue;
        if (m.id !== undefined) lastId = m.id;
        o.onMessage(m);
      }
    }
  };

  void (async () => {
    while (!abort.signal.aborted) {
      try {
        await connect();
      } catch {
        // Reconnected below; a closed page (abort) ends the loop.
      }
      if (abort.signal.aborted) return;
      o.onConnected?.(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(10_000, delay * 2);
    }
  })();
  return () => abort.abort();
}

/** One SSE block: comments (`:`) and blocks without data are keep-alives. */
function parseBlock(block: string): SseMessage | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { id, event, data: data.join('\n') } : undefined;
}
