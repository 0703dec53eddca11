// One participant's live connection to a call: the signalling websocket
// (docs/signalling-protocol.md) and two RTCPeerConnections to the SFU — the
// publisher (we offer our camera and microphone) and the subscriber (the SFU
// offers everybody else's tracks and renegotiates as they come and go).
//
// Reconnect: when the socket drops or ICE fails without the call having
// ended, we join again with the same token (signalling keeps our place for
// its grace period) and renegotiate both connections, backing off 1, 2, 4 s
// up to 8 s. Events (CustomEvent detail):
//   state        {state: connecting|joined|reconnecting|ended}
//   joined       {self, participants, visit, recording, monitoring}
//   participants {list}          the visible others, with names
//   track        {participant, track, stream}
//   trackgone    {participant}
//   ending_soon  {seconds}
//   ended        {reason, message}
//   error        {code, message}
//   muted        {by, kind}       a moderator muted us
export class CallSession extends EventTarget {
  constructor({ signalUrl, token, room, publish = true, localStream = null, lowBandwidth = false, iceServers = [] }) {
    super();
    this.iceServers = Array.isArray(iceServers) ? iceServers : [];
    this.signalUrl = signalUrl;
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
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', { state: s });
  }

  start() {
    this.setState('connecting');
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
    ws.onopen = () => {
      this.send('join', { token: this.token, room: this.room });
    };
    ws.onmessage = (ev) => {
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
        this.finish(this.endReason || reason, this.lastError && this.lastError.message);
        return;
      }
      this.scheduleReconnect();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  scheduleReconnect() {
    if (this.ended || this.reconnectTimer) return;
    this.setState('reconnecting');
    const delay = Math.min(8000, 1000 * 2 ** Math.min(this.attempt, 3));
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.closePeers();
      try { this.ws && this.ws.close(); } catch { /* closed */ }
      this.connect();
    }, delay);
  }

  async onMessage(m) {
    switch (m.type) {
      case 'joined': {
        // Also sent again after a reconnect or a media_reset: both peer
        // connections start afresh on new SFU transports.
        this.attempt = 0;
        this.closePeers();
        this.self = m.participant ? m.participant.id : null;
        this.selfInfo = m.participant || null;
        this.grants = m.grants || {};
        this.visit = m.visit || this.visit;
        this.recording = !!m.recording;
        this.participants.clear();
        for (const p of m.participants || []) this.addParticipant(p);
        this.setState('joined');
        this.emit('joined', { self: this.self, participants: [...this.participants.values()], visit: this.visit, recording: this.recording, reconnected: !!m.reconnected, message: m });
        this.emitParticipants();
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.send('ping'), 15000);
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
        if (!this.pub) break;
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
        this.endReason = 'removed';
        this.finish('removed', m.reason);
        break;
      }
      case 'left':
      case 'pong':
      case 'mute_done':
      case 'remove_done':
        break;
      case 'error': {
        this.lastError = { code: m.code, message: m.message };
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
    return { bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceServers: this.iceServers };
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
      if (t.kind === 'video' && this.visit && this.visit.type === 'social') {
        init.sendEncodings = [
          { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 150000 },
          { rid: 'h', maxBitrate: 1200000 },
        ];
      }
      pc.addTransceiver(t, init);
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

  onPcState(pc) {
    if (this.ended) return;
    if (pc.connectionState === 'failed') this.scheduleReconnect();
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

  leave() {
    if (this.ended) return;
    this.send('leave');
    this.finish('left');
  }

  closePeers() {
    for (const pc of [this.pub, this.sub]) { try { pc && pc.close(); } catch { /* closed */ } }
    this.pub = null; this.sub = null;
    this.pendingCandidates = { publisher: [], subscriber: [] };
  }

  finish(reason, message) {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.closePeers();
    try { this.ws && this.ws.close(1000); } catch { /* closed */ }
    this.setState('ended');
    this.emit('ended', { reason, message });
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
