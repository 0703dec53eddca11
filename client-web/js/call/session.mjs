// One participant's live connection to a call: the signalling websocket
// (docs/signalling-protocol.md) and two RTCPeerConnections to the SFU — the
// publisher (we offer our camera and microphone) and the subscriber (the SFU
// offers everybody else's tracks and renegotiates as they come and go).
//
// Network changes (Wi-Fi to mobile) keep the call: when a peer connection
// that was receiving has received nothing for 3 s (getStats, checked every
// second: the browser's own "disconnected" comes only after ~7 s), has been
// disconnected for 1 s, or fails, or the browser says the network changed, we restart ICE on the same connections (publisher: restartIce()
// and a new publish_offer; subscriber: ice_restart, the SFU offers new
// credentials). If the signalling socket died too, we join again with
// resume:true and, when signalling keeps our SFU transports (joined says
// resumed), restart ICE on them: the others see nothing. Otherwise — resume
// refused, or no connection within 15 s of a restart — we start afresh: a
// plain join with the same token (signalling keeps our place for its grace
// period) and new peer connections, backing off 1, 2, 4 s up to 8 s.
// Several signalling instances (docs/contracts.md): a join redirected to the
// visit's instance (error wrong_instance, close 4307) goes there at once;
// joined lists every instance ranked for the visit, and a connection that
// fails before signalling says anything moves on to the next in that list
// (the survivors pin the visit to the next instance, where we join again).
// Events (CustomEvent detail):
//   state        {state: connecting|joined|reconnecting|ended}
//   joined       {self, participants, visit, recording, monitoring}
//   participants {list}          the visible others, with names
//   track        {participant, track, stream}
//   trackgone    {participant}
//   ending_soon  {seconds}
//   ended        {reason, message, code?, refused?}  code: why a person was
//                removed; refused: the join was refused (never in the call)
//   checking     {retryInMs}     booking could not confirm the visit yet
//                                (admission_unavailable); trying again
//   error        {code, message}
//   muted        {by, kind}       a moderator muted us
//   speaking     {participant, speaking}  someone started/stopped speaking
//   active_speaker {participant}  the loudest speaker (null: none)
// End-to-end encrypted calls (legal, telemedicine; docs/media.md): the page
// passes an E2EE (e2ee.mjs); the join says we encrypt, every sender and
// receiver gets the frame transform, and the e2ee key messages go to it.
// A call that signalling says requires it, joined without one, ends at once
// (reason e2ee_unsupported) before any media is sent.

// A signalling URL the server may send us to: a websocket URL, nothing else.
import { QualityReporter } from './quality-report.mjs';

function validSignalUrl(u) {
  return typeof u === 'string' && u.length < 2048 && /^wss?:\/\/[^\s/]+(\/\S*)?$/.test(u);
}

export class CallSession extends EventTarget {
  constructor({ signalUrl, token, room, publish = true, localStream = null, lowBandwidth = false, iceServers = [], e2ee = null, simulcast = null }) {
    super();
    this.simulcast = simulcast; // null: as the visit type says (below)
    this.e2ee = e2ee;
    if (e2ee) {
      e2ee.send = (to, body) => this.send('e2ee', to ? { to, body } : { body });
      e2ee.addEventListener('error', (e) => {
        this.history.push('e2ee-error');
        if (e.detail && e.detail.fatal && !this.ended) this.finish('e2ee_failed', null);
      });
    }
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.signalUrl = signalUrl;
    this.signalUrls = [signalUrl]; // the instances to try, in order (joined's instances)
    this.redirects = 0;            // redirects since the last joined
    this.token = token;
    this.room = room;
    this.publish = publish;
    this.localStream = localStream;
    this.lowBandwidth = lowBandwidth;
    this.participants = new Map(); // id -> {id, name, role, tracks}
    this.trackOwner = new Map();   // track id / stream id / mid -> participant id
    this.remote = new Map();       // participant id -> MediaStream
    this.state = 'idle';
    this.attempt = 0;
    this.ended = false;
    this.self = null;
    this.pendingCandidates = { publisher: [], subscriber: [] };
    this.history = [];
    this.resuming = false;         // the next join asks to keep our SFU transports
    this.lastMessageAt = 0;        // when signalling last said anything
    this.disconnectTimer = { publisher: null, subscriber: null };
    this.recoveryTimer = { publisher: null, subscriber: null };
    this.subRestartWanted = false; // an ice_restart waits for a stable subscriber
    this.iceRestarts = 0;          // for tests and diagnostics
    this.watch = { publisher: {}, subscriber: {} }; // bytes received, per connection
    this.onNetworkChange = () => this.networkChanged();
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', { state: s });
  }

