// What audio only and the low-bandwidth profile do to the media, from
// outside CallSession (which owns the connections): audio only stops our
// video at the sender (replaceTrack(null): no bytes, no renegotiation), tells
// the others the camera is off (mute), and asks the SFU for as little of
// theirs as it gives (video_limit: its floor is 30 kbit/s, the lowest
// simulcast layer; docs/sfu-control.md); video lifts both. The establishment's
// low-bandwidth profile for in-cell devices caps what we send (fewer bits,
// lower frame rate, a smaller picture) and asks for a low layer.
export const AUDIO_ONLY_KBPS = 30;
export const LOW_PROFILE = { sendKbps: 250, lowKbps: 80, fps: 15, lowFps: 10, receiveKbps: 400 };

export class MediaMode {
  constructor(session, { profile = 'standard' } = {}) {
    this.session = session;
    this.profile = profile;
    this.audioOnly = false;
    this.cameraOff = false;
    this.saved = new Map(); // sender -> track
  }

  videoSenders() {
    const pc = this.session.pub;
    if (!pc) return [];
    return pc.getTransceivers().filter((tr) => tr.sender && (tr.sender.track ? tr.sender.track.kind === 'video' : this.saved.has(tr.sender))).map((tr) => tr.sender);
  }

  async setAudioOnly(on) {
    this.audioOnly = on;
    await this.apply();
  }

  setCameraOff(off) {
    this.cameraOff = off;
    this.session.setLocalEnabled('video', !off && !this.audioOnly);
  }

  // Called on every change and after each (re)join: the connections may be new.
  async apply() {
    const s = this.session;
    if (s.state !== 'joined') return;
    for (const sender of this.videoSenders()) {
      if (this.audioOnly && sender.track) { this.saved.set(sender, sender.track); await sender.replaceTrack(null).catch(() => {}); }
      if (!this.audioOnly && !sender.track && this.saved.has(sender)) { await sender.replaceTrack(this.saved.get(sender)).catch(() => {}); this.saved.delete(sender); }
      if (this.profile === 'low' && sender.track) await this.lowProfile(sender);
    }
    s.setLocalEnabled('video', !this.cameraOff && !this.audioOnly);
    const limit = this.audioOnly ? AUDIO_ONLY_KBPS : this.profile === 'low' ? LOW_PROFILE.receiveKbps : 0;
    if (limit !== this.sentLimit || s.ws !== this.limitWs) {
      s.send('video_limit', { max_kbps: limit });
      this.sentLimit = limit; this.limitWs = s.ws;
    }
  }

  // Once a second: a publisher set up after a reconnect gets the profile and
  // (in audio only) loses its video track again; a new socket gets the limit.
  // Nothing is sent when nothing changed.
  async tick() {
    const s = this.session;
    if (s.state !== 'joined') return;
    for (const sender of this.videoSenders()) {
      if (!sender.track) continue;
      if (this.audioOnly) { this.saved.set(sender, sender.track); await sender.replaceTrack(null).catch(() => {}); continue; }
      if (this.profile === 'low') await this.lowProfile(sender);
    }
    const limit = this.audioOnly ? AUDIO_ONLY_KBPS : this.profile === 'low' ? LOW_PROFILE.receiveKbps : 0;
    if ((limit !== this.sentLimit && this.sentLimit !== undefined) || (s.ws !== this.limitWs && limit !== 0)) {
      s.send('video_limit', { max_kbps: limit });
      this.sentLimit = limit; this.limitWs = s.ws;
    }
  }

  async lowProfile(sender) {
    const p = sender.getParameters();
    if (!p.encodings || !p.encodings.length || p.encodings.every((e) => e.maxFramerate)) return;
    const n = p.encodings.length;
    p.encodings.forEach((e, i) => {
      const top = i === n - 1;
      e.maxBitrate = top ? LOW_PROFILE.sendKbps * 1000 : LOW_PROFILE.lowKbps * 1000;
      e.maxFramerate = top ? LOW_PROFILE.fps : LOW_PROFILE.lowFps;
      if (n === 1) e.scaleResolutionDownBy = 2;
    });
    await sender.setParameters(p).catch(() => {});
  }
}
