/**
 * Whether an operation's description says what it does with a verb ("Activates an anomaly detector", "Export data
 * from the cache to blobs", "The ResetSharedKey operation resets the key"). A fixed list of 100 forms flagged one real
 * operation description in seven as having no verb (issue 20's corpus sweep: "Describes…", "Modifies…", "Provides…",
 * "Call…", "Translate…" among 10,942 of 79,330 in APIs.guru's directory). This is the verbs API descriptions use, with
 * their forms (base, -s/-es/-ies, -ing); past forms are left out, as in API text they are mostly adjectives
 * ("Deleted items", "Projected stats"), and so are words API text mostly uses as nouns (order, issue, record, group,
 * index, label, lookup). HTML tags, code spans and URLs are not words.
 */
const BASES = `
  abort accept access ack acknowledge acquire activate add aggregate allocate allow analyse analyze answer append
  apply approve archive assign associate attach audit authenticate authorize autocomplete await backup ban begin bind
  block book bookmark boost break browse build buy calculate call cancel capture change charge check checkout choose
  claim classify clean clear clone close collect combine commit compare compile complete compute configure confirm
  connect consume contain convert copy correct count crawl create credit decline decode decrypt deduct deactivate
  define delete deliver demote deny deploy deposit deprecate deregister describe detach detect determine disable
  disassociate disconnect discover dismiss display dissociate distribute do download duplicate edit email emit enable
  encode encrypt enqueue enroll enumerate estimate evaluate exchange execute expire explain export expose extend
  extract fail favorite fetch fill filter find finish flag flush follow force forward freeze generate geocode get
  give grant handle hide hold identify ignore import increase increment infer initialize initiate insert inspect
  install invalidate invite invoke join keep kick launch leave let link list load locate lock log login logout look
  make manage mark match merge migrate modify monitor mount move mute notify obtain offboard onboard open optimize
  overwrite override paginate parse patch pause pay perform persist pin ping place play poll populate post predict
  preview print process produce promote provide provision publish pull purchase purge push put query queue rank read
  reactivate rebook reboot rebuild recalculate receive recognize recommend reconcile recover redact redeem redeliver
  redirect refresh refund regenerate register reindex reject release reload remove rename render renew reopen reorder
  replace reply report represent request require reschedule resend reserve reset resize resolve respond restart
  restore restrict resume retrieve retry return reveal revert review revoke rollback rotate route run save scan
  schedule search select sell send serve set settle share ship show shut sign simulate skip snooze sort specify split
  star start stop store stream submit subscribe suggest summarize suspend swap switch sync synchronize tag take
  terminate test toggle track transcribe transfer transform translate trigger truncate turn unarchive unassign unban
  unblock undelete undo unfollow uninstall unlink unlock unmute unpin unpublish unregister unstar unsubscribe untag
  unwatch update upgrade upload upsert use validate verify view visualize void vote wait watch whitelist withdraw
  write
`;

/** Every form counted: base, third person (-s, -es, -ies) and -ing (with a final e dropped or consonant doubled). */
const FORMS: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  for (const v of BASES.split(/\s+/).filter(Boolean)) {
    out.add(v);
    if (/[^aeiou]y$/.test(v)) out.add(v.slice(0, -1) + 'ies');
    else if (/(s|x|z|ch|sh|o)$/.test(v)) out.add(v + 'es');
    else out.add(v + 's');
    out.add(v + 'ing');
    if (v.endsWith('e') && !v.endsWith('ee')) out.add(v.slice(0, -1) + 'ing');
    // stop → stopping, ship → shipping, log → logging: one vowel before one final consonant.
    if (/[^aeiou][aeiou][bdglmnprt]$/.test(v)) out.add(v + v.at(-1) + 'ing');
  }
  return out;
})();

/** Whether the text has a verb among its words (HTML tags, code spans and URLs are not read as words). */
export function hasVerb(text: string): boolean {
  const plain = text.slice(0, 4000).replace(/<[^>]{0,200}>/g, ' ').replace(/`[^`]*`/g, ' ').replace(/\bhttps?:\/\/\S*/g, ' ');
  for (const m of plain.matchAll(/[A-Za-z]+/g)) if (FORMS.has(m[0].toLowerCase())) return true;
  return false;
}
