#!/usr/bin/env python3
"""rss CMD...: run CMD, sample its memory (VmRSS, RssAnon, RssFile) every 0.1 s; print
wall, CPU (user+sys) and the peaks on stderr."""
import os, subprocess, sys, time
def read(pid):
    d = {}
    try:
        for line in open(f"/proc/{pid}/status"):
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile"):
                d[k] = int(v.split()[0])
    except OSError:
        pass
    return d
t = time.time()
p = subprocess.Popen(sys.argv[1:])
peak = {}
while True:
    pid, status, ru = os.wait4(p.pid, os.WNOHANG)
    if pid:
        break
    for k, v in read(p.pid).items():
        peak[k] = max(peak.get(k, 0), v)
    time.sleep(0.1)
el = time.time() - t
print(f"exit {os.waitstatus_to_exitcode(status)} wall {el:.1f} s cpu {ru.ru_utime+ru.ru_stime:.1f} s maxrss {ru.ru_maxrss/1024:.0f} MB; sampled peaks MB: "
      + ", ".join(f"{k} {v/1024:.0f}" for k, v in sorted(peak.items())), file=sys.stderr)
