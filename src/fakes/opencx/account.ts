import type { Lab } from '../../lab/index.js';
import type { Action } from '../../opencx/schemas.js';
import { demoDataset, type Dataset } from './server.js';

/**
 * A realistic OpenCX account for audits: 50+ actions spread over several lab hosts, most of them fine, some broken in
 * each family an audit can see from an action record (2: a WAF in front of the API; 3: the call never lands; 4: the AI
 * never calls it), and a block behind authentication that an audit can only call "needs credentials". Family 1 (import)
 * cannot appear here: an action that exists was imported. Each entry says what the audit must conclude, so tests
 * compare the audit against the account rather than against themselves.
 */
export interface AccountAction {
  action: Action;
  expect: { status: 'ok' | 'broken' | 'needs-credentials'; family: 2 | 3 | 4 | null; cause: string };
}

const T0 = Date.parse('2026-11-20T09:00:00Z');
const stamp = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

interface Spec {
  /** Lab scenario whose host serves the action. */
  host: string;
  name: string;
  description: string;
  path: string;
  method?: string;
  status?: string;
  channels?: string[];
  expect: AccountAction['expect'];
}

const ok = { status: 'ok', family: null, cause: 'none' } as const;
const creds = { status: 'needs-credentials', family: null, cause: 'needs-credentials' } as const;
const broken = (family: 2 | 3 | 4, cause: string) => ({ status: 'broken', family, cause }) as const;

/** The public catalogue API (no credentials), served by the lab host that answers without them. */
const PUBLIC = 'cors-wildcard';
/** The account API: every call needs a token, which OpenCX does not share. */
const PRIVATE = 'healthy';

