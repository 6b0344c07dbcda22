import { EventEmitter } from 'node:events';

/**
 * Said whenever work for the engine appears in this process: an agent became Available, accepted
 * an offer, or asked to end a call. The runtime answers with a dialing run at once instead of at
 * the next ENGINE_TICK_MS, so an agent who frees up is dialed for within milliseconds. (A change
 * made in another process is seen at the next tick.)
 */
export class WorkSignal {
  private readonly emitter = new EventEmitter();

  notify(): void {
    this.emitter.emit('work');
  }

  /** Returns a function that stops listening. */
  onWork(listener: () => void): () => void {
    this.emitter.on('work', listener);
    return () => this.emitter.off('work', listener);
  }
}
