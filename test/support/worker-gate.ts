/**
 * Preloaded (`--import`) ahead of src/start/worker.ts by EngineProcess({ gated: true }): loads the
 * worker's whole module graph, says so on stderr, then holds the entry point back until the test
 * writes a line on stdin. A replacement worker can so be started while the old one still runs and
 * take over within a moment of `kill -9`, instead of after seconds of start-up on a busy machine;
 * nothing touches the database before the line arrives (the entry point opens it).
 */
await import('../../src/shared/config.js');
await import('../../src/start/boot.js');
await import('../../src/runtime/create-runtime.js');
process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'worker gate ready' })}\n`);
await new Promise<void>((resolve) => {
  // stdin closed without the line: the test went away, so must the stand-by.
  const orphaned = () => process.exit(0);
  process.stdin.once('end', orphaned);
  process.stdin.once('data', () => {
    process.stdin.off('end', orphaned);
    process.stdin.pause();
    resolve();
  });
});
