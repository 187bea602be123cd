// Bundles the CLI (src/cli/main.ts and what it imports) with esbuild, run by `prepare` after tsc. Writes into outdir:
//   cli-<hash>.cjs  every command in one CommonJS script; the modules a command reaches only through a dynamic import
//                   (the OpenAPI reader, pino, the store…) stay wrapped and are evaluated on first use, as before;
//   undici.cjs      the part of undici the OpenCX client loads on its first call (scripts/undici-lean.cjs), apart;
//   main.js         the loader (scripts/cli-loader.mjs): runs the script through node:vm with a V8 code cache made after
//                   the command ran, so the next run compiles nothing (see there for why Node's own cache is not enough).
// Why one script: resolving and compiling hundreds of modules (zod, undici, yaml…) took most of a quick run's wall time,
// and only a classic script (vm.Script) can hand back a code cache that holds the functions a run compiled lazily.
// Usage: node scripts/bundle-cli.mjs [outdir]   (default dist/cli-bundle; tests bundle into a temp folder)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist/cli-bundle';
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// The bundle's name carries its content hash (the code cache is keyed by it): start from an empty folder so stale
// bundles never linger.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22.19',
  // Left to Node: a native addon (loaded by its own loader, and only by `ticket`), and jsonc-parser, whose UMD build
  // require()s its parts by computed paths that a bundler cannot follow.
  external: ['better-sqlite3', 'jsonc-parser'],
  // The sources are ES modules: the few that need their own URL (createRequire for packages loaded on demand, the
  // "run directly" check) get the script's.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  metafile: true,
  plugins: [{
    // Only the part of undici the CLI uses (see scripts/undici-lean.cjs): its full index is half of the start-up. A file
    // of its own, loaded by the OpenCX client's dynamic import: a diagnosis without a key never reads it.
    name: 'undici-lean',
    setup(b) {
      b.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.cjs', external: true }));
    },
  }, {
    // zod's `z` namespace re-exports all of its ~50 locales (z.locales.*, z.core.locales.*), which a bundler cannot drop. The CLI speaks
    // English only (zod registers `en` itself, from its own module), so the namespace keeps `en` and nothing else:
    // a quarter less code for every command to load.
    name: 'zod-en-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
        /zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(a.importer) ? { path: 'zod-locales-en', namespace: 'zod-en-only' } : undefined);
      b.onLoad({ filter: /.*/, namespace: 'zod-en-only' }, () => ({ contents: "export { default as en } from 'zod/v4/locales/en.js';", resolveDir: process.cwd() }));
    },
  }],
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
});
await build({
  entryPoints: [here('./undici-lean.cjs')],
  outfile: join(outdir, 'undici.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22.19',
  legalComments: 'none',
  logLevel: 'warning',
});

const [bundle] = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop()).filter((n) => /^cli-.*\.cjs$/.test(n));
const bundlePath = join(outdir, bundle);
// esbuild escapes non-ASCII in code (charset ascii) but keeps a few comments as written: escaped too, so the script is
// pure ASCII and Node reads it into a one-byte string without a slow UTF-8 pass (~5 ms on 1.3 MB).
const text = readFileSync(bundlePath, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
// Written inside the CommonJS wrapper the loader runs it in (on its first line, so line numbers in stack traces stay the
// bundle's): the loader hands the file's text to vm.Script as it is read, instead of joining it to the wrapper at every
// start (a copy of the whole ~1.2 MB script, ~0.8 ms). The file is only ever run by the loader.
writeFileSync(bundlePath, `(function (exports, require, module, __filename, __dirname) {${text}\n})`);
writeFileSync(join(outdir, 'main.js'), readFileSync(here('./cli-loader.mjs'), 'utf8').replace("'@BUNDLE@'", JSON.stringify(`./${bundle}`)));
