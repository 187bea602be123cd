import { startLab, type LabScenario } from '../../src/lab/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { diagnose } from '../../src/registry.js';
import type { Report } from '../../src/pipeline/report.js';

/** Scenarios that cover a no-problem verdict, each family, saved secrets and endpoints echoed back in bodies. */
export const RENDER_SCENARIOS = ['healthy', 'waf-opencx-headers', 'auth-bearer-missing', 'auth-scheme-casing', 'cors-wildcard', 'ip-allowlist-403', 'server-error', 'sign-in-page', 'forbidden-scope'];

export interface LabReport { scenario: LabScenario; report: Report; secrets: string[] }

/** Real reports: the whole pipeline run against the lab's servers on 127.0.0.1 (nothing recorded, nothing mocked). */
export async function labReports(only: string[] = RENDER_SCENARIOS): Promise<LabReport[]> {
  const lab = await startLab({ only });
  try {
    const out: LabReport[] = [];
    for (const s of lab.scenarios) {
      const input = parseDiagnosisInput({
        endpoint: s.url, method: s.method, headers: s.headers.map(parseHeaderArg),
        ...(s.body ? { body: { kind: 'json' as const, text: s.body } } : {}),
        ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
        action: `Lab ${s.id}`, session: 'ses_lab',
      });
      const report = await diagnose(input, { net: { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts } });
      const secrets = s.headers.map((h) => h.slice(h.indexOf(':') + 1).trim().replace(/^bearer\s+/i, '')).filter((v) => v.length >= 6);
      out.push({ scenario: s, report, secrets });
    }
    return out;
  } finally {
    await lab.close();
  }
}

/** A secret as it could leak: raw, base64, URL-encoded, hex. */
export function encodings(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), Buffer.from(secret).toString('hex')];
}
