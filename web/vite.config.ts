/**
 * The console's build (docs/console.md): `npm run build:console` writes dist/console, which the
 * server serves at /console (src/http/routes/console.ts). Every emitted file also gets `.br` and
 * `.gz` copies, so the server answers compressed bytes without compressing per request.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/console', import.meta.url));

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

/**
 * Writes `<file>.br` and `<file>.gz` next to every file of the build, each only when it is smaller
 * than the original (an already compressed image would only grow). Runs once, after the bundle is written.
 */
function precompress(dir: string): Plugin {
  return {
    name: 'campaignd-precompress',
    apply: 'build',
    async closeBundle() {
      const files = (await filesUnder(dir)).filter((f) => !/\.(br|gz)$/.test(f));
      await Promise.all(
        files.map(async (file) => {
          const raw = await readFile(file);
          const [br, gzipped] = await Promise.all([
            brotli(raw, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
                [constants.BROTLI_PARAM_SIZE_HINT]: (await stat(file)).size,
              },
            }),
            gz(raw, { level: constants.Z_BEST_COMPRESSION }),
          ]);
          if (br.length < raw.length) await writeFile(`${file}.br`, br);
          if (gzipped.length < raw.length) await writeFile(`${file}.gz`, gzipped);
        }),
      );
    },
  };
}

export default defineConfig({
  root,
  base: '/console/',
  // No public/ folder: everything served is a hashed build output, or index.html.
  publicDir: false,
  plugins: [preact(), precompress(outDir)],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Never inline assets as data: URLs: the Content-Security-Policy allows files from 'self' only.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