const SPECS: Spec[] = [
  // Public catalogue: healthy...
  { host: PUBLIC, name: 'List products', description: 'List the products in a category with their price and stock level', path: '/products?category={category}', expect: ok },
  { host: PUBLIC, name: 'Get product', description: 'Fetch one product by SKU and return its dimensions, colours and warranty', path: '/products/{sku}', expect: ok },
  { host: PUBLIC, name: 'Search help articles', description: 'Search the help centre for articles matching the customer question', path: '/articles?q={query}', expect: ok },
  { host: PUBLIC, name: 'Store opening hours', description: 'Return the opening hours of a physical store for a given city', path: '/stores/{city}/hours', expect: ok },
  { host: PUBLIC, name: 'Shipping rates', description: 'Return the shipping costs to a destination country for a parcel weight', path: '/shipping/rates?country={country}', expect: ok },
  { host: PUBLIC, name: 'Check promo code', description: 'Check a promotional voucher and return the discount it grants', path: '/promos/{code}', expect: ok },
  { host: PUBLIC, name: 'Size guide', description: 'Return the matching clothing size between EU, UK and US charts for a garment type', path: '/sizes/{type}', expect: ok },
  { host: PUBLIC, name: 'Find nearest store', description: 'Find the closest shop to a postcode and give its address', path: '/stores/near/{postcode}', expect: ok },
  { host: PUBLIC, name: 'Gift card balance', description: 'Read the remaining balance on a gift card number', path: '/giftcards/{number}', expect: ok },
  { host: PUBLIC, name: 'Product reviews', description: 'List customer ratings and review comments about an item', path: '/products/{sku}/reviews', expect: ok },
  // ...and broken in family 4: the endpoint works, the AI never calls the action.
  { host: PUBLIC, name: 'Holiday returns policy', description: 'Explain the extended returns window that applies to holiday purchases', path: '/policies/holiday', status: 'draft', expect: broken(4, 'opencx-action-not-live') },
  { host: PUBLIC, name: 'Loyalty tiers', description: 'Describe loyalty programme tiers and the perks each level unlocks', path: '/loyalty/tiers', status: 'disabled', expect: broken(4, 'opencx-action-not-live') },
  { host: PUBLIC, name: 'Stock', description: 'Stock lookup', path: '/stock/{sku}', expect: broken(4, 'opencx-description-short') },
  { host: PUBLIC, name: 'Warehouse', description: 'Warehouse information endpoint v2', path: '/warehouse', expect: broken(4, 'opencx-description-vague') },
  { host: PUBLIC, name: 'Track parcel', description: 'Track a parcel by tracking number and return its delivery status', path: '/parcels/{tracking}', expect: broken(4, 'opencx-description-overlap') },
  { host: PUBLIC, name: 'Parcel tracking', description: 'Track a parcel by tracking number and return the delivery status', path: '/tracking/{tracking}', expect: broken(4, 'opencx-description-overlap') },

  // The account API behind a token: an audit cannot check these further...
  ...[
    ['Look up order', 'Look up an order by ID and return its status, carrier and tracking number', '/orders/{id}', 'GET'],
    ['Cancel order', 'Cancel an open order that has not shipped yet and confirm the refund amount', '/orders/{id}/cancel', 'POST'],
    ['Update address', 'Change the delivery address of an open order before dispatch', '/orders/{id}/address', 'PATCH'],
    ['Order invoice', 'Send the invoice PDF of a completed order to the customer email', '/orders/{id}/invoice', 'POST'],
    ['Account details', 'Read the customer profile: name, email, phone and marketing consent', '/me', 'GET'],
    ['Change email', 'Update the email address on the customer account after verification', '/me/email', 'PUT'],
    ['Saved cards', 'List the payment cards saved on the account, masked, with expiry dates', '/me/cards', 'GET'],
    ['Remove saved card', 'Delete one saved payment card from the customer wallet', '/me/cards/{cardId}', 'DELETE'],
    ['Subscription status', 'Show the plan, renewal date and billing cycle of the subscription', '/subscription', 'GET'],
    ['Pause subscription', 'Stop deliveries of the subscription for a number of weeks', '/subscription/pause', 'POST'],
    ['Open return', 'Start a return for items of a delivered order and email the label', '/returns', 'POST'],
    ['Refund status', 'Report where a refund is: requested, approved, paid, with dates', '/refunds/{id}', 'GET'],
  ].map(([name, description, path, method]): Spec => ({ host: PRIVATE, name: name!, description: description!, path: path!, method: method!, expect: creds })),
  // ...unless the record itself says more.
  { host: PRIVATE, name: 'Loyalty points', description: 'Show the loyalty points balance and the points expiring this month', path: '/me/points', status: 'draft', expect: broken(4, 'opencx-action-not-live') },

  // Family 2: a WAF in front of the API refuses OpenCX's calls.
  ...['Book delivery slot', 'Reschedule delivery', 'Delivery instructions', 'Missed delivery'].map((name, i): Spec => ({
    host: 'waf-opencx-headers', name, description: `${['Reserve a home delivery time window for', 'Move the scheduled delivery of', 'Add doorstep instructions to', 'Arrange a second attempt for'][i]} a pending shipment`, path: `/delivery/${i}`, expect: broken(2, 'waf-blocks-opencx-headers'),
  })),
  ...['Warranty claim', 'Repair booking', 'Spare parts'].map((name, i): Spec => ({
    host: 'waf-user-agent', name, description: `${['File a warranty claim for a faulty appliance', 'Book a technician visit to repair a device', 'Order replacement parts for an appliance model'][i]} and return the reference`, path: `/service/${i}`, method: 'POST', expect: broken(2, 'waf-blocks-user-agent'),
  })),

  // Family 3: the call never lands, or lands on something the AI cannot use.
  { host: 'ip-allowlist-403', name: 'Inventory sync', description: 'Check live inventory at the central warehouse for a SKU', path: '/inventory/{sku}', expect: broken(3, 'ip-allowlist-403') },
  { host: 'ip-allowlist-403', name: 'Supplier lead time', description: 'Return how many days the supplier needs to restock an item', path: '/suppliers/lead-time/{sku}', expect: broken(3, 'ip-allowlist-403') },
  { host: 'server-error', name: 'Price match', description: 'Compare our price with a competitor link and approve a price match', path: '/price-match', method: 'POST', expect: broken(3, 'server-error') },
  { host: 'server-error', name: 'Bundle builder', description: 'Suggest accessories that complete a bundle for a purchased item', path: '/bundles/{sku}', expect: broken(3, 'server-error') },
  { host: 'redirect', name: 'Newsletter signup', description: 'Subscribe an email address to the weekly newsletter', path: '/newsletter', method: 'POST', expect: broken(3, 'redirect') },
  { host: 'redirect', name: 'Store events', description: 'List upcoming in-store workshops and events for a city', path: '/events/{city}', expect: broken(3, 'redirect') },
  { host: 'html-response', name: 'FAQ answer', description: 'Fetch the answer to a frequently asked question by its slug', path: '/faq/{slug}', expect: broken(3, 'html-response') },
  { host: 'method-not-allowed', name: 'Search orders', description: 'Search past orders by product name or date range', path: '/orders/search', expect: broken(3, 'method-not-allowed') },
  { host: 'tls-expired', name: 'Installation booking', description: 'Schedule the installation of a large appliance at home', path: '/installations', method: 'POST', expect: broken(3, 'tls-expired') },
  { host: 'tls-self-signed', name: 'Trade-in quote', description: 'Estimate the trade-in value of an old phone by model and condition', path: '/trade-in/{model}', expect: broken(3, 'tls-self-signed') },
  { host: 'dns-nxdomain', name: 'Click and collect', description: 'Reserve an item for pickup in a chosen store', path: '/collect', method: 'POST', expect: broken(3, 'dns-no-answer') },
  { host: 'firewall-refused', name: 'B2B quote', description: 'Request a bulk pricing quote for business customers', path: '/quotes', method: 'POST', expect: broken(3, 'ip-allowlist-blocked') },
  { host: 'rate-limited', name: 'Currency converter', description: 'Convert a price into the customer local currency at today rate', path: '/fx/{currency}', expect: broken(3, 'rate-limited') },
];

