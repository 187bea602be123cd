import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/run-cli.js';

const SECRET = 'sk_live_planted_0123456789abcdef';

const CASES: { name: string; args: string[]; says: RegExp; env?: Record<string, string> }[] = [
  { name: 'a timeout setting over 60 s', args: ['diagnose', '--endpoint', 'https://api.example.com'], env: { ACTION_DEBUG_TIMEOUT_S: '90' }, says: /cannot exceed OpenCX's 60 s/ },
  { name: 'a malformed URL', args: ['diagnose', '--endpoint', 'not a url'], says: /not a URL/ },
  { name: 'http://', args: ['diagnose', '--endpoint', 'http://api.example.com/x'], says: /HTTPS endpoints only/ },
  { name: 'another scheme', args: ['diagnose', '--endpoint', 'ftp://api.example.com/x'], says: /must be an https:\/\/ URL/ },
  { name: 'an unsupported method', args: ['diagnose', '--endpoint', 'https://api.example.com', '--method', 'HEAD'], says: /GET, POST, PUT, PATCH or DELETE/ },
  { name: 'an unknown flag', args: ['diagnose', '--endpoint', 'https://api.example.com', '--frobnicate'], says: /Unknown option '--frobnicate'/ },
  { name: 'a header without a colon', args: ['diagnose', '--endpoint', 'https://api.example.com', '--header', `Authorization ${SECRET}`], says: /has no colon/ },
  // A URL that does not parse is never quoted: the message names the wrong part (the port, the host), not the text.
  { name: 'a port out of range, a key in the query', args: ['diagnose', '--endpoint', `https://api.example.com:99999/x?api_key=${SECRET}`], says: /port 99999 of https:\/\/api\.example\.com is out of range/ },
  { name: 'a bad host, a token in the fragment', args: ['diagnose', '--endpoint', `https://api example.com/x#access_token=${SECRET}`], says: /the host is not a valid host name/ },
  { name: 'a spec URL that does not parse, a token in it', args: ['spec', `https://api.example.com:99999/openapi.json?token=${SECRET}`], says: /not a URL/ },
  { name: 'a form field without its name', args: ['diagnose', '--endpoint', 'https://api.example.com', '--method', 'POST', '--form', SECRET], says: /--form must look like name=value/ },
  { name: 'a header name with a space', args: ['diagnose', '--endpoint', 'https://api.example.com', '--header', `Authorization Basic admin:${SECRET}`], says: /header name "Authorization …" is not a valid HTTP header name/ },
  { name: 'a missing endpoint', args: ['diagnose', '--action', 'x'], says: /missing --endpoint/ },
  { name: 'a body that is not JSON', args: ['diagnose', '--endpoint', 'https://api.example.com', '--method', 'POST', '--body', '{nope'], says: /not valid JSON/ },
  { name: 'a burst over the cap', args: ['diagnose', '--endpoint', 'https://api.example.com', '--burst', '500'], says: /burst/ },
  { name: 'credentials in the URL', args: ['diagnose', '--endpoint', `https://user:${SECRET}@api.example.com/`], says: /credentials in a header/ },
  { name: 'a burst without confirming ownership', args: ['diagnose', '--endpoint', 'https://api.example.com', '--burst', '5'], says: /--confirm-owner/ },
  { name: 'an unknown command', args: ['diagnoze'], says: /unknown command "diagnoze"/ },
];

test('bad input: one clear line on stderr, exit 2, no stack trace, no secret echoed', async () => {
  const results = await Promise.all(CASES.map((c) => runCli(c.args, c.env)));
  results.forEach((r, i) => {
    const c = CASES[i]!;
    assert.equal(r.code, 2, `${c.name}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, c.says, c.name);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `${c.name}: stack trace`);
    assert.equal(r.stdout, '', `${c.name}: stdout must stay empty`);
    assert.ok(!r.stderr.includes(SECRET) && !r.stderr.includes('planted'), `${c.name}: secret echoed`);
  });
});

test('help is printed on stdout with an example, exit 0', async () => {
  const r = await runCli(['diagnose', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: action-debug diagnose --endpoint/);
  assert.match(r.stdout, /Example:/);
  const top = await runCli([]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /action-debug catalogue/);
});
