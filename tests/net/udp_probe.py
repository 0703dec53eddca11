#!/usr/bin/python3
"""UDP probes for the emulated-network tests (tests/net/).

  udp_probe.py echo  --bind IP:PORT --duration S      echo every datagram back
  udp_probe.py sink  --bind IP:PORT --duration S      count; prints JSON at the end
  udp_probe.py blast --to IP:PORT --kbps R --duration S [--size B]
  udp_probe.py ping  --to IP:PORT --count N [--interval-ms I] [--wait-ms W]
                                                     prints JSON {sent, received, rtt_*_ms}
Each stops by itself after its duration."""
import argparse, json, socket, struct, sys, time


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["echo", "sink", "blast", "ping"])
    p.add_argument("--bind")
    p.add_argument("--to")
    p.add_argument("--duration", type=float, default=5)
    p.add_argument("--kbps", type=float, default=1000)
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--interval-ms", type=float, default=10)
    p.add_argument("--wait-ms", type=float, default=2000)
    a = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.mode in ("echo", "sink"):
        s.bind(addr(a.bind))
        s.settimeout(0.1)
        end = time.monotonic() + a.duration
        n = nbytes = 0
        first = last = None
        while time.monotonic() < end:
            try:
                data, src = s.recvfrom(65535)
            except socket.timeout:
                continue
            now = time.monotonic()
            if a.mode == "echo":
                s.sendto(data, src)
            n += 1
            nbytes += len(data)
            first = first or now
            last = now
        span = (last - first) if first and last and last > first else 0
        print(json.dumps({"packets": n, "bytes": nbytes, "span_s": span,
                          "kbps": (nbytes * 8 / span / 1000) if span else 0}))
    elif a.mode == "blast":
        to = addr(a.to)
        gap = a.size * 8 / (a.kbps * 1000)
        payload = b"x" * a.size
        start = time.monotonic()
        k = 0
        while True:
            t = start + k * gap
            if t - start > a.duration:
                break
            d = t - time.monotonic()
            if d > 0:
                time.sleep(d)
            s.sendto(payload, to)
            k += 1
        print(json.dumps({"sent": k}))
    else:
        to = addr(a.to)
        s.setblocking(False)
        sent = {}
        rtts = []
        start = time.monotonic()
        k = 0
        end = start + a.count * a.interval_ms / 1000 + a.wait_ms / 1000
        while time.monotonic() < end:
            now = time.monotonic()
            if k < a.count and now >= start + k * a.interval_ms / 1000:
                s.sendto(struct.pack("!Id", k, now) + b"p" * 100, to)
                sent[k] = now
                k += 1
            try:
                while True:
                    data = s.recv(65535)
                    seq, t0 = struct.unpack("!Id", data[:12])
                    if seq in sent:
                        rtts.append((time.monotonic() - t0) * 1000)
                        del sent[seq]
            except BlockingIOError:
                pass
            time.sleep(0.001)
        rtts.sort()
        med = rtts[len(rtts) // 2] if rtts else None
        p95 = rtts[int(len(rtts) * 0.95)] if rtts else None
        print(json.dumps({"sent": k, "received": len(rtts), "rtt_median_ms": med, "rtt_p95_ms": p95,
                          "rtt_min_ms": rtts[0] if rtts else None}))


if __name__ == "__main__":
    sys.exit(main())
