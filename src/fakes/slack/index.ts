export { startFakeSlack, type FakeSlack, type FakeMessage, type ApiCall, type Fault, type Conversation, type Payload, type FakeSlackOptions } from './server.js';
export { SlackDriver, sign, type Delivery } from './driver.js';
export { blockErrors, viewErrors, BLOCK_KIT } from './block-limits.js';
export { RateLimiter, METHOD_TIERS } from './rate-limits.js';
