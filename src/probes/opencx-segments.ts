import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import type { DiagnosisInput } from '../pipeline/input.js';
import { needs, opencxOf } from '../opencx/facts.js';

const ID = 'opencx-segments';
const GAP = 'The public API does not show which segments the action is restricted to: compare with "Restricted to segments" on the action\'s page.';

export const causes = {
  anonymous: defineCause({
    id: 'opencx-contact-anonymous', family: 4, severity: 'warning', rank: 40,
    title: 'The contact is anonymous: only unrestricted actions are offered',
    meaning: 'A session without an identified contact sees only actions with no segment restriction.',
    fix: 'Remove the segment restriction from the action, or identify the contact (widget authentication) so segment rules can match.',
  }),
  noSegments: defineCause({
    id: 'opencx-contact-in-no-segment', family: 4, severity: 'warning', rank: 35,
    title: 'The contact belongs to no segment',
    meaning: 'If the action is restricted to segments, this contact is excluded and the AI never sees the action.',
    fix: 'Check "Restricted to segments" on the action\'s page; add the contact to a listed segment or lift the restriction.',
  }),
  memberships: defineCause({
    id: 'opencx-contact-segments', family: 4, severity: 'info', rank: 5,
    title: 'The contact\'s segment memberships',
    meaning: 'The segments the contact is in; the action must list at least one of them, or none.',
    fix: 'Compare with "Restricted to segments" on the action\'s page.',
  }),
};

interface SegmentEvidence extends Evidence {
  contactId: string | null;
  segments: string[];
}

export const opencxSegmentsProbe: Probe<SegmentEvidence, DiagnosisInput> = {
  id: ID,
  title: 'Contact segments',
  causes: Object.values(causes),
  withoutEndpoint: true,
  skip: needs('session'),
  async gather(ctx) {
    const facts = opencxOf(ctx);
    const session = await facts.session(ctx.input.session!);
    const contactId = session.contact?.id ?? null;
    const segments = contactId ? (await facts.contactSegments(contactId)).map((s) => s.name) : [];
    return { exchanges: [], contactId, segments, facts: { contact: contactId ?? '(anonymous)', segments: segments.join(', ') || '(none)' } };
  },
  assess(ev): Finding[] {
    if (!ev.contactId) return [finding(causes.anonymous, ID, ['The session has no identified contact', GAP])];
    if (!ev.segments.length) return [finding(causes.noSegments, ID, [`Contact ${ev.contactId} is in no segment`, GAP])];
    return [finding(causes.memberships, ID, [`Contact ${ev.contactId} is in: ${ev.segments.join(', ')}`, GAP])];
  },
};
