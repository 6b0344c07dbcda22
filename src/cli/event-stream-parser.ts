/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** `event:` field; `message` when absent. */
  type: string;
  data: string;
  /** The last event id seen on the stream so far (this event's `id:`, or an earlier one's), if any. */
  lastEventId: string | undefined;
}

/**
 * A `text/event-stream` parser after the WHATWG rules (fed decoded text in chunks of any size):
 * lines end with CRLF, LF or CR; `:` lines are comments (keepalives); a blank line dispatches the
 * event when it has data; `id` is remembered across events (and an event without one keeps it), so
 * a reconnect can send it as Last-Event-ID; `retry` sets the reconnection delay.
 */
export class EventStreamParser {
  /** Reconnection delay the server asked for (`retry:`), ms. */
  retryMs: number | undefined;
  private lastId: string | undefined;
  private buffer = '';
  private type = '';
  private data: string[] = [];
  private afterCr = false;

  push(chunk: string): SseMessage[] {
    if (chunk === '') return [];
    // A CR that ended the previous chunk may have been the first half of a CRLF: its LF is no new line.
    if (this.afterCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.afterCr = false;
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (m[0] === '\r' && this.buffer === '') this.afterCr = true;
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const data = this.data;
      const type = this.type || 'message';
      this.data = [];
      this.type = '';
      return data.length === 0 ? undefined : { type, data: data.join('\n'), lastEventId: this.lastId };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
