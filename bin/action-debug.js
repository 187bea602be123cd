#!/usr/bin/env node
// `npx action-debug`. Plain JS that imports nothing before the version check: better-sqlite3 13 crashes Node 20 when it
// loads (a segfault, not an error) and undici 8 does not run there, so an unsupported Node must stop here, with one line.
// MIN must equal package.json's engines.node (a test checks). The real entry is built by `npm ci` (the prepare script).
const MIN = [22, 19];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < MIN[0] || (major === MIN[0] && minor < MIN[1])) {
  process.stderr.write(`action-debug: needs Node.js >= ${MIN.join('.')} (22, 24 or 26); this is ${process.version} at ${process.execPath}: run it through npm (npx action-debug uses the Node that npm ci pinned) or install a supported Node\n`);
  process.exitCode = 2;
} else {
  // Node's own on-disk cache of compiled code (documented for CLI tools; NODE_DISABLE_COMPILE_CACHE=1 turns it off); the
  // bundle's loader (dist/cli-bundle/main.js, from scripts/cli-loader.mjs) keeps its fuller code cache in the same folder.
  // The bundle (scripts/bundle-cli.mjs) spares resolving hundreds of modules.
  // getBuiltinModule, not import(): the ESM view of a built-in runs its lazy getters, work a CLI run does not need.
  process.getBuiltinModule('node:module').enableCompileCache?.();
  import('../dist/cli-bundle/main.js')
    .then((m) => m.main(process.argv.slice(2)))
    .then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`action-debug: ${err?.message ?? err}\n`); process.exitCode = 2; },
  );
}
