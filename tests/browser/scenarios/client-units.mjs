// The web client's pure modules, run in node: HTML escaping (text from the
// API never becomes markup), who may be booked and why not, the join
// window, GOV.UK date and time wording, the wall's bandwidth hint, and the
// connection-quality thresholds. Hostile and odd input included.
import * as tap from '../lib/tap.mjs';
import { html, raw, esc } from '../../../client-web/js/html.mjs';
import { notBookableReason, activeBan, joinable } from '../../../client-web/js/people.mjs';
import { time, longDate, duration, isoDay } from '../../../client-web/js/format.mjs';
import { limitVideoBandwidth, qualityOf } from '../../../client-web/js/call/session.mjs';

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
tap.check(longDate('2026-11-21T12:00:00Z') === 'Saturday 21 November 2026' && longDate('2026-03-29T23:30:00Z') === 'Monday 30 March 2026', `dates are written out the GOV.UK way, in UK time (${longDate('2026-11-21T12:00:00Z')})`);
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

process.exit(tap.done());
