// A TCP port on 127.0.0.1 for a test's own server. One copy for every test
// library (booking, signalling, sfu, browser).
//
// Why not port 0: the kernel hands listeners ports from the same ephemeral
// range (net.ipv4.ip_local_port_range) as outgoing connections, and a port
// whose outgoing connection is in TIME_WAIT cannot be bound by a listener
// even with SO_REUSEADDR (the client socket did not set it). Node's own
// listen sets SO_REUSEADDR, so a probe with port 0 succeeds and the daemon's
// bind a moment later fails with EADDRINUSE — seen with thousands of
// TIME_WAIT sockets on a busy machine. Ports below the ephemeral range are
// never an outgoing connection's, so only a real listener can hold one, and
// the probe sees it.
import fs from 'node:fs';
import net from 'node:net';

const LOW = 20000;

function ephemeralLow() {
  try {
    const first = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOW + 1000 ? first : 32768;
  } catch {
    return 32768;
  }
}

function canListen(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.unref();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort() {
  const high = ephemeralLow();
  for (let i = 0; i < 500; i++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port between ${LOW} and ${high} on 127.0.0.1`);
}
