#!/usr/bin/env node
// Compiled by `npm ci` (the prepare script). Kept as plain JS so `npx action-debug` starts fast.
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`action-debug: ${err?.message ?? err}\n`); process.exitCode = 2; },
);
