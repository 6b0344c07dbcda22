/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (all by default). Each prints the
 * project's figure, a baseline measured in the same run, and their ratio.
 */
import { runAgentsBench } from './agents-bench.js';
import { runEngineBench } from './engine-bench.js';
import { runGetCampaignBench } from './get-campaign-bench.js';
import { runImportBench } from './import-bench.js';
import { runPacingBench } from './pacing-bench.js';

const benches: Record<string, () => Promise<void>> = {
  get: runGetCampaignBench,
  import: runImportBench,
  engine: runEngineBench,
  agents: runAgentsBench,
  pacing: runPacingBench,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  const run = benches[name];
  if (!run) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  await run();
}
