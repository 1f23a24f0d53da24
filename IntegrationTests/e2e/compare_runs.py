#!/usr/bin/python3
"""Compares two runs of the same suites through two reader paths: the verdict of every case (the
JSON reports) and the response of every deterministic exchange (the recorded traces; GET CHALLENGE
and PSS signatures are random by design). Usage: compare_runs.py REPORTS_A REPORTS_B TRACE_A TRACE_B"""
import glob
import json
import os
import sys


def verdicts(directory):
    report = json.load(open(glob.glob(os.path.join(directory, "*.json"))[0]))
    return {case["id"]: case["verdict"] for case in report["cases"]}


def exchanges(path):
    out = []
    for line in open(path):
        event = json.loads(line)
        if event.get("event") == "transmit":
            out.append((event["command"], event.get("response", "")))
    return out


def deterministic(command):
    ins, p1 = command[2:4], command[4:6]
    if ins == "84":  # GET CHALLENGE
        return False
    if ins == "2A" and p1 in ("04", "05"):  # RSASSA-PSS: a random salt
        return False
    return True


a, b = verdicts(sys.argv[1]), verdicts(sys.argv[2])
if a != b or not a:
    differing = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    print("verdicts differ:", ", ".join("%s %s/%s" % (k, a.get(k), b.get(k)) for k in differing[:20]))
    sys.exit(1)
print("verdicts identical: %d cases" % len(a))
ta, tb = exchanges(sys.argv[3]), exchanges(sys.argv[4])
if [c for c, _ in ta] != [c for c, _ in tb]:
    print("the two runs sent different commands (%d and %d exchanges)" % (len(ta), len(tb)))
    sys.exit(1)
different = [(c, ra, rb) for (c, ra), (_, rb) in zip(ta, tb) if deterministic(c) and ra != rb]
if different:
    for c, ra, rb in different[:10]:
        print("differs:", c, ra[:40], rb[:40])
    sys.exit(1)
print("responses identical: %d deterministic exchanges of %d" % (sum(1 for c, _ in ta if deterministic(c)), len(ta)))
