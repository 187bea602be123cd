// Bundles the CLI (src/cli/main.ts and what it imports) into a few files with esbuild, run by `prepare` after tsc.
// Why: resolving and compiling hundreds of modules (zod, undici, yaml…) took most of a quick run's wall time. Each command
// is still loaded on demand: the dynamic imports in src/cli/main.ts become chunks (`help` loads almost nothing).
// Usage: node scripts/bundle-cli.mjs [outdir]   (default dist/cli-bundle; tests bundle into a temp folder)
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist/cli-bundle';
// Chunk names carry content hashes: start from an empty folder so stale chunks never linger.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.19',
  chunkNames: 'chunks/[name]-[hash]',
  // Left to Node: a native addon (loaded by its own loader, and only by `ticket`), and jsonc-parser, whose UMD build
  // require()s its parts by computed paths that a bundler cannot follow.
  external: ['better-sqlite3', 'jsonc-parser'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins: give them Node's own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // Only the part of undici the CLI uses (see scripts/undici-lean.cjs): its full index is half of the start-up.
  plugins: [{
    name: 'undici-lean',
    setup(b) {
      b.onResolve({ filter: /^undici$/ }, () => ({ path: fileURLToPath(new URL('./undici-lean.cjs', import.meta.url)) }));
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
