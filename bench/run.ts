/** `npm run bench`: every figure the issues ask for, each printed as a table from a run on this machine. */
import { run as audit } from './audit.js';
import { run as cli } from './cli.js';
import { run as diagnosis } from './diagnosis.js';
import { run as faults } from './faults.js';
import { run as labAccuracy } from './lab-accuracy.js';
import { run as slackAck } from './slack-ack.js';
import { run as spec, runBig as specBig } from './spec.js';
import { run as specCorpus } from './spec-corpus.js';
import { run as store } from './store.js';

const benches: [string, () => Promise<void>][] = [
  ['diagnosis', diagnosis],
  ['cli', cli],
  ['faults', faults],
  ['lab-accuracy', labAccuracy],
  ['slack-ack', slackAck],
  ['spec', spec],
  ['spec-big', specBig],
  ['store', store],
  ['audit', audit],
];
/** Run only when named (`npm run bench spec-corpus`): the corpus sweep takes tens of minutes, the timing table does not need it. */
const onlyWhenNamed: [string, () => Promise<void>][] = [['spec-corpus', specCorpus]];

const only = process.argv.slice(2);
for (const [name, run] of [...benches, ...onlyWhenNamed]) {
  if (only.length ? !only.includes(name) : onlyWhenNamed.some(([n]) => n === name)) continue;
  process.stdout.write(`\n=== ${name}\n`);
  await run();
}
