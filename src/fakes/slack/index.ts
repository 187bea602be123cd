export { startFakeSlack, type FakeSlack, type FakeMessage, type ApiCall, type Fault } from './server.js';
export { SlackDriver, sign, type Delivery } from './driver.js';
export { blockErrors } from './block-limits.js';