/** Actions whose record alone is wrong: no endpoint, or one OpenCX never calls. */
const RECORD_ONLY: { name: string; description: string; endpoint: string | null; expect: AccountAction['expect'] }[] = [
  { name: 'Legacy stock check', description: 'Check stock in the old ERP system for a product code', endpoint: 'http://erp.acme.test/stock/{code}', expect: broken(3, 'opencx-saved-endpoint-unusable') },
  { name: 'Callback request', description: 'Ask a human agent to call the customer back at a chosen time', endpoint: null, expect: broken(3, 'opencx-saved-endpoint-unusable') },
];

function originOf(lab: Lab, scenario: string): string {
  const s = lab.scenarios.find((x) => x.id === scenario);
  if (!s) throw new Error(`the account needs the lab scenario "${scenario}" (start the lab with it)`);
  return new URL(s.url).origin;
}

/** The lab scenarios the account uses: start the lab with at least these. */
export const ACCOUNT_SCENARIOS = [...new Set(SPECS.map((s) => s.host))];

const record = (id: string, name: string, description: string, endpoint: string | null, method: string, status: string, channels: string[], minutes: number): Action => ({
  id, name, description, api_endpoint: endpoint, request_type: method, operation_id: null, payload: {}, status, enabled_on_channel: { channels },
  pinned: false, tags: [], is_handoff_like: false, require_form_submission: false, created_at: stamp(0), updated_at: stamp(minutes),
});

/** The account: 51 actions on 14 hosts (plus two with no callable endpoint), with what an audit must conclude for each. */
export function labAccount(lab: Lab): AccountAction[] {
  const out: AccountAction[] = SPECS.map((s, i) => ({
    action: record(`act_${String(i + 1).padStart(3, '0')}`, s.name, s.description, `${originOf(lab, s.host)}${s.path}`, s.method ?? 'GET', s.status ?? 'live', s.channels ?? ['web', 'email'], i),
    expect: s.expect,
  }));
  for (const [j, r] of RECORD_ONLY.entries()) {
    out.push({ action: record(`act_${String(SPECS.length + j + 1).padStart(3, '0')}`, r.name, r.description, r.endpoint, r.endpoint ? 'GET' : 'POST', 'live', ['web'], 100 + j), expect: r.expect });
  }
  return out;
}

/** The demo dataset (sessions, segments, handoffs) with the account's actions: what a fake OpenCX serves for audits. */
export function accountDataset(lab: Lab): Dataset {
  return { ...demoDataset(), actions: labAccount(lab).map((a) => a.action) };
}

/**
 * `n` distinct healthy-looking actions spread round-robin over the given origins (the bench's account and the politeness
 * tests): distinct nouns, so their descriptions do not overlap.
 */
export function syntheticActions(origins: string[], n: number): Action[] {
  // Cycles of coprime lengths (20, 7, 9, 11): under 100 actions, no two share three of their four content words.
  const nouns = ['invoice', 'shipment', 'voucher', 'booking', 'ticket', 'contract', 'warranty', 'parcel', 'payment', 'meter', 'licence', 'device', 'policy', 'claim', 'lesson', 'table', 'room', 'flight', 'seat', 'locker'];
  const fields = ['status', 'total', 'owner', 'deadline', 'history', 'address', 'currency'];
  const verbs = ['Fetch', 'Read', 'Show', 'List', 'Find', 'Check', 'Track', 'Count', 'Retrieve'];
  const quals = ['urgent', 'archived', 'pending', 'recent', 'shared', 'primary', 'monthly', 'regional', 'signed', 'draft', 'premium'];
  return Array.from({ length: n }, (_, i) => {
    const [noun, field, verb, qual] = [nouns[i % 20]!, fields[i % 7]!, verbs[i % 9]!, quals[i % 11]!];
    const origin = origins[i % origins.length]!;
    return record(`syn_${i}`, `${noun} ${field} ${i}`, `${verb} the ${qual} ${noun} ${field}`, `${origin}/items/${i}/{id}`, 'GET', 'live', ['web'], i);
  });
}
