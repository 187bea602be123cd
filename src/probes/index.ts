import type { Check, Probe } from '../pipeline/probe.js';
import { ipAllowlistCheck } from '../checks/ip-allowlist.js';
import { requestProbe } from './request.js';
import { dnsProbe } from './dns.js';
import { tlsProbe } from './tls.js';
import { headerBlockingProbe } from './header-blocking.js';
import { authProbe } from './auth.js';
import { corsProbe } from './cors.js';
import { rateLimitProbe } from './rate-limit.js';
import { specImportProbe } from './spec-import.js';
import { opencxActionProbe } from './opencx-action.js';
import { opencxChannelProbe } from './opencx-channel.js';
import { opencxSegmentsProbe } from './opencx-segments.js';
import { opencxDescriptionProbe } from './opencx-description.js';
import { opencxHistoryProbe } from './opencx-history.js';

/** Every probe a diagnosis runs, in the order they are listed on the card. */
export const defaultProbes: Probe<any>[] = [
  dnsProbe,
  tlsProbe,
  requestProbe,
  headerBlockingProbe,
  authProbe,
  corsProbe,
  rateLimitProbe,
  specImportProbe,
  opencxActionProbe,
  opencxChannelProbe,
  opencxSegmentsProbe,
  opencxDescriptionProbe,
  opencxHistoryProbe,
];

/** Rules that read the evidence of several probes. */
export const defaultChecks: Check[] = [ipAllowlistCheck];
