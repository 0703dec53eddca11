// The web client's pure modules, run in node: HTML escaping (text from the
// API never becomes markup), who may be booked and why not, the join
// window, GOV.UK date and time wording, the wall's bandwidth hint, and the
// connection-quality thresholds. Hostile and odd input included.
import * as tap from '../lib/tap.mjs';
import { html, raw, esc } from '../../../client-web/js/html.mjs';
import { notBookableReason, activeBan, joinable } from '../../../client-web/js/people.mjs';
import { time, clock, longDate, duration, isoDay, inZone } from '../../../client-web/js/format.mjs';
import { limitVideoBandwidth, qualityOf } from '../../../client-web/js/call/session.mjs';
import { BandwidthJudge } from '../../../client-web/js/call/bandwidth.mjs';
import { CATALOGUES, t, setLang } from '../../../client-web/js/i18n/index.mjs';
import { eventText, kindText, voSection, readAdjust } from '../../../client-web/js/visiting-orders.mjs';
import { statsMessage, summaryWords } from '../../../client-web/js/call/quality-report.mjs';
import { chartPoints, familyQualityLine } from '../../../client-web/js/quality-view.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Escaping
const evil = '<img src=x onerror="alert(1)">&\'';
tap.check(String(html`<p>${evil}</p>`) === '<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</p>', 'interpolated text is escaped');
tap.check(String(html`<a href="${'" onclick="x'}">`) === '<a href="&quot; onclick=&quot;x">', 'an attribute value cannot break out of its quotes');
tap.check(String(html`<ul>${['<b>', 'c'].map((x) => html`<li>${x}</li>`)}</ul>`) === '<ul><li>&lt;b&gt;</li><li>c</li></ul>', 'nested templates and arrays keep their escaping');
tap.check(String(html`${null}${undefined}${false}${0}`) === '0', 'null, undefined and false render as nothing; 0 renders');
tap.check(String(html`${raw('<br>')}`) === '<br>' && esc(undefined) === '', 'raw() is the only way to insert markup');

// Who can be booked
const today = isoDay(Date.now());
const plusDays = (n) => isoDay(Date.now() + n * 86400000);
const base = { approved: true, contact_type: 'social', date_of_birth: '1980-01-01', restrictions: [] };
tap.check(notBookableReason(base) === null, 'an approved social contact with a date of birth can be booked');
tap.check(/^Banned from visits until /.test(notBookableReason({ ...base, restrictions: [{ type: 'BAN', start_date: plusDays(-3), expiry_date: plusDays(10) }] })), 'a current ban with an end date says until when');
tap.check(notBookableReason({ ...base, restrictions: [{ type: 'BAN', start_date: plusDays(-3), expiry_date: null }] }) === 'Banned from visits', 'a ban with no end date says banned');
tap.check(notBookableReason({ ...base, restrictions: [{ type: 'BAN', start_date: plusDays(-30), expiry_date: plusDays(-1) }] }) === null, 'an expired ban no longer stops a booking');
tap.check(notBookableReason({ ...base, restrictions: [{ type: 'BAN', start_date: plusDays(5), expiry_date: null }] }) === null && activeBan({ restrictions: [{ type: 'BAN', start_date: today, expiry_date: today }] }) !== null,
  'a ban starting later is not yet active; one starting and ending today is');
tap.check(notBookableReason({ ...base, restrictions: [{ type: 'CLOSED', start_date: plusDays(-3), expiry_date: null }] }) === null, 'a CLOSED restriction does not stop a booking (it makes the call closed)');
tap.check(/Not approved/.test(notBookableReason({ ...base, approved: false })), 'an unapproved contact cannot be booked');
tap.check(/social/.test(notBookableReason({ ...base, contact_type: 'official' })), 'an official contact cannot be booked for a social call');
tap.check(/date of birth/.test(notBookableReason({ ...base, date_of_birth: null })), 'a contact with no date of birth cannot be booked');
tap.check(notBookableReason({ ...base, restrictions: undefined }) === null, 'a contact without a restrictions list is handled');

