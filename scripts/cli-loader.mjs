// The bundled CLI's entry (copied to dist/cli-bundle/main.js by scripts/bundle-cli.mjs, which fills in the bundle's name).
// It runs the one-script bundle through node:vm with a V8 code cache of its own, made AFTER the command ran.
// Why: Node's compile cache (module.enableCompileCache) serializes a module's code right after compiling it, so it holds
// only the top level; every function a run calls is compiled again on every run (about 20 ms of a diagnosis: zod, the
// probes, the pipeline). V8's code cache made after execution (vm.Script#createCachedData, as browsers do) holds those
// too: the next run of the same command deserializes them instead (measured in bench/cli.ts, README "Reading the CLI table").
// The cache lives in Node's compile cache folder (the OS temp folder, or NODE_COMPILE_CACHE), one file per bundle and
// command; NODE_DISABLE_COMPILE_CACHE=1 turns both off. V8 rejects a cache made by another V8, other flags or another
// source length, and the file name carries the bundle's content hash: a stale cache is never run, only rebuilt. V8 does
// not check a cache's contents, so the file carries a digest of them (readCache): a damaged one is never run either.
// Built-ins are taken with getBuiltinModule: `import` of a built-in builds its ESM view, which runs lazy getters.
const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const vm = process.getBuiltinModule('node:vm');
const crypto = process.getBuiltinModule('node:crypto');
const { createRequire, enableCompileCache } = process.getBuiltinModule('node:module');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

const BUNDLE = '@BUNDLE@';
const file = fileURLToPath(new URL(BUNDLE, import.meta.url));

/** Runs one CLI command (argv without node and the script); resolves with its exit code. */
export async function main(argv) {
  // Node's own cache still serves this file and undici.cjs; its folder (under a name that carries Node's version and
  // flags) holds ours. Undefined when the cache is disabled or the folder cannot be made.
  const dir = enableCompileCache?.()?.directory;
  // One cache per command: each holds what that command compiled (a `spec` run would not serve a diagnosis).
  const command = /^[a-z]{1,16}$/.test(argv[0] ?? '') ? argv[0] : 'other';
  const cacheFile = dir ? path.join(dir, `action-debug-${path.basename(BUNDLE, '.cjs')}-${command}`) : null;
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  // The file holds the bundle inside its CommonJS wrapper (bundle-cli.mjs writes it so). Read as latin1: the bundle is
  // pure ASCII (bundle-cli.mjs escapes the rest), and a one-byte string skips a UTF-8 decoding pass.
  const script = new vm.Script(fs.readFileSync(file, 'latin1'), {
    filename: file,
    cachedData,
    // The bundle's only import(): undici.cjs, through Node's own loader, relative to the bundle.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  try {
    return await module.exports.main(argv);
  } finally {
    if (cacheFile && (!cachedData || script.cachedDataRejected)) save(cacheFile, script.createCachedData());
  }
}

/**
 * The cache as written by save(): a SHA-256 of the V8 data, then the data. V8 checks only a cache's header (its version,
 * flags and the source's length), not its contents: a damaged file (a torn write, a disk fault) was run as it was, and
 * crashed every later run of the command. So a file whose digest does not match, or that this user did not write (the
 * temp folder is shared), is not used: the run compiles from source and writes a good one.
 */
function readCache(cacheFile) {
  let fd;
  try {
    fd = fs.openSync(cacheFile, 'r');
    const st = fs.fstatSync(fd);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return undefined;
    const buf = fs.readFileSync(fd);
    if (buf.length <= DIGEST_BYTES) return undefined;
    const data = buf.subarray(DIGEST_BYTES);
    return digest(data).equals(buf.subarray(0, DIGEST_BYTES)) ? data : undefined;
  } catch {
    // No cache yet (the first run of this command) or unreadable: compile from the source, as Node would.
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const DIGEST_BYTES = 32;
// One-shot crypto.hash (Node >= 21.7): about half the time of createHash().update().digest() on a code cache (~0.6 MB).
const digest = (data) => crypto.hash('sha256', data, 'buffer');

/**
 * Written whole under a name no other run uses (two containers sharing the folder can both be PID 1), then renamed: a
 * concurrent run reads the old file, the new one or none.
 */
function save(cacheFile, data) {
  const tmp = `${cacheFile}.${process.pid}.${crypto.randomUUID()}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([digest(data), data]), { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A cache that cannot be written (read-only or full temp folder) only costs the next run its compile time, as with
    // Node's own compile cache, which fails silently too.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing left to clean
    }
  }
}

// Run directly (node dist/cli-bundle/main.js …, as the bundle test does); bin/action-debug.js imports main() instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
