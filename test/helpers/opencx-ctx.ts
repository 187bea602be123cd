import { startFakeOpenCx, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { OpenCxClient } from '../../src/opencx/client.js';
import { OpenCxFacts } from '../../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../../src/opencx/settings.js';
import { parseDiagnosisInput, type DiagnosisInputDraft } from '../../src/pipeline/input.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import type { ProbeContext } from '../../src/pipeline/probe.js';
import type { DiagnosisInput } from '../../src/pipeline/input.js';

/** The fake OpenCX (a real HTTP server on 127.0.0.1 speaking the documented API) and a probe context reading it. */
export async function withFakeOpenCx<T>(fn: (ctx: (draft: DiagnosisInputDraft) => ProbeContext<DiagnosisInput>, api: FakeOpenCx) => Promise<T>): Promise<T> {
  const api = await startFakeOpenCx({ key: 'ocx_live_probe_test_key_7' });
  try {
    const s = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: api.key, OPENCX_API_URL: api.url, OPENCX_TIMEOUT_MS: '2000', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
    const client = new OpenCxClient({ ...s, OPENCX_API_KEY: s.OPENCX_API_KEY! }, (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))));
    const opencx = new OpenCxFacts(client);
    const ctx = (draft: DiagnosisInputDraft) =>
      ({ input: parseDiagnosisInput(draft), net: NetOptionsSchema.parse({}), signal: new AbortController().signal, baseline: new Promise(() => {}), services: { opencx } }) as unknown as ProbeContext<DiagnosisInput>;
    return await fn(ctx, api);
  } finally {
    await api.close();
  }
}