  start() {
    this.setState('connecting');
    if (typeof window !== 'undefined') window.addEventListener('online', this.onNetworkChange);
    const nc = typeof navigator !== 'undefined' && navigator.connection;
    if (nc && nc.addEventListener) nc.addEventListener('change', this.onNetworkChange);
    this.connect();
  }

  send(type, fields = {}) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ v: 1, type, ...fields }));
      return true;
    }
    return false;
  }

  connect() {
    if (this.ended) return;
    const ws = new WebSocket(this.signalUrl);
    this.ws = ws;
    let heard = false; // did this instance say anything at all
    ws.onopen = () => {
      this.send('join', { token: this.token, room: this.room, ...(this.resuming ? { resume: true } : {}), ...(this.e2ee ? { e2ee: true } : {}) });
    };
    ws.onmessage = (ev) => {
      heard = true;
      this.lastMessageAt = Date.now();
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      // A short history of what signalling said (types only, no SDP), for
      // diagnosing a call that does not connect.
      this.history.push(m.type === 'error' ? `error:${m.code}` : m.type);
      if (this.history.length > 200) this.history.shift();
      this.onMessage(m).catch((e) => this.emit('error', { code: 'client', message: String(e && e.message || e) }));
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      clearInterval(this.pingTimer);
      if (this.ended) return;
      // 4000 ended, 4001 removed, 4002 replaced, 4401 refused: final.
      if (ev.code === 4000 || ev.code === 4001 || ev.code === 4002 || ev.code === 4401 || ev.code === 4400) {
        const reason = ev.code === 4001 ? 'removed' : ev.code === 4002 ? 'replaced' : (this.lastError && this.lastError.code) || ev.reason || 'ended';
        this.finish(this.endReason || reason, this.lastError && this.lastError.message, { refused: ev.code === 4401 && !this.self });
        return;
      }
      // Booking did not confirm the visit in time (fail closed): not a
      // refusal; try again by itself, no sooner than signalling asked.
      if (ev.code === 4503 && this.lastError && this.lastError.code === 'admission_unavailable') {
        const after = Math.max(1, Number(this.lastError.retryAfter) || 2) * 1000;
        this.lastError = null;
        this.emit('checking', { retryInMs: after });
        this.scheduleReconnect({ resume: true, minDelayMs: after });
        return;
      }
      // Another instance serves this visit: go there, at once the first
      // few times (a loop between instances that disagree backs off).
      if (ev.code === 4307 && this.lastError && this.lastError.code === 'wrong_instance' && validSignalUrl(this.lastError.signalUrl)) {
        this.useSignalUrl(this.lastError.signalUrl);
        this.lastError = null;
        this.redirects += 1;
        this.scheduleReconnect({ resume: true, immediate: this.redirects <= 3 });
        return;
      }
      if (ev.code === 4503 && this.lastError && this.lastError.code === 'instance_starting') {
        const after = Math.max(1, Number(this.lastError.retryAfter) || 1) * 1000;
        this.lastError = null;
        this.scheduleReconnect({ resume: true, minDelayMs: after });
        return;
      }
      // Nothing heard from this instance (down, unreachable): the next one.
      if (!heard) this.nextSignalUrl();
      this.scheduleReconnect({ resume: true });
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  useSignalUrl(url) {
    if (!this.signalUrls.includes(url)) this.signalUrls.unshift(url);
    this.signalUrl = url;
  }

  nextSignalUrl() {
    if (this.signalUrls.length < 2) return;
    const i = this.signalUrls.indexOf(this.signalUrl);
    this.signalUrl = this.signalUrls[(i + 1) % this.signalUrls.length];
  }

  // resume: keep the peer connections and ask signalling to keep their SFU
  // transports (the socket died, the media may not have); the first such
  // attempt goes at once. Otherwise both connections start afresh.
  // immediate: no delay at all (a redirect).
  scheduleReconnect({ resume = false, minDelayMs = 0, immediate = false } = {}) {
    if (this.ended) return;
    if (this.reconnectTimer) {
      if (resume || !this.resuming) return;
      // A fresh start wanted while a resume was pending: it wins.
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.setState('reconnecting');
    const keep = resume && !!(this.pub || this.sub);
    const delay = immediate ? 0 : Math.max(minDelayMs, keep && this.attempt === 0 ? 0 : Math.min(8000, 1000 * 2 ** Math.min(this.attempt, 3)));
    this.attempt += 1;
    this.resuming = keep;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.resuming) this.closePeers();
      const old = this.ws;
      this.ws = null; // its close event is no longer ours
      try { old && old.close(); } catch { /* closed */ }
      this.connect();
    }, delay);
  }

  // ---- ICE restart (the network changed under a live call) ----

  // The browser says the network changed: the old candidate pairs may be
  // dead. Restart ICE over the socket if it still answers (a ping within
  // 3 s), else resume over a new socket (which restarts ICE itself).
  networkChanged() {
    if (this.ended || this.state !== 'joined') return;
    const asked = Date.now();
    if (!this.send('ping')) { this.scheduleReconnect({ resume: true }); return; }
    setTimeout(() => {
      if (this.ended || this.state !== 'joined') return;
      if (this.lastMessageAt < asked) this.scheduleReconnect({ resume: true });
      else { this.restartIce('publisher'); this.restartIce('subscriber'); }
    }, 3000);
  }

  transportOf(pc) { return pc === this.pub ? 'publisher' : pc === this.sub ? 'subscriber' : null; }

  onPcState(pc) {
    if (this.ended) return;
    const transport = this.transportOf(pc);
    if (!transport) return; // an old connection closing
    const st = pc.connectionState;
    this.history.push(`pc-${transport}:${st}`);
    if (st === 'connected') {
      clearTimeout(this.disconnectTimer[transport]);
      clearTimeout(this.recoveryTimer[transport]);
      this.disconnectTimer[transport] = this.recoveryTimer[transport] = null;
      return;
    }
    // Chromium says disconnected some seconds after its last packet (5-6 s
    // here); a blip that short is rare, so give it only 1 s more to come back
    // by itself before restarting.
    if (st === 'disconnected' && !this.disconnectTimer[transport]) {
      this.disconnectTimer[transport] = setTimeout(() => {
        this.disconnectTimer[transport] = null;
        if (pc.connectionState === 'disconnected' || pc.connectionState === 'failed') this.recover(transport);
      }, 1000);
    }
    if (st === 'failed') this.recover(transport);
  }

  // Every second: has each connected connection received anything? One
  // that was receiving and then got nothing for 3 s has lost its path
  // (both directions carry RTCP at least every second; media many times a
  // second). Once it has stalled it must receive again before it counts.
  async checkMedia() {
    if (this.ended || this.state !== 'joined') return;
    // End to end encrypted: never send a frame the transform did not see.
    if (this.e2ee && this.pub && !(await this.e2ee.sendingThroughTransform(this.pub).catch(() => true))) {
      this.history.push('e2ee-not-applied');
      this.finish('e2ee_failed', null);
      return;
    }
    for (const transport of ['publisher', 'subscriber']) {
      const pc = transport === 'publisher' ? this.pub : this.sub;
      const w = this.watch[transport];
      if (!pc || pc.connectionState !== 'connected') { this.watch[transport] = {}; continue; }
      let bytes = 0;
      (await pc.getStats()).forEach((r) => { if (r.type === 'candidate-pair') bytes += r.bytesReceived || 0; });
      if (pc !== (transport === 'publisher' ? this.pub : this.sub)) continue;
      if (w.bytes === undefined || bytes !== w.bytes) {
        if (w.bytes !== undefined) w.flowing = true;
        w.still = 0;
      } else if (w.flowing && ++w.still >= 3) {
        w.flowing = false;
        this.history.push(`media-stalled:${transport}`);
        this.recover(transport);
      }
      w.bytes = bytes;
    }
  }

  // A connection stopped working: restart its ICE if signalling still
  // hears us, else resume over a new socket.
  recover(transport) {
    if (this.ended || this.state !== 'joined') return;
    if (this.ws && this.ws.readyState === WebSocket.OPEN && Date.now() - this.lastMessageAt < 20000) this.restartIce(transport);
    else this.scheduleReconnect({ resume: true });
  }

  async restartIce(transport) {
    const pc = transport === 'publisher' ? this.pub : this.sub;
    if (!pc || this.ended || pc.signalingState === 'closed') return;
    this.iceRestarts += 1;
    this.history.push(`ice-restart:${transport}`);
    // Not connected 15 s after the latest restart: start afresh.
    clearTimeout(this.recoveryTimer[transport]);
    this.recoveryTimer[transport] = setTimeout(() => {
      this.recoveryTimer[transport] = null;
      const now = transport === 'publisher' ? this.pub : this.sub;
      if (now === pc && pc.connectionState !== 'connected' && !this.ended) this.scheduleReconnect();
    }, 15000);
    if (transport === 'subscriber') {
      this.subRestartWanted = true;
      this.subRestartRetries = 0;
      this.trySubscriberRestart();
      return;
    }
    // One restart offer at a time: a second before the answer would take
    // the first's answer for its own.
    if (this.pubRestartPending) return;
    this.pubRestartPending = true;
    pc.restartIce();
    const offer = await pc.createOffer({ iceRestart: true });
    if (pc !== this.pub) return;
    await pc.setLocalDescription(offer);
    this.send('publish_offer', { sdp: pc.localDescription.sdp });
  }

  // The SFU offers the subscriber connection; it restarts ICE only between
  // negotiations (an outstanding offer gets wrong_state: we try again once
  // we have answered it).
  trySubscriberRestart() {
    if (!this.subRestartWanted || !this.sub || this.sub.signalingState !== 'stable') return;
    if (this.send('ice_restart', { transport: 'subscriber' })) this.subRestartWanted = false;
  }

  async onMessage(m) {
    switch (m.type) {
      case 'joined': {
        // Also sent again after a reconnect or a media_reset: both peer
        // connections start afresh on new SFU transports, unless signalling
        // resumed the ones we kept (then we restart ICE on them).
        const resumed = !!m.resumed && this.resuming && !!(this.pub || this.sub);
        this.resuming = false;
        this.attempt = 0;
        this.redirects = 0;
        if (Array.isArray(m.instances)) {
          const list = m.instances.filter(validSignalUrl);
          if (list.length) {
            if (!list.includes(this.signalUrl)) list.unshift(this.signalUrl);
            this.signalUrls = list;
          }
        }
        if (m.e2ee === 'required' && !this.e2ee) {
          this.finish('e2ee_unsupported', null, { refused: true });
          break;
        }
        if (!resumed) this.closePeers();
        this.self = m.participant ? m.participant.id : null;
        this.selfInfo = m.participant || null;
        this.grants = m.grants || {};
        this.visit = m.visit || this.visit;
        this.recording = !!m.recording;
        // One-way video (docs/signalling-protocol.md): absent when the call has none.
        this.oneWay = m.one_way_video || null;
        this.participants.clear();
        for (const p of m.participants || []) this.addParticipant(p);
        if (this.e2ee) {
          // Anyone who left while we were away must not read what follows.
          for (const id of [...this.e2ee.peers.keys()]) if (!this.participants.has(id)) this.e2ee.peerLeft(id);
          this.e2ee.joined(this.self);
        }
        this.setState('joined');
        this.emit('joined', { self: this.self, participants: [...this.participants.values()], visit: this.visit, recording: this.recording, reconnected: !!m.reconnected, message: m });
        this.emitParticipants();
        clearInterval(this.watchTimer);
        this.watch = { publisher: {}, subscriber: {} };
        this.watchTimer = setInterval(() => this.checkMedia().catch(() => {}), 1000);
        // The call's quality report: a stats message every 10 s (quality-report.mjs).
        if (!this.quality) this.quality = new QualityReporter(this);
        clearInterval(this.pingTimer);
        // A socket that has said nothing for 35 s (pong every 15 s) is dead
        // though the browser has not noticed: resume over a new one.
        this.pingTimer = setInterval(() => {
          if (this.state !== 'joined') return; // a reconnect is under way
          if (Date.now() - this.lastMessageAt > 35000) this.scheduleReconnect({ resume: true });
          else this.send('ping');
        }, 15000);
        if (resumed) {
          this.pubRestartPending = false; // its answer, if any, went to the dead socket
          if (this.sub) this.restartIce('subscriber');
          else if (this.grants.subscribe !== false) this.setupSubscriber();
          if (this.pub) this.restartIce('publisher');
          else if (this.publish && this.grants.publish !== false && this.localStream) await this.setupPublisher();
          break;
        }
        if (this.grants.subscribe !== false) this.setupSubscriber();
        if (this.publish && this.grants.publish !== false && this.localStream) await this.setupPublisher();
        break;
      }
      case 'media_reset': {
        // The SFU side of our media went away; signalling gives us new
        // transports and says joined again.
        this.closePeers();
        this.emit('media_reset', { reason: m.reason });
        break;
      }
      case 'publish_answer': {
        this.pubRestartPending = false;
        // (an answer to an offer we have since replaced is dropped)
        if (!this.pub || this.pub.signalingState !== 'have-local-offer') break;
        await this.pub.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        await this.flushCandidates('publisher');
        break;
      }
      case 'subscriber_offer': {
        await this.onSubscriberOffer(m.sdp);
        break;
      }
      case 'ice': {
        const transport = m.transport || 'subscriber';
        const pc = transport === 'publisher' ? this.pub : this.sub;
        const cand = m.candidate === null || m.candidate === '' ? null
          : { candidate: m.candidate, sdpMid: m.sdpMid ?? null, sdpMLineIndex: m.sdpMLineIndex ?? null };
        if (!pc || !pc.remoteDescription) { this.pendingCandidates[transport].push(cand); break; }
        await pc.addIceCandidate(cand || undefined).catch(() => {});
        break;
      }
      case 'participant_joined': {
        this.addParticipant(m.participant || m);
        this.emitParticipants();
        break;
      }
      case 'participant_left': {
        const id = (m.participant && m.participant.id) || m.participant;
        if (this.e2ee) this.e2ee.peerLeft(id);
        this.participants.delete(id);
        this.remote.delete(id);
        this.emit('trackgone', { participant: id });
        this.emitParticipants();
        break;
      }
      case 'track_published': {
        const pid = m.participant && m.participant.id ? m.participant.id : m.participant;
        if (m.track) this.noteTrack(pid, m.track);
        const p = this.participants.get(pid);
        if (p && m.track) { p.tracks = [...(p.tracks || []).filter((t) => t.id !== m.track.id), m.track]; }
        this.emitParticipants();
        break;
      }
      case 'track_unpublished': {
        const p = this.participants.get(m.participant);
        const tid = m.track && m.track.id ? m.track.id : m.track;
        if (p) p.tracks = (p.tracks || []).filter((t) => t.id !== tid);
        this.emitParticipants();
        break;
      }
      case 'track_muted': {
        const tid = m.track && m.track.id ? m.track.id : m.track;
        if (m.participant === this.self) {
          // Staff muted one of our tracks (their mute sticks): stop
          // sending it here too and say so.
          const kind = this.kindOfOwnTrack(tid);
          if (m.muted && m.by !== this.self && this.localStream) {
            this.localStream.getTracks().filter((t) => t.kind === kind).forEach((t) => { t.enabled = false; });
            this.emit('muted', { by: m.by || 'staff', kind });
          }
          break;
        }
        const p = this.participants.get(m.participant);
        if (p) p.tracks = (p.tracks || []).map((t) => (t.id === tid ? { ...t, muted: !!m.muted } : t));
        this.emitParticipants();
        break;
      }
      case 'one_way_video': {
        // Staff changed one-way video during the call; the SFU has already
        // stopped (or resumed) forwarding video to whoever may not see it.
        this.oneWay = { direction: m.direction, receive_video: m.receive_video !== false };
        this.emit('one_way_video', { direction: m.direction, receiveVideo: m.receive_video !== false });
        break;
      }
      case 'ending_soon': {
        this.emit('ending_soon', { seconds: m.seconds_left ?? null, endsAt: m.ends_at });
        break;
      }
      case 'visit_ended': {
        this.endReason = m.reason || 'ended';
        this.finish(this.endReason, m.message);
        break;
      }
      case 'removed': {
        // A moderator in the call gives free words as reason; booking's
        // decisions a code as reason and plain words as message.
        this.endReason = 'removed';
        this.finish('removed', m.message || null, { code: m.reason || null, by: m.by || null });
        break;
      }
      case 'e2ee': {
        if (this.e2ee) await this.e2ee.onMessage(m.from, m.body, { videoOnly: m.video_only === true });
        break;
      }
      // Unexpected-person alerts (docs/faces.md): the wall's monitors get
      // face_alert/face_alert_decided/face_analysis; participants staff_notice.
      case 'face_alert':
      case 'face_alert_decided':
      case 'face_analysis':
      case 'staff_notice':
      // A monitor is told when the call's recording fails (a full disk).
      case 'recording_failed':
        this.emit(m.type, m);
        break;
      case 'speaking':
      case 'active_speaker':
        // Presence for the page's layout (who is speaking); nothing to do here.
        this.emit(m.type, { participant: m.participant ?? null, speaking: !!m.speaking });
        break;
      case 'left':
      case 'pong':
      case 'mute_done':
      case 'remove_done':
        break;
      case 'error': {
        if (m.re === 'ice_restart' && m.code === 'wrong_state') {
          // An offer of the SFU is waiting for our answer: again once we
          // have answered it (or shortly, if we already had; a few times).
          this.subRestartWanted = true;
          this.subRestartRetries = (this.subRestartRetries || 0) + 1;
          if (this.subRestartRetries <= 10) setTimeout(() => this.trySubscriberRestart(), 500);
          break;
        }
        if (m.re === 'subscriber_answer' && m.code === 'wrong_state') {
          // A second answer to one offer (sent again after a resume while
          // our first answer was on its way): the SFU has the first.
          this.history.push('stale-answer');
          break;
        }
        this.lastError = { code: m.code, message: m.message, retryAfter: m.retry_after, signalUrl: m.signal_url };
        this.emit('error', { code: m.code, message: m.message, re: m.re });
        break;
      }
      default:
        break;
    }
  }

  addParticipant(p) {
    if (!p || !p.id) return;
    if (this.self && (p.id === this.self || p.id === this.self.id)) return;
    if (p.hidden) return; // never show a hidden monitor, even if told
    this.participants.set(p.id, { ...p, tracks: p.tracks || [] });
    for (const t of p.tracks || []) this.noteTrack(p.id, t);
  }

  noteTrack(pid, t) {
    if (!pid || !t) return;
    for (const k of [t.id, t.mid, t.stream, t.msid, t.stream_id]) if (k) this.trackOwner.set(String(k), pid);
  }

  emitParticipants() { this.emit('participants', { list: [...this.participants.values()] }); }

  // Both connections use 'balanced' (the SFU bundles anyway): the SFU's
  // first subscriber offer, made before anyone publishes, has no media
  // section and so no BUNDLE group, which a max-bundle connection refuses;
  // and Firefox under max-bundle offers its second section as bundle-only
  // with port 0, which the SFU takes for a rejected section.
  rtcConfig() {
    return { bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers: this.iceServers, ...(this.e2ee ? this.e2ee.rtcConfig() : {}) };
  }

  sendCandidate(transport, c) {
    // End of candidates (null or empty) is not sent: the SFU needs none.
    if (!c || !c.candidate) return;
    this.send('ice', { transport, candidate: c.candidate, sdpMid: c.sdpMid ?? null, ...(c.sdpMLineIndex !== null && c.sdpMLineIndex !== undefined ? { sdpMLineIndex: c.sdpMLineIndex } : {}) });
  }

  // The SFU names our published tracks "<participant>:<mid>".
  ownTrackId(kind) {
    if (!this.pub || !this.self) return null;
    const tr = this.pub.getTransceivers().find((t) => t.sender && t.sender.track && t.sender.track.kind === kind && t.mid !== null);
    return tr ? `${this.self}:${tr.mid}` : null;
  }

  kindOfOwnTrack(trackId) {
    if (!this.pub || !trackId) return 'audio';
    const mid = String(trackId).split(':').pop();
    const tr = this.pub.getTransceivers().find((t) => t.mid === mid);
    return tr && tr.sender && tr.sender.track ? tr.sender.track.kind : 'audio';
  }

  async setupPublisher() {
    const pc = new RTCPeerConnection(this.rtcConfig());
    this.pub = pc;
    for (const t of this.localStream.getTracks()) {
      const init = { direction: 'sendonly', streams: [this.localStream] };
      // Social calls may be watched on the staff monitoring wall, whose
      // tiles take the SFU's lowest layer: publish two simulcast layers,
      // lowest first as the SFU expects (docs/media.md). 640x480 capture
      // allows two layers in Chromium. Private calls (legal, probation,
      // telemedicine) are never on the wall and keep one layer.
      if (t.kind === 'video' && (this.simulcast ?? (this.visit && this.visit.type === 'social'))) {
        init.sendEncodings = [
          { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150000 },
          { rid: 'h', maxBitrate: 1200000 },
        ];
      }
      const tr = pc.addTransceiver(t, init);
      if (this.e2ee) this.e2ee.attachSender(tr.sender, t.kind);
    }
    pc.onicecandidate = (e) => this.sendCandidate('publisher', e.candidate);
    pc.onconnectionstatechange = () => this.onPcState(pc);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.send('publish_offer', { sdp: pc.localDescription.sdp });
  }

  setupSubscriber() {
    const pc = new RTCPeerConnection(this.rtcConfig());
    this.sub = pc;
    pc.onicecandidate = (e) => this.sendCandidate('subscriber', e.candidate);
    pc.ontrack = (e) => this.onRemoteTrack(e);
    pc.onconnectionstatechange = () => this.onPcState(pc);
  }

  async onSubscriberOffer(sdp) {
    this.lastSubscriberOffer = sdp;
    if (!this.sub) this.setupSubscriber();
    const pc = this.sub;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await this.flushCandidates('subscriber');
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const local = pc.localDescription.sdp;
    this.send('subscriber_answer', { sdp: this.lowBandwidth ? limitVideoBandwidth(local, LOW_VIDEO_KBPS) : local });
    this.trySubscriberRestart();
    // Tracks already present whose owner we now know from the SDP's msid.
    this.resolveOwners();
  }

  async flushCandidates(transport) {
    const pc = transport === 'publisher' ? this.pub : this.sub;
    const list = this.pendingCandidates[transport];
    this.pendingCandidates[transport] = [];
    for (const c of list) await pc.addIceCandidate(c || undefined).catch(() => {});
  }

  ownerOf(track, stream, mid) {
    const keys = [stream && stream.id, track.id, mid];
    for (const k of keys) if (k && this.trackOwner.has(String(k))) return this.trackOwner.get(String(k));
    if (stream && this.participants.has(stream.id)) return stream.id;
    // The SDP's msid names the stream after the participant (SFU
    // convention); failing that, the only other person is the owner.
    if (this.participants.size === 1) return [...this.participants.keys()][0];
    return stream ? stream.id : `unknown-${mid}`;
  }

  onRemoteTrack(e) {
    if (this.e2ee) this.e2ee.attachReceiver(e.receiver, e.track.kind);
    const mid = e.transceiver && e.transceiver.mid;
    const stream = e.streams && e.streams[0];
    const pid = this.ownerOf(e.track, stream, mid);
    let ms = this.remote.get(pid);
    if (!ms) { ms = new MediaStream(); this.remote.set(pid, ms); }
    for (const old of ms.getTracks().filter((t) => t.kind === e.track.kind && t !== e.track)) ms.removeTrack(old);
    if (!ms.getTracks().includes(e.track)) ms.addTrack(e.track);
    e.track.addEventListener('ended', () => { ms.removeTrack(e.track); });
    this.emit('track', { participant: pid, track: e.track, stream: ms });
  }

  resolveOwners() {
    if (!this.sub) return;
    for (const tr of this.sub.getTransceivers()) {
      const t = tr.receiver && tr.receiver.track;
      if (!t || tr.currentDirection === 'inactive' || tr.direction === 'inactive') continue;
      const pid = this.ownerOf(t, null, tr.mid);
      if (!pid || pid.startsWith('unknown-')) continue;
      let ms = this.remote.get(pid);
      if (!ms) { ms = new MediaStream(); this.remote.set(pid, ms); }
      if (!ms.getTracks().includes(t)) {
        for (const old of ms.getTracks().filter((x) => x.kind === t.kind)) ms.removeTrack(old);
        ms.addTrack(t);
        this.emit('track', { participant: pid, track: t, stream: ms });
      }
    }
  }

  // Mute or unmute our own track of a kind, and tell the others.
  setLocalEnabled(kind, enabled) {
    if (!this.localStream) return;
    for (const t of this.localStream.getTracks()) if (t.kind === kind) t.enabled = enabled;
    const track = this.ownTrackId(kind);
    if (track) this.send('mute', { track, muted: !enabled });
  }

  // Moderator actions (staff monitor): mute one participant's audio (or
  // every track of theirs when they have no audio track we know of).
  muteParticipant(participant, kind = 'audio', reason) {
    const p = this.participants.get(participant);
    const t = p && (p.tracks || []).find((x) => x.kind === kind);
    return this.send('mute', { participant, muted: true, ...(t ? { track: t.id } : {}), ...(reason ? { reason } : {}) });
  }
  endCall(reason) { return this.send('end_call', { reason }); }
  // Staff's decision on an unexpected-person alert: dismiss, warn, or end (with a reason).
  decideAlert(alert, action, reason) {
    return this.send('face_alert_decision', { alert, action, ...(reason ? { reason } : {}) });
  }

  leave() {
    if (this.ended) return;
    this.send('leave');
    this.finish('left');
  }

  closePeers() {
    this.pubRestartPending = false;
    this.subRestartWanted = false;
    for (const pc of [this.pub, this.sub]) { try { pc && pc.close(); } catch { /* closed */ } }
    this.pub = null; this.sub = null;
    this.pendingCandidates = { publisher: [], subscriber: [] };
  }

  finish(reason, message, extra = {}) {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.reconnectTimer);
    for (const t of ['publisher', 'subscriber']) { clearTimeout(this.disconnectTimer[t]); clearTimeout(this.recoveryTimer[t]); }
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onNetworkChange);
    const nc = typeof navigator !== 'undefined' && navigator.connection;
    if (nc && nc.removeEventListener) nc.removeEventListener('change', this.onNetworkChange);
    clearInterval(this.pingTimer);
    clearInterval(this.watchTimer);
    if (this.quality) this.quality.stop();
    this.closePeers();
    if (this.e2ee) this.e2ee.close();
    try { this.ws && this.ws.close(1000); } catch { /* closed */ }
    this.setState('ended');
    this.emit('ended', { reason, message, ...extra });
  }

  // Numbers for the quality indicator and for tests: per remote participant
  // frames decoded, and round trip and loss from the candidate pair.
  async stats() {
    const out = { inbound: [], rttMs: null, lossPct: null, outbound: [] };
    if (this.sub) {
      const rep = await this.sub.getStats();
      let lost = 0; let recv = 0;
      rep.forEach((s) => {
        if (s.type === 'inbound-rtp') {
          out.inbound.push({ kind: s.kind, mid: s.mid, trackIdentifier: s.trackIdentifier, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, packetsLost: s.packetsLost || 0, packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0 });
          lost += s.packetsLost || 0; recv += s.packetsReceived || 0;
        }
        if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined) out.rttMs = s.currentRoundTripTime * 1000;
      });
      if (recv + lost > 0) out.lossPct = (100 * lost) / (recv + lost);
    }
    if (this.pub) {
      const rep = await this.pub.getStats();
      rep.forEach((s) => {
        if (s.type === 'outbound-rtp') out.outbound.push({ kind: s.kind, framesEncoded: s.framesEncoded || 0, bytesSent: s.bytesSent || 0 });
        if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined && out.rttMs === null) out.rttMs = s.currentRoundTripTime * 1000;
      });
    }
    // Map each inbound track to its participant.
    for (const i of out.inbound) {
      for (const [pid, ms] of this.remote) if (ms.getTracks().some((t) => t.id === i.trackIdentifier)) i.participant = pid;
    }
    return out;
  }
}

// The monitoring wall shows many small tiles: it tells the SFU, in the
// standard way (b=AS on each video section of its answer), that it wants
// little video. The browser's own description is left as it is.
export const LOW_VIDEO_KBPS = 150;
export function limitVideoBandwidth(sdp, kbps) {
  const out = [];
  let inVideo = false;
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    if (inVideo && line.startsWith('b=')) continue;
    out.push(line);
    if (inVideo && line.startsWith('c=')) out.push(`b=AS:${kbps}`);
  }
  return out.join('\r\n');
}

// Good / Fair / Poor from round trip and loss (thresholds as the usual
// video-call meters use: 2% loss or 300 ms is fair, 8% or 600 ms poor).
export function qualityOf({ rttMs, lossPct }) {
  if (rttMs === null && lossPct === null) return 'unknown';
  if ((lossPct ?? 0) >= 8 || (rttMs ?? 0) >= 600) return 'poor';
  if ((lossPct ?? 0) >= 2 || (rttMs ?? 0) >= 300) return 'fair';
  return 'good';
}
