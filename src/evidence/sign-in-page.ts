import type { Exchange } from '../net/record.js';

export interface SignIn {
  /** The identity provider or gateway, when its markers say which. */
  provider: string | null;
  /** How it was recognised: the page itself, or a redirect to a sign-in URL. */
  how: 'password form' | 'identity provider page' | 'redirect to sign-in';
  where: string | null;
}

/**
 * Markers of identity providers and auth gateways, in their hosts (redirect targets, form actions, scripts) and pages.
 * From each vendor's hosted sign-in page: Okta (*.okta.com, oktacdn), Auth0 (*.auth0.com, cdn.auth0.com), Microsoft Entra
 * ID (login.microsoftonline.com, aadcdn), Google (accounts.google.com), Keycloak (/realms/…/protocol/openid-connect,
 * kc-form-login), Cloudflare Access (*.cloudflareaccess.com, CF_Authorization), oauth2-proxy (/oauth2/start), AWS Cognito
 * (*.amazoncognito.com), OneLogin, PingOne, Authelia, authentik, JumpCloud, Duo.
 */
const PROVIDERS: [string, RegExp][] = [
  ['Okta', /\b[\w-]+\.(okta|oktapreview|okta-emea)\.com\b|oktacdn\.com|okta-sign-in/i],
  ['Auth0', /\b[\w-]+\.auth0\.com\b|cdn\.auth0\.com|auth0-lock/i],
  ['Microsoft Entra ID', /login\.microsoftonline\.com|login\.live\.com|aadcdn\.ms|login\.windows\.net/i],
  ['Google', /accounts\.google\.com/i],
  ['Keycloak', /\/realms\/[^/\s"']+\/protocol\/openid-connect|kc-form-login|keycloak/i],
  ['Cloudflare Access', /\b[\w-]+\.cloudflareaccess\.com\b|CF_Authorization|cf-access/i],
  ['oauth2-proxy', /\/oauth2\/(start|sign_in)\b|oauth2-proxy|OAuth2 Proxy/i],
  ['AWS Cognito', /\b[\w-]+\.auth\.[\w-]+\.amazoncognito\.com\b|amazoncognito\.com/i],
  ['OneLogin', /\b[\w-]+\.onelogin\.com\b/i],
  ['PingOne', /pingone\.(com|eu|asia)|pingidentity\.com/i],
  ['Authelia', /authelia/i],
  ['authentik', /authentik/i],
  ['JumpCloud', /sso\.jumpcloud\.com/i],
  ['Duo', /duosecurity\.com/i],
];

const PASSWORD_FIELD = /<input\b[^>]*\btype\s*=\s*["']?password\b/i;
const SIGN_IN_PATH = /\/(login|log-in|signin|sign-in|sign_in|sso|saml2?|auth\/realms|oauth2?\/(authorize|auth|start)|openid-connect\/auth|adfs\/ls)\b|[?&](SAMLRequest|response_type=code)/i;

function providerIn(text: string): string | null {
  return PROVIDERS.find(([, re]) => re.test(text))?.[0] ?? null;
}

/** A sign-in page or a redirect to one: the gateway wants a user session, which a machine call never has. */
export function signInPage(ex: Exchange): SignIn | null {
  const res = ex.response;
  if (!res) return null;
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers['location'] ?? '';
    const provider = providerIn(location);
    if (provider || SIGN_IN_PATH.test(location)) return { provider, how: 'redirect to sign-in', where: location };
    return null;
  }
  const html = /text\/html|application\/xhtml/i.test(res.contentType ?? '') || /^\s*<(!doctype html|html)/i.test(res.bodySample);
  if (!html || res.status >= 500) return null;
  const provider = providerIn(res.bodySample);
  if (PASSWORD_FIELD.test(res.bodySample)) return { provider, how: 'password form', where: null };
  if (provider) return { provider, how: 'identity provider page', where: null };
  return null;
}
