// Plays a recorded WebM file in headless Chromium from an HTTP server that
// answers Range requests the way booking's download endpoint must, and
// checks that a <video> element plays it and seeks in it.
//   node playback.mjs FILE EXPECTED_SECONDS
// Prints TAP lines (numbering continues from $TAP_START, default 0) and a
// last line "# tap_n=<count> tap_failed=<count>".
import http from 'node:http';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const [file, expectedArg] = process.argv.slice(2);
const expected = Number(expectedArg);
import { check, count, failures, startAt } from '../lib/tap.mjs';

startAt(Number(process.env.TAP_START || 0));

const size = fs.statSync(file).size;
const ranges = [];
const server = http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><video id="v" src="/rec.webm" muted preload="auto"></video>');
    return;
  }
  if (req.url !== '/rec.webm') { res.writeHead(404); res.end(); return; }
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  const headers = { 'content-type': 'video/webm', 'accept-ranges': 'bytes' };
  if (!m) {
    res.writeHead(200, { ...headers, 'content-length': size });
    fs.createReadStream(file).pipe(res);
    return;
  }
  let start = m[1] === '' ? size - Number(m[2]) : Number(m[1]);
  let end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start > end || start >= size) {
    res.writeHead(416, { 'content-range': `bytes */${size}` });
    res.end();
    return;
  }
  ranges.push(`${start}-${end}`);
  res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` });
  fs.createReadStream(file, { start, end }).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const browser = await chromium.launch({
  executablePath: process.env.PARLOUR_CHROMIUM || '/usr/lib/chromium/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required',
    '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const meta = await page.evaluate(() => new Promise((resolve) => {
    const v = document.getElementById('v');
    const done = () => resolve({ duration: v.duration, w: v.videoWidth, h: v.videoHeight, err: v.error && v.error.message });
    if (v.readyState >= 1) done();
    v.addEventListener('loadedmetadata', done);
    v.addEventListener('error', done);
    setTimeout(done, 10000);
  }));
  check(!meta.err && meta.w === 320 && meta.h === 240, 'chromium loads the recording (VP8 320x240)', JSON.stringify(meta));
  check(Math.abs(meta.duration - expected) <= 1, `duration ${meta.duration} s is ${expected} ± 1 s`, JSON.stringify(meta));
  const played = await page.evaluate(() => new Promise((resolve) => {
    const v = document.getElementById('v');
    // Plays for 1.5 s on purpose: the check is that time and frames advance.
    v.play().then(() => setTimeout(() => resolve({ t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames }), 1500),
      (e) => resolve({ err: String(e) }));
  }));
  check(!played.err && played.t > 0.8 && played.frames > 10, 'a <video> element plays it', JSON.stringify(played));
  const target = expected / 2;
  const seek = await page.evaluate((to) => new Promise((resolve) => {
    const v = document.getElementById('v');
    // After the seek it plays on for 0.8 s on purpose ("and plays on").
    v.addEventListener('seeked', () => setTimeout(() => resolve({ t: v.currentTime, paused: v.paused }), 800), { once: true });
    v.currentTime = to;
    setTimeout(() => resolve({ timeout: true, t: v.currentTime }), 8000);
  }), target);
  check(!seek.timeout && seek.t >= target && seek.t < target + 2.5, `it seeks to ${target} s and plays on`, JSON.stringify(seek));
  check(ranges.length > 0, 'the player fetched it with Range requests', `ranges: ${ranges.join(' ')}`);
} catch (e) {
  check(false, 'playback in chromium', String(e && e.stack || e));
} finally {
  await browser.close();
  server.close();
}
console.log(`# tap_n=${count()} tap_failed=${failures()}`);
process.exit(failures() ? 1 : 0);
