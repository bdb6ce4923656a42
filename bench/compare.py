#!/usr/bin/env python3
"""Times whole commands in turn (A B C ... A B C ...), after one warm-up round, and prints
min / median / max of wall time, CPU time (user + system of the process and its children),
CPU over wall, and peak resident memory; then the median of each command's wall-time ratio to
the first command, taken round by round (so a drift in the machine's speed cancels out).

usage: compare.py [-n RUNS] [--before 'SHELL CMD'] LABEL 'SHELL COMMAND' [LABEL 'SHELL COMMAND' ...]

Each command runs under `sh -c`; --before runs (untimed) before every timed run of every
command, e.g. to delete an output directory. Standard output of the commands is discarded.
Only the standard library: os.wait4 gives each run's rusage.
"""
import os, statistics, subprocess, sys, time


def run(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed ({status}): {cmd}")
    # ru_maxrss is the largest process in the tree that was waited for: sh exec's the
    # command when it can, so this is the command's own peak.
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def main(argv):
    runs, before = 5, None
    while argv and argv[0].startswith("-"):
        flag = argv.pop(0)
        if flag == "-n":
            runs = int(argv.pop(0))
        elif flag == "--before":
            before = argv.pop(0)
        else:
            sys.exit(__doc__)
    if len(argv) < 2 or len(argv) % 2:
        sys.exit(__doc__)
    cmds = list(zip(argv[0::2], argv[1::2]))
    results = {label: [] for label, _ in cmds}
    for r in range(runs + 1):
        for label, cmd in cmds:
            if before:
                subprocess.run(["sh", "-c", before], check=True)
            res = run(cmd)
            if r > 0:
                results[label].append(res)
    load = os.getloadavg()
    print(f"{runs} runs in turn after a warm-up; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| command | wall s (min / median / max) | CPU s (median) | CPU/wall | peak MiB | wall ratio to first (median of rounds) |")
    print("| --- | --- | --- | --- | --- | --- |")
    first = results[cmds[0][0]]
    for label, _ in cmds:
        rs = results[label]
        walls = [w for w, _, _ in rs]
        cpus = [c for _, c, _ in rs]
        mem = max(m for _, _, m in rs)
        ratio = statistics.median(w / f[0] for (w, _, _), f in zip(rs, first))
        cw = statistics.median(c / w for w, c, _ in rs)
        print(f"| {label} | {min(walls):.3f} / **{statistics.median(walls):.3f}** / {max(walls):.3f} "
              f"| {statistics.median(cpus):.3f} | {cw:.2f} | {mem:.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1:])
