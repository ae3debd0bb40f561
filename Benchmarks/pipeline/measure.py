#!/usr/bin/env python3
"""Runs one command (the worker) and reports its wall time and the CPU time of its whole process tree.

This process becomes a child subreaper, so extraction children the worker leaves behind are reparented
here and reaped: their CPU time counts too (RUSAGE_CHILDREN counts only reaped descendants). Prints one
JSON object: wall_s, status, cpu_user_s, cpu_sys_s (the tree), worker_cpu_s (the worker as it reaped).
"""
import ctypes
import json
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")

log = open(sys.argv[1], "wb")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
_, status, worker = os.wait4(child.pid, 0)
wall = time.monotonic() - start
child.returncode = 0  # reaped above
# Orphaned children of the worker end once their input closes; reap them so their time counts.
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        time.sleep(0.05)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "wall_s": wall,
    "status": os.waitstatus_to_exitcode(status),
    "cpu_user_s": after.ru_utime - before.ru_utime,
    "cpu_sys_s": after.ru_stime - before.ru_stime,
    "worker_cpu_s": worker.ru_utime + worker.ru_stime,
}))
