// Bundles the CLI (src/cli/main.ts and what it imports) into a few files with esbuild, run by `prepare` after tsc.
// Why: resolving and compiling hundreds of modules (zod, undici, yaml…) took most of a quick run's wall time. Each command
// is still loaded on demand: the dynamic imports in src/cli/main.ts become chunks (`help` loads almost nothing).
// Usage: node scripts/bundle-cli.mjs [outdir]   (default dist/cli-bundle; tests bundle into a temp folder)
import { rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
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
  banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
  // Only the part of undici the CLI uses (see scripts/undici-lean.cjs): its full index is half of the start-up.
  plugins: [{
    // Node built-ins are taken with process.getBuiltinModule (Node >= 22.3), as CommonJS modules, instead of `import`:
    // the ESM view of a built-in reads every export once, which runs their lazy getters (node:http's WebSocket loads
    // Node's internal fetch, node:fs's promises, node:util's diff, node:crypto's webcrypto…): tens of ms of modules a
    // command never uses. Named imports become property reads at the point of use, which is what the code means anyway.
    name: 'builtins-without-esm-view',
    setup(b) {
      b.onResolve({ filter: /^[a-z_:/]+$/ }, (a) => (isBuiltin(a.path) && a.kind !== 'require-call' ? { path: a.path.replace(/^(node:)?/, 'node:'), namespace: 'builtin' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({ contents: `module.exports = process.getBuiltinModule(${JSON.stringify(a.path)});`, loader: 'js' }));
    },
  }, {
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
