import { ConfigError, loadConfig } from '../shared/config.js';
import { serve } from './serve.js';

try {
  await serve(loadConfig());
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
}
