// The floor under bench/cli.ts's goal: what Node itself takes for the network part of a healthy diagnosis, with none of
// action-debug's code. It loads node:https and opens as many fresh HTTPS connections at once as the diagnosis does (each
// a full handshake with SNI and the certificate checked, as the probes make them), reads each answer, writes one line to
// stdout and exits. Plain JS run by the bare Node binary, like `node -e 0`: no tsx, no bundle, no zod.
// Usage: node bench/https-floor.mjs <https-url> <connections> ['Name: value'…]   (ACTION_DEBUG_HOSTS maps the lab's host names, as for
// the CLI; NODE_EXTRA_CA_CERTS trusts the lab's CA)
const https = process.getBuiltinModule('node:https');
const [url, count, ...headerLines] = process.argv.slice(2);
const headers = Object.fromEntries(headerLines.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]));
const u = new URL(url);
// host=addr;host2=addr2, as the CLI reads it: the lab's names are not in DNS.
const hosts = new Map((process.env.ACTION_DEBUG_HOSTS ?? '').split(';').filter(Boolean).map((e) => e.split('=')));
const address = hosts.get(u.hostname)?.split(',')[0];
const lookup = (_host, opts, cb) => (opts?.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4));
const one = () => new Promise((resolve) => {
  const req = https.request({ host: u.hostname, port: u.port, path: u.pathname, headers, agent: false, ...(address ? { lookup } : {}) }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
  });
  req.on('error', (err) => resolve(err.code));
  req.end();
});
process.stderr.write('connecting\n');
const codes = await Promise.all(Array.from({ length: Number(count) }, one));
process.stdout.write(`${codes.join(' ')}\n`);
process.exitCode = codes.every((c) => c === 200) ? 0 : 1;
