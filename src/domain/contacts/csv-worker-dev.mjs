// Worker entry when campaignd runs from TypeScript sources (tsx, vitest): Node 20 does not apply
// the parent's `--import tsx` hooks to a worker's own modules, so the worker registers tsx itself
// before loading csv-worker.ts. Built code (dist/) starts csv-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./csv-worker.ts');