// The join window: 15 minutes before the start until the end, booked or in progress
const now = Date.UTC(2026, 10, 21, 14, 0, 0);
const v = (startMin, endMin, status = 'booked') => ({ status, start: new Date(now + startMin * 60000).toISOString(), end: new Date(now + endMin * 60000).toISOString() });
tap.check(joinable(v(15, 45), now) && !joinable(v(16, 45), now), 'join opens exactly 15 minutes before the start');
tap.check(joinable(v(-29, 1, 'in_progress'), now) && !joinable(v(-30, 0), now), 'join closes at the end');
tap.check(!joinable(v(0, 30, 'cancelled'), now) && !joinable(v(0, 30, 'requested'), now), 'cancelled and requested calls cannot be joined');

// Wording
tap.check(time('2026-11-21T14:00:00Z') === '2pm' && time('2026-07-01T13:30:00Z') === '2:30pm', 'times read the GOV.UK way, in UK time (GMT and BST)');
// Noon and midnight: GOV.UK's "midday" and "midnight"; the half hour after
// them is 12:30, never ICU en-GB's "0:30" (Node 20 writes noon that way).
tap.check(time('2026-12-06T12:00:00Z') === 'midday' && time('2026-07-01T23:00:00Z') === 'midnight'
  && time('2026-12-06T12:33:00Z') === '12:33pm' && time('2026-12-06T00:05:00Z') === '12:05am'
  && time('2026-12-06T12:33:00Z', 'cy') === '12:33yp' && time('2026-12-06T12:00:00Z', 'cy') === 'hanner dydd' && time('2026-12-06T00:00:00Z', 'cy') === 'hanner nos',
  `midday, midnight and the hour after each, in English and Welsh (${time('2026-12-06T12:33:00Z')}, ${time('2026-12-06T00:05:00Z', 'cy')})`);
// Staff logs (an alert, a failed recording) give the second, in the
// establishment's zone whatever the browser's.
tap.check(clock('2026-12-06T12:00:07Z') === '12:00:07pm' && clock(Date.parse('2026-07-01T13:05:09Z'), 'cy') === '2:05:09yp'
  && clock('2026-12-06T00:00:00Z') === '12:00:00am' && inZone('Asia/Tokyo').clock('2026-12-06T00:00:01Z') === '9:00:01am',
  `an event's moment to the second, in UK or the zone's time (${clock('2026-12-06T12:00:07Z')})`);
tap.check(longDate('2026-11-21T12:00:00Z') === 'Saturday 21 November 2026' && longDate('2026-03-29T23:30:00Z') === 'Monday 30 March 2026', `dates are written out the GOV.UK way, in UK time (${longDate('2026-11-21T12:00:00Z')})`);
// The zone booking names (time_zone), not the browser's: both DST Sundays
// of 2027 in London, the missing and repeated hour, another zone, Welsh.
{
  const ldn = inZone('Europe/London');
  tap.check(ldn.timeRange('2027-03-28T09:00:00+01:00', '2027-03-28T09:30:00+01:00', 'en') === '9am to 9:30am'
    && ldn.timeRange('2027-03-28T02:30:00+01:00', '2027-03-28T03:30:00+01:00', 'en') === '2:30am to 3:30am'
    && ldn.timeRange('2027-10-31T01:30:00+01:00', '2027-10-31T01:30:00+00:00', 'en') === '1:30am to 1:30am'
    && ldn.time('2027-10-31T09:00:00+00:00', 'cy') === '9yb' && ldn.longDate('2027-03-28T09:00:00+01:00', 'en') === 'Sunday 28 March 2027',
  'London time on both DST Sundays (a session in the missing and in the repeated hour) in English and Welsh');
  const kir = inZone('Pacific/Kiritimati');
  tap.check(kir.time('2027-03-28T09:00:00+14:00', 'en') === '9am' && kir.isoDay('2027-03-27T10:30:00Z') === '2027-03-28'
    && inZone(undefined).time('2027-07-01T08:00:00Z', 'en') === '9am',
  'another zone is shown in its own time; no zone means Europe/London');
}
tap.check(duration(3599) === '59:59' && duration(-5) === '0:00' && duration(61.4) === '1:01', 'time left counts down in minutes and seconds, never below 0');

