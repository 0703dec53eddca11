// Makes chosen UDP ports (or one address to another) of this network
// namespace unreachable: what a page sees when the network its candidate
// pairs used has gone (a phone leaving Wi-Fi) while everything else still
// works. An htb root whose
// default class passes everything; packets from or to the listed ports go
// to a class whose queue holds nothing (pfifo limit 0: each is dropped).
// This kernel has no netem and no tc drop action (docs/testing.md). Run it
// only inside a namespace the test made (lib/netns-run): it shapes `dev`.
import { execFileSync } from 'node:child_process';

export function udpBlackhole(dev = 'lo') {
  const tc = (...args) => execFileSync('tc', args, { stdio: 'pipe' });
  let on = false;
  const start = () => {
    if (on) return;
    tc('qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '20', 'r2q', '100000');
    for (const c of ['1:10', '1:20']) tc('class', 'add', 'dev', dev, 'parent', '1:', 'classid', c, 'htb', 'rate', '10gbit');
    tc('qdisc', 'add', 'dev', dev, 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '0');
    on = true;
  };
  return {
    block(ports) {
      start();
      for (const port of ports)
        for (const dir of ['sport', 'dport'])
          tc('filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
            'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', dir, String(port), '0xffff', 'flowid', '1:10');
    },
    // UDP from address `src` to address `dst` (one direction; call it
    // twice for both): one candidate pair's path, the others untouched.
    blockBetween(src, dst) {
      start();
      tc('filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32',
        'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'src', `${src}/32`, 'match', 'ip', 'dst', `${dst}/32`, 'flowid', '1:10');
    },
    // Packets dropped so far.
    dropped() {
      const out = execFileSync('tc', ['-s', 'qdisc', 'show', 'dev', dev], { encoding: 'utf8' });
      const m = /qdisc pfifo 10:[\s\S]*?dropped (\d+)/.exec(out);
      return m ? Number(m[1]) : 0;
    },
    lift() {
      if (!on) return;
      try { tc('qdisc', 'del', 'dev', dev, 'root'); } catch { /* gone */ }
      on = false;
    },
  };
}
