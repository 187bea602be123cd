// The floor under the floor: plain node:http that checks Slack's signature, parses the form and acks, nothing else.
// What it measures is this machine's cost of 200 connections at once (accept, parse, write), with no framework in it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign } from '../src/fakes/slack/driver.js';

const secret = process.env['SLACK_SIGNING_SECRET']!;
const server = http.createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (d: string) => (raw += d));
  req.on('end', () => {
    if (req.headers['x-slack-signature'] !== sign(secret, Number(req.headers['x-slack-request-timestamp']), raw)) {
      res.writeHead(401);
      return res.end();
    }
    const text = new URLSearchParams(raw).get('text') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ response_type: 'ephemeral', text: `ok (${text.length} characters)` }));
  });
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`{"port":${(server.address() as AddressInfo).port}}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
