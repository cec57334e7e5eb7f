#!/usr/bin/env python3
"""superd's benchmark: superd side by side with supervisord, runit and s6.

Run by `make bench` (see bench/README).  For N services (`sleep`
children) it measures, for every supervisor in the same run:

  start   launch of the supervisor to the Nth service exec'd
  pss     PSS of the supervisor's own processes (for runit and s6 one
          supervise process per service included)
  st_all  `status` of every service, one client invocation
  st_one  `status` of one service
  crash   SIGKILL of a service to its replacement exec'd, minus the
          configured delay (0 for every supervisor here)
  idle    syscalls and CPU time of the supervisor over 10 idle seconds
  stop    the stop command to the last service gone

Births and deaths of the services are timed by the kernel's process
events connector (benchtool), never by polling.  Every figure is the
median of R runs with the min and max beside it.  Results go to a JSON
file, a Markdown table and an SVG chart (gnuplot) in docs/.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

MARK = "86398.7"  # the sleep argument of every benchmark service
SLEEP = shutil.which("sleep") or "/bin/sleep"

PEERS = ["superd", "runit", "s6", "supervisord"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def now_ns():
    return time.monotonic_ns()  # CLOCK_MONOTONIC, as the kernel's events


def kv(text):
    out = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


class Bench:
    def __init__(self, args):
        self.a = args
        self.tool = args.benchtool
        self.tmp = tempfile.mkdtemp(prefix="superd-bench.")

    # --- instruments -------------------------------------------------------

    def watch(self, *argv):
        """Start a benchtool watcher; return it once it is subscribed."""
        p = subprocess.Popen([self.tool, *argv], stdout=subprocess.PIPE,
                             text=True)
        pre = []
        while True:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("benchtool %s died" % argv[0])
            if line.strip() == "ready":
                break
            pre.append(line)
        p.pre = "".join(pre)
        return p

    def finish(self, p):
        out, _ = p.communicate(timeout=self.a.timeout + 30)
        d = kv(p.pre + out)
        if p.returncode != 0 or "last_ns" not in d:
            raise RuntimeError("benchtool: " + (p.pre + out).strip())
        return d

    def timecmd(self, k, argv):
        r = subprocess.run([self.tool, "time", str(k), *argv],
                           capture_output=True, text=True)
        d = kv(r.stdout)
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(argv[:3]), r.stdout))
        return float(d["time_median"])

    # --- processes ---------------------------------------------------------

    @staticmethod
    def children(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    @staticmethod
    def cmdline(pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""

    def own_pids(self, root):
        """The supervisor's own processes: ROOT and every descendant that
        is not a service."""
        out, todo = [], [root]
        while todo:
            p = todo.pop()
            if MARK in self.cmdline(p):
                continue
            out.append(p)
            todo.extend(self.children(p))
        return out

    @staticmethod
    def proc_sum(pids, name, value):
        """Sum VALUE(text of /proc/PID/NAME) over PIDS; gone ones count 0."""
        total = 0
        for p in pids:
            try:
                with open("/proc/%d/%s" % (p, name)) as f:
                    total += value(f.read())
            except OSError:
                pass
        return total

    def pss_kib(self, pids):
        return self.proc_sum(pids, "smaps_rollup", lambda t: sum(
            int(line.split()[1]) for line in t.splitlines()
            if line.startswith("Pss:")))

    def cpu_ns(self, pids):
        return self.proc_sum(pids, "schedstat", lambda t: int(t.split()[0]))

    def idle(self, pids, seconds):
        """Syscalls (perf's raw_syscalls:sys_enter tracepoint) and CPU time
        of PIDS over SECONDS."""
        c0 = self.cpu_ns(pids)
        r = subprocess.run(
            ["perf", "stat", "-x", ",", "-e", "raw_syscalls:sys_enter",
             "-p", ",".join(map(str, pids)), "--", "sleep", str(seconds)],
            capture_output=True, text=True)
        c1 = self.cpu_ns(pids)
        calls = None
        for line in r.stderr.splitlines():
            f = line.split(",")
            if len(f) > 2 and "raw_syscalls:sys_enter" in f[2]:
                calls = 0 if f[0].startswith("<not") else int(f[0])
        if calls is None:
            log("perf stat failed:", r.stderr.strip()[:300])
        return calls, (c1 - c0) / 1e6

    def kill_marked(self):
        for d in os.listdir("/proc"):
            if d.isdigit() and MARK in self.cmdline(int(d)):
                try:
                    os.kill(int(d), signal.SIGKILL)
                except OSError:
                    pass

    # --- the supervisors ---------------------------------------------------

    def setup(self, who, n, d):
        """Write the configuration of N services for WHO into D; return
        (argv, status_all, status_one, stop)."""
        a = self.a
        if who == "superd":
            os.makedirs(d + "/units")
            for i in range(n):
                with open("%s/units/s%d.service" % (d, i), "w") as f:
                    f.write("[Service]\nExecStart=%s %s\nRestart=always\n"
                            "RestartSec=0\n" % (SLEEP, MARK))
            with open(d + "/superd.conf", "w") as f:
                f.write("[superd]\n")
            sock = d + "/sock"
            return ([a.superd, "-c", d + "/superd.conf", "-u", d + "/units",
                     "-s", sock],
                    [a.superctl, "-s", sock, "status"],
                    [a.superctl, "-s", sock, "status", "s1"],
                    "signal")
        if who in ("runit", "s6"):
            scan = d + "/scan"
            os.makedirs(scan)
            for i in range(n):
                sd = "%s/s%d" % (scan, i)
                os.mkdir(sd)
                with open(sd + "/run", "w") as f:
                    f.write("#!/bin/sh\nexec %s %s\n" % (SLEEP, MARK))
                os.chmod(sd + "/run", 0o755)
            dirs = ["%s/s%d" % (scan, i) for i in range(n)]
            if who == "runit":
                return (["runsvdir", scan], ["sv", "status", *dirs],
                        ["sv", "status", dirs[1]], ["sv", "down", *dirs])
            loop = 'for d in "$1"/*; do s6-svstat "$d"; done'
            # s6-svscan supervises at most 500 services unless told (-c).
            return (["s6-svscan", "-c", str(max(1000, 2 * n)), scan],
                    ["sh", "-c", loop, "sh", scan],
                    ["s6-svstat", dirs[1]], ["s6-svscanctl", "-t", scan])
        if who == "supervisord":
            conf = d + "/supervisord.conf"
            with open(conf, "w") as f:
                f.write("[supervisord]\nnodaemon=true\nlogfile=%s/sd.log\n"
                        "pidfile=%s/sd.pid\nchilddir=%s\nminfds=1024\n"
                        "[unix_http_server]\nfile=%s/sock\n"
                        "[supervisorctl]\nserverurl=unix://%s/sock\n"
                        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_"
                        "factory=supervisor.rpcinterface:make_main_rpcinterface"
                        "\n" % (d, d, d, d, d))
                for i in range(n):
                    f.write("[program:s%d]\ncommand=%s %s\nautorestart=true\n"
                            "startsecs=0\nstdout_logfile=NONE\n"
                            "stderr_logfile=NONE\n" % (i, SLEEP, MARK))
            ctl = ["supervisorctl", "-c", conf]
            return (["supervisord", "-c", conf], ctl + ["status"],
                    ctl + ["status", "s1"], "signal")
        raise ValueError(who)

    def run_one(self, who, n, with_idle, reps_cmd):
        a = self.a
        d = tempfile.mkdtemp(prefix="%s-%d." % (who, n), dir=self.tmp)
        argv, st_all, st_one, stop = self.setup(who, n, d)
        res = {}
        w = self.watch("watch-exec", str(n), MARK)
        t0 = now_ns()
        logf = open(d + "/out.log", "w")
        sup = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL,
                               start_new_session=True)
        try:
            res["start"] = (int(self.finish(w)["last_ns"]) - t0) / 1e6
            # Let the supervisor settle (its own bookkeeping after the
            # last exec) before the next measurements.
            self.wait_answering(who, st_one)
            time.sleep(1)
            pids = self.own_pids(sup.pid)
            res["procs"] = len(pids)
            res["pss"] = self.pss_kib(pids)
            k_all, k_one = reps_cmd
            res["st_all"] = self.timecmd(k_all, st_all) / 1e3
            res["st_one"] = self.timecmd(k_one, st_one) / 1e3
            if who == "superd":
                res["bare"] = self.timecmd(k_one, [a.bareclient, d + "/sock"]) / 1e3
                if a.bareclient_static:
                    res["bare_static"] = self.timecmd(
                        k_one, [a.bareclient_static, d + "/sock"]) / 1e3
            if a.crashes:
                r = subprocess.run([self.tool, "crash", str(a.crashes), MARK],
                                   capture_output=True, text=True)
                c = kv(r.stdout)
                if r.returncode != 0:
                    raise RuntimeError("crash: " + r.stdout)
                res["crash"] = float(c["replace_median"]) / 1e3
                time.sleep(0.5)
            if with_idle:
                time.sleep(1)
                calls, cpu = self.idle(self.own_pids(sup.pid), a.idle)
                res["idle_calls"] = calls
                res["idle_cpu"] = cpu
            w = self.watch("watch-exit", MARK)
            t0 = now_ns()
            if stop == "signal":
                sup.send_signal(signal.SIGTERM)
            else:
                subprocess.run(stop, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            res["stop"] = (int(self.finish(w)["last_ns"]) - t0) / 1e6
        finally:
            self.teardown(who, sup, d)
            logf.close()
        return res

    def wait_answering(self, who, st_one):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = subprocess.run(st_one, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("%s never answered status" % who)

    def teardown(self, who, sup, d):
        if sup.poll() is None:
            if who == "runit":
                sup.send_signal(signal.SIGHUP)  # TERM to every runsv
            elif who == "s6":
                subprocess.run(["s6-svscanctl", "-t", d + "/scan"],
                               stderr=subprocess.DEVNULL)
            else:
                sup.send_signal(signal.SIGTERM)
            try:
                sup.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if sup.poll() is None:
            for p in self.own_pids(sup.pid):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            sup.wait()
        # runsv and s6-supervise outlive their parent for a moment.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = [p for p in os.listdir("/proc") if p.isdigit() and
                    d in self.cmdline(int(p))]
            if not left:
                break
            time.sleep(0.05)
        self.kill_marked()

    # --- floors ------------------------------------------------------------

    def floors(self):
        out = {}
        for name, cmd in (("spawn", "floor-spawn"), ("fork", "floor-fork")):
            v = []
            for _ in range(self.a.reps):
                r = subprocess.run([self.tool, cmd, "1000", SLEEP, "0"],
                                   capture_output=True, text=True, check=True)
                v.append(float(kv(r.stdout)["total_us"]) / 1e3)
            out[name] = v
        v = []
        for _ in range(self.a.reps):
            r = subprocess.run([self.tool, "floor-rtt", "20000"],
                               capture_output=True, text=True, check=True)
            v.append(float(kv(r.stdout)["rtt_median"]))
        out["rtt"] = v
        return out


def machine():
    m = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    m["cores"] = os.cpu_count()
    with open("/proc/meminfo") as f:
        m["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    m["kernel"] = platform.release()
    try:
        with open("/etc/debian_version") as f:
            m["debian"] = f.read().strip()
    except OSError:
        m["debian"] = "?"
    vers = {}
    for pkg in ("supervisor", "runit", "s6"):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                           capture_output=True, text=True)
        vers[pkg] = r.stdout.strip() or "?"
    m["versions"] = vers
    m["date"] = datetime.date.today().isoformat()
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--superd", required=True)
    ap.add_argument("--superctl", required=True)
    ap.add_argument("--benchtool", required=True)
    ap.add_argument("--bareclient", required=True)
    ap.add_argument("--bareclient-static",
                    help="bareclient linked as superctl is (static)")
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--big", type=int, default=10000,
                    help="superd alone also at this many units (0: skip)")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--big-reps", type=int, default=3)
    ap.add_argument("--idle", type=int, default=10)
    ap.add_argument("--crashes", type=int, default=10)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--json", default="bench-results.json")
    args = ap.parse_args()
    os.environ["BENCH_TIMEOUT"] = str(args.timeout)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    b = Bench(args)
    b.kill_marked()  # leftovers of an interrupted run would skew counts
    t_begin = time.monotonic()
    out = {"machine": machine(), "floors": b.floors(), "runs": {}}
    log("floors:", {k: statistics.median(v) for k, v in out["floors"].items()})
    peers = args.peers.split(",")
    sizes = [int(x) for x in args.sizes.split(",")]
    plan = [(n, who) for n in sizes for who in peers]
    if args.big:
        plan.append((args.big, "superd"))
    try:
        for n, who in plan:
            reps = args.big_reps if n > max(sizes) else args.reps
            slow = who in ("supervisord", "s6")
            k = (3 if slow else 20, 5 if who == "supervisord" else 30)
            if who == "supervisord" and n >= 1000:
                reps = min(reps, 3)
            runs = []
            for r in range(reps):
                res = b.run_one(who, n, r == 0 and n <= max(sizes), k)
                log("%-11s N=%-5d run %d: %s" % (who, n, r + 1, json.dumps(res)))
                runs.append(res)
            out["runs"]["%s/%d" % (who, n)] = runs
    finally:
        b.kill_marked()
        shutil.rmtree(b.tmp, ignore_errors=True)
    out["seconds"] = round(time.monotonic() - t_begin)
    with open(args.json, "w") as f:
        json.dump(out, f, indent=1)
    log("wrote", args.json, "after", out["seconds"], "s")


if __name__ == "__main__":
    main()
