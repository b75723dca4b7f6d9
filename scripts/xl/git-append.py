#!/usr/bin/env python3
"""git-append REPO N: append N commits to REPO's main branch, each a new version of an existing
policy path (a new archive date, text changed), with git fast-import."""
import subprocess, sys
repo, n = sys.argv[1], int(sys.argv[2])
paths = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "main"], capture_output=True, text=True, check=True).stdout.split()
step = max(1, len(paths) // n)
chosen = paths[::step][:n]
head_time = int(subprocess.run(["git", "-C", repo, "log", "-1", "--format=%ct", "main"], capture_output=True, text=True, check=True).stdout)
out = bytearray()
for i, path in enumerate(chosen):
    domain = path.rsplit("/", 1)[-1][:-3].replace("-", ".")
    date = f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"
    text = (f"> *The following text is extracted and transformed from the {domain} privacy policy that was archived on {date}. "
            f"Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20200101000000id_/http%3A//{domain}/privacy) for the most accurate reproduction.*\n\n"
            f"# Privacy Policy\n\n## Update {i}\n\nThis is update {i} of our policy. We share data with third parties and accept credit card payments.\n").encode()
    out += f"commit refs/heads/main\ncommitter t <t@example.com> {head_time + 1 + i} +0000\ndata 7\nupdate\n".encode()
    if i == 0:
        out += b"from refs/heads/main^0\n"
    out += f"M 100644 inline {path}\ndata {len(text)}\n".encode() + text + b"\n"
subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=bytes(out), check=True)
print(f"{len(chosen)} commits appended")
