// `npm start`. Plain JS that imports nothing before the version check: better-sqlite3 13 crashes Node 20 when it loads
// (a segfault, not an error) and undici 8 does not run there, so an unsupported Node must stop here, with one line.
// MIN must equal package.json's engines.node (a test checks). The app itself is compiled by `npm ci` (the prepare script).
const MIN = [22, 19];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < MIN[0] || (major === MIN[0] && minor < MIN[1])) {
  process.stderr.write(`action-debug: needs Node.js >= ${MIN.join('.')} (22, 24 or 26); this is ${process.version} at ${process.execPath}: start it with npm start (it uses the Node that npm ci pinned) or install a supported Node\n`);
  process.exitCode = 2;
} else {
  await import('../dist/slack/main.js');
}