// The wall's bandwidth hint
const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'b=AS:2000', 'b=TIAS:2000000', 'a=mid:1', 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:2', ''].join('\r\n');
const out = limitVideoBandwidth(sdp, 150).split('\r\n');
tap.check(out.filter((l) => l === 'b=AS:150').length === 2 && !out.some((l) => /b=AS:2000|TIAS/.test(l)), 'every video section asks for 150 kbit/s and older limits are replaced');
tap.check(out.slice(0, 4).join() === 'v=0,m=audio 9 UDP/TLS/RTP/SAVPF 111,c=IN IP4 0.0.0.0,a=mid:0' && out[out.length - 1] === '', 'audio sections and the line ending are left alone');
tap.check(limitVideoBandwidth('', 150) === '', 'an empty description stays empty');

// Connection quality
tap.check(qualityOf({ rttMs: 20, lossPct: 0 }) === 'good' && qualityOf({ rttMs: 350, lossPct: 0 }) === 'fair' && qualityOf({ rttMs: 20, lossPct: 9 }) === 'poor' && qualityOf({ rttMs: null, lossPct: null }) === 'unknown',
  'connection quality: good, fair, poor from round trip and loss; unknown before any measurement');

// Welsh wording (the person's language, passed explicitly here)
tap.check(longDate('2026-11-21T12:00:00Z', 'cy') === 'Dydd Sadwrn 21 Tachwedd 2026' && time('2026-11-21T14:30:00Z', 'cy') === '2:30yp' && time('2026-07-01T08:00:00Z', 'cy') === '9yb',
  `dates and times in Welsh, in UK time (${longDate('2026-11-21T12:00:00Z', 'cy')}, ${time('2026-11-21T14:30:00Z', 'cy')})`);
tap.check(t('time.range', { from: '2yp', to: '3yp' }, 'cy') === '2yp i 3yp' && t('timeout.minutes', { n: 1 }, 'en') === '1 minute' && t('timeout.minutes', { n: 2 }, 'en') === '2 minutes',
  'catalogue placeholders and plurals');
setLang('cy');
tap.check(t('nav.signOut') === 'Allgofnodi' && t('layout.back') === 'Yn ôl' && t('signin.button') === 'Mewngofnodi', 'GOV.UK\'s Welsh terms: Allgofnodi, Yn ôl, Mewngofnodi');
setLang('en');
tap.check(t('no.such.key') === 'no.such.key', 'a missing key shows itself rather than nothing');

// Both catalogues have the same keys, none empty, placeholders the same.
const en = CATALOGUES.en; const cy = CATALOGUES.cy;
const missing = Object.keys(en).filter((k) => !(k in cy)).concat(Object.keys(cy).filter((k) => !(k in en)).map((k) => `extra ${k}`));
tap.check(missing.length === 0, `English and Welsh catalogues have the same ${Object.keys(en).length} keys`, missing.join(', '));
const holes = (v) => (typeof v === 'string' ? (v.match(/\{\w+\}/g) || []).sort().join() : 'fn');
const badHoles = Object.keys(en).filter((k) => k in cy && (holes(en[k]) !== holes(cy[k]) || (typeof cy[k] === 'string' && !cy[k].trim())));
tap.check(badHoles.length === 0, 'each Welsh entry is filled and has the same {placeholders}', badHoles.join(', '));
const sameAsEnglish = Object.keys(en).filter((k) => typeof en[k] === 'string' && en[k] === cy[k] && !/^\{|^Camera|^\{type\}/.test(en[k]));
tap.check(sameAsEnglish.length === 0, 'no Welsh entry is left in English', sameAsEnglish.join(', '));

// No user-visible literal text outside the catalogues in the pages that use
// them: text between tags in html`` templates, and quoted words given to
// text:, textContent, announce(), setTitle(), heading:, title:.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../client-web/js');
const ALLOW = new Set(['GOV.UK', 'English', 'Cymraeg', '!', '|']);
function literals(file, text = null) {
  const src = (text ?? fs.readFileSync(path.join(ROOT, file), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n');
  const found = [];
  // Text between tags inside template literals: take each template's body
  // with its ${...} parts removed (balanced), then the runs between > and <.
  const bodies = [];
  for (let i = 0; i < src.length; i++) {
    if (src[i] !== '`') continue;
    let out = ''; let j2 = i + 1;
    while (j2 < src.length && src[j2] !== '`') {
      if (src[j2] === '$' && src[j2 + 1] === '{') {
        let depth = 1; j2 += 2;
        while (j2 < src.length && depth) { if (src[j2] === '{') depth++; else if (src[j2] === '}') depth--; else if (src[j2] === '`') { j2++; while (j2 < src.length && src[j2] !== '`') j2++; } j2++; }
        out += ' ';
        continue;
      }
      out += src[j2++];
    }
    bodies.push(out);
    i = j2;
  }
  for (const b of bodies) {
    for (const m of b.matchAll(/>([^<>]*)</g)) {
      const text = m[1].replace(/&[#\w]+;/g, '').trim();
      if (/[A-Za-z]{2,}/.test(text) && !ALLOW.has(text)) found.push(text);
    }
  }
  for (const m of src.matchAll(/(?:text:|textContent\s*=|announce\(|setTitle\(|heading:|title:)\s*(['"`])([^'"`]*[A-Za-z]{2,}[^'"`]*)\1/g)) {
    if (!ALLOW.has(m[2])) found.push(m[2]);
  }
  return found;
}
const probe = literals(null, "const a = 1 > 2 && b < 3;\nel.textContent = 'Left here';\nx.innerHTML = html`<p class=\"x\">${t('k')} Forgotten words</p><b>${y}</b>`;");
tap.check(probe.join('|') === 'Forgotten words|Left here', `the scan finds literal words in templates and in textContent, not in code (${probe.join('|')})`);
// Every module of the client but the catalogues themselves.
const TRANSLATED = fs.readdirSync(ROOT, { recursive: true }).filter((f) => f.endsWith('.mjs') && !f.startsWith('i18n')).sort();
for (const f of TRANSLATED) {
  const left = literals(f);
  tap.check(left.length === 0, `${f}: no user-visible text outside the catalogues`, left.join(' | '));
}

// Visiting orders in plain words, both languages; staff-only columns; the adjust form's checks.
tap.check(eventText({ event: 'booked', kind: 'PVO' }, 'en') === 'A privileged visiting order was used to book a call' &&
  eventText({ event: 'refunded', kind: 'VO' }, 'cy').includes('gorchymyn ymweld') && kindText('nonsense', 'en') === 'visiting order' &&
  eventText({ event: 'bogus', kind: null }, 'en') === 'A visiting order changed', 'visiting-order history in plain words, English and Welsh, odd input safe');
const acc = { entitled: true, balance: { total: 1, vo: 1, pvo: 0, owed: 0 }, allowance: { vos_per_14_days: 1, pvos_per_28_days: 0 },
  next_vo_on: '2026-12-20', next_pvo_on: null, orders: [{ kind: 'VO', status: 'available', issued_on: '2026-12-06', expires_on: null }],
  history: [{ date: '2026-12-06', event: 'granted', kind: 'VO', actor: '<b>staff</b>', reason: 'why' }] };
const staffHtml = String(voSection(acc, { staff: true })), famHtml = String(voSection(acc));
tap.check(staffHtml.includes('&lt;b&gt;staff') && staffHtml.includes('why') && !famHtml.includes('why') && famHtml.includes('The prison gave an extra visiting order'),
  'the visiting-order section: staff see who and why (escaped), the family view does not');
const fd = (o) => ({ get: (k) => o[k] });
tap.check(readAdjust(fd({ action: 'grant', kind: 'VO', count: '2', reason: ' r ' })).body.count === 2 &&
  readAdjust(fd({ action: 'grant', kind: 'VO', count: '27', reason: 'r' })).errors.length === 1 &&
  readAdjust(fd({ action: 'grant', kind: 'VO', count: 'x', reason: '' })).errors.length === 2, 'the adjust form checks count (1-26) and reason');

// Low bandwidth: the decision over one sample a second.
const run = (judge, series) => series.map((s) => judge.step(s)).map((a, i) => (a ? `${series[i].t}:${a}` : null)).filter(Boolean);
const secs = (from, to, f) => Array.from({ length: to - from }, (_, i) => ({ t: from + i, ...f(from + i) }));
const good = () => ({ outKbps: 1500, lossPct: 0, rttMs: 20 });
const capped = () => ({ outKbps: 40, lossPct: 0, rttMs: 25 });
let j = new BandwidthJudge();
let acts = run(j, [...secs(0, 10, good), ...secs(10, 40, capped), ...secs(40, 80, good)]);
tap.check(acts.join() === '14:offer,24:auto-audio,39:return-video', `a capped sender: offered after 5 s, audio only 10 s later, a video trial after 15 s of a good link (${acts.join()})`);
j = new BandwidthJudge();
acts = run(j, [...secs(0, 10, good), ...secs(10, 13, capped), ...secs(13, 40, good)]);
tap.check(acts.length === 0, 'a 3-second dip offers nothing', acts.join());
j = new BandwidthJudge();
acts = run(j, [...secs(0, 6, () => ({ outKbps: null, lossPct: 14, rttMs: 80 })), ...secs(6, 12, good)]);
tap.check(acts.join() === '4:offer,10:withdraw', `heavy loss offers audio only; the offer is withdrawn when the link recovers (${acts.join()})`);
j = new BandwidthJudge();
run(j, secs(0, 6, capped));
j.choose(false);
acts = run(j, secs(6, 100, capped));
tap.check(acts.length === 0, `"keep video": not offered again for two minutes (${acts.join() || 'none in 94 s'})`);
j = new BandwidthJudge();
j.choose(true);
acts = run(j, secs(0, 200, good));
tap.check(acts.length === 0 && j.mode === 'audio-chosen', 'audio only chosen by the person is never undone by the page');
// A failed trial doubles the wait before the next one.
j = new BandwidthJudge();
acts = run(j, [...secs(0, 25, capped), ...secs(25, 40, good), ...secs(40, 45, capped), ...secs(45, 90, good)]);
tap.check(acts.join() === '4:offer,14:auto-audio,29:return-video,41:auto-audio,71:return-video', `a video trial that fails goes straight back to audio only and waits twice as long (${acts.join()})`);
// Both ends in audio only each ask the SFU for its floor, which caps the
// other's sender at 30 kbit/s: that estimate, without loss, is not a bad link.
j = new BandwidthJudge();
acts = run(j, [...secs(0, 20, () => ({ outKbps: 60, lossPct: 20, rttMs: 900 })), ...secs(20, 60, () => ({ outKbps: 30, lossPct: 0, rttMs: 3 }))]);
tap.check(acts.join() === '4:offer,14:auto-audio,34:return-video', `an estimate at the SFU's floor without loss (the other end in audio only) does not keep the page in audio only (${acts.join()})`);
j = new BandwidthJudge();
acts = run(j, secs(0, 20, () => ({ outKbps: 30, lossPct: 5, rttMs: 400 })));
tap.check(acts.join() === '4:offer,14:auto-audio', `the same estimate with loss is a bad link (${acts.join()})`);
// Recorded in a browser (test-call-page: the far side's video_limit 40 makes
// the SFU's REMB cap this page's sender), replayed through the judge.
const rec = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/bandwidth-remb-capped.json');
if (fs.existsSync(rec)) {
  const series = JSON.parse(fs.readFileSync(rec, 'utf8'));
  // The browser run used shorter waits (3 s bad, 4 s offer, 6 s good); so does the replay.
  j = new BandwidthJudge({ badSeconds: 3, offerSeconds: 4, goodSeconds: 6 });
  acts = run(j, series.map((s) => ({ ...s, t: Math.round(s.t - series[0].t) })));
  tap.check(acts.some((a) => /offer/.test(a)) && acts.some((a) => /auto-audio/.test(a)) && acts.some((a) => /return-video/.test(a)),
    `a recorded getStats series (Chromium under the SFU's cap, then the cap lifted): offer, audio only, video again (${acts.join()})`);
}

const tbf = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/bandwidth-tbf-200k.json');
if (fs.existsSync(tbf)) {
  const series = JSON.parse(fs.readFileSync(tbf, 'utf8'));
  j = new BandwidthJudge({ badSeconds: 3, offerSeconds: 4, goodSeconds: 6 });
  acts = run(j, series.map((s) => ({ ...s, t: Math.round(s.t - series[0].t) })));
  tap.check(acts.map((a) => a.split(':')[1]).join() === 'offer,auto-audio,return-video',
    `a recorded series on a 200 kbit/s tbf link (test-call-shaped-link): offer, audio only, video again, and the trial holds though the estimate sits at the SFU's floor (${acts.join()})`);
}

// The call quality report (issue 19): the stats message from two getStats
// snapshots, within the bounds signalling accepts, and the family's words.
{
  const a = { at: 0, video: { id: 'v', frames: 0, freezes: 0, w: 640, h: 480 }, lost: 10, received: 990, bytes: 0, rttMs: 41.6, relay: false };
  const b = { at: 10000, video: { id: 'v', frames: 300, freezes: 1, w: 640, h: 480 }, lost: 30, received: 1970, bytes: 1000000, rttMs: 41.6, relay: false };
  const m = statsMessage(a, b, 850);
  tap.check(m.interval_s === 10 && m.fps === 30 && m.frames_decoded === 300 && m.freezes === 1 && m.height === 480, 'stats: frames, fps and freezes are the interval\'s');
  tap.check(m.loss_permille === 20 && m.rtt_ms === 42 && m.kbps === 800 && m.first_frame_ms === 850 && m.relay === false, 'stats: loss per thousand over the interval, RTT, bit rate, first frame, TURN or not');
  const odd = statsMessage(a, { ...b, at: 1000000, video: { id: 'w', frames: 9e9, freezes: -5, w: 1e6, h: NaN }, rttMs: 1e9, bytes: -1, relay: 'x' });
  tap.check(odd.interval_s === 60 && odd.frames_decoded === 14400 && odd.freezes === 0 && odd.width === 8192 && odd.height === 0 && odd.rtt_ms === 60000 && odd.kbps === 0 && !('relay' in odd) && !('first_frame_ms' in odd),
    'stats: odd getStats figures are clamped to the bounds signalling accepts');
  tap.check(statsMessage(null, b) === null && statsMessage(b, a) === null, 'stats: nothing without two snapshots in order');
  setLang('en');
  tap.check(summaryWords({ minutes: 60, clear_minutes: 55, drops: 2 }, t) === 'Your video was clear for 55 of 60 minutes. Your connection dropped twice.', 'summary in English');
  tap.check(summaryWords({ minutes: 60, clear_minutes: 60, drops: 0 }, t).endsWith('did not drop.') && summaryWords({ minutes: 5, clear_minutes: 1, drops: 7 }, t).endsWith('dropped 7 times.'), 'summary: no drop, many drops');
  tap.check(summaryWords({ minutes: 1, clear_minutes: 0, drops: 0 }, t) === 'Your video was clear for 0 of 1 minute. Your connection did not drop.', 'summary: one minute is singular');
  tap.check(summaryWords(null, t) === t('quality.none') && summaryWords({ minutes: 0 }, t) === t('quality.none'), 'summary: nothing to say');
  setLang('cy');
  tap.check(summaryWords({ minutes: 60, clear_minutes: 55, drops: 1 }, t) === 'Roedd eich fideo yn glir am 55 o 60 munud. Torrodd eich cysylltiad unwaith.', 'summary in Welsh');
  setLang('en');
  tap.check(familyQualityLine({ participants: [{ summary: { minutes: 30, clear_minutes: 28, drops: 1 } }, { summary: { minutes: 30, clear_minutes: 27, drops: 1 } }] }, t).startsWith('Your video was clear for 55 of 60'), 'a family member who rejoined: the reports add up');
  tap.check(chartPoints([{ t: 0, fps: 30 }, { t: 60, fps: 0 }]) === '4.0,4.0 596.0,116.0' && chartPoints([]) === '', 'chart points span the call and the frame rate');
}

process.exit(tap.done());
