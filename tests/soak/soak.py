#!/usr/bin/env python3
"""soak.py: run one superd under sustained churn and check that it holds up.

Not part of CI (it runs for minutes and loads the machine). From the top of
the source tree, after a build:

    tests/soak/soak.py                      # 300 s, binaries from ./build or ./src
    DURATION=60 tests/soak/soak.py          # a shorter run
    SUPERD=... SUPERCTL=... TESTSVC=... tests/soak/soak.py

One superd in a private temp dir (its own config, unit dir and socket) runs:

  * SOAK_CRASHERS (500) units that crash-loop: the main process exits, is
    killed by a signal or exits 0 after a random 50-500 ms; RestartSec=100ms,
    RestartMaxDelaySec=200ms, no start limit, so they keep looping;
  * SOAK_STABLE (20) long-running units, and SOAK_EXTRA (10) more that
    reloads add and remove;

while, at the same time,

  * SOAK_CLIENTS (50) clients run `superctl status`, `status --json`,
    `status UNIT`, `show UNIT`, `show --json UNIT` in a loop; every request
    must be answered (the exit code documented for the situation; never 69,
    never a hang: each request has a deadline of SOAK_REQ_TIMEOUT s);
  * a reload every SOAK_RELOAD_MS (200) ms, alternately `superctl reload`
    and SIGHUP; every fifth changes unit files (a crash loop's command, a
    description, an environment), adds one extra unit and removes another;
    every fiftieth first drops in an invalid unit, which `superctl reload`
    must refuse with exit 1, changing nothing;
  * random `superctl stop`, `start` and `restart` of units.

Every second a sampler records superd's descriptor count (/proc/PID/fd), RSS
(VmRSS) and CPU time; every second a scanner looks in /proc for two live
main processes of one unit (each unit's main process carries a marker in
argv[0]: DIR/p/NAME). Every SOAK_CHECK_EVERY (10) s the churn pauses for a
checkpoint: a synchronous reload puts the files on disk in force, then

  * every unit that should run is known to superd; a stable one has exactly
    one live main process, and it is the MainPID of `superctl status --json`
    (the same field as `show`); a crash loop has at most one, the MainPID
    when it stays alive across the query, and has restarted since the last
    checkpoint (a unit that stops looping is lost);
  * a stopped or removed unit has no live process and is inactive, and a
    removed unit is unknown to superd;
  * every marked process is a child of superd;
  * with the clients paused, a quiet sample of RSS and of descriptors: the
    fewest seen over one second, less one for each child of superd that
    has not exec'd yet (crash loops never pause, and each spawn holds an
    exec report pipe until its child has exec'd, which takes a while on a
    loaded machine).

A blocking `superctl stop` must also leave no process of its unit behind
the moment it returns, and `superctl restart` of a stable unit must replace
its MainPID. At the end: a last checkpoint, `superctl shutdown`, superd
must exit 0 and leave no process behind, and its log must hold no error
other than the refused invalid reloads, and no sanitizer report.

"Flat": the last quiet sample is within
SOAK_FD_MARGIN (10) descriptors and SOAK_RSS_MARGIN (10 %) + 1 MiB of the
first quiet sample taken after SOAK_WARMUP (30) s.

A summary goes to stdout; the exit status is 0 only if every check passed.
The temp dir (superd.log, the units, samples.csv: superd's descriptors,
RSS and CPU every second) is kept when a check fails, or always
with SOAK_KEEP=1; SOAK_TMPDIR chooses where it is made.
"""

import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    return float(os.environ.get(name, default))


def find_binary(var, candidates):
    path = os.environ.get(var)
    if path is None:
        path = next((c for c in candidates if os.access(c, os.X_OK)), candidates[-1])
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        sys.exit(f"soak: {var}={path} is not an executable; build first or set {var}")
    return path


SUPERD = find_binary("SUPERD", ["build/src/superd", "src/superd"])
SUPERCTL = find_binary("SUPERCTL", ["build/src/superctl", "src/superctl"])
TESTSVC = find_binary("TESTSVC", ["build/tests/helpers/testsvc", "tests/helpers/testsvc"])

DURATION = env_float("DURATION", 300)
CRASHERS = env_int("SOAK_CRASHERS", 500)
STABLE = env_int("SOAK_STABLE", 20)
EXTRA = env_int("SOAK_EXTRA", 10)
CLIENTS = env_int("SOAK_CLIENTS", 50)
RELOAD_MS = env_int("SOAK_RELOAD_MS", 200)
CHECK_EVERY = env_float("SOAK_CHECK_EVERY", 10)
WARMUP = env_float("SOAK_WARMUP", 30)
REQ_TIMEOUT = env_float("SOAK_REQ_TIMEOUT", 45)
FD_MARGIN = env_int("SOAK_FD_MARGIN", 10)
RSS_MARGIN = env_float("SOAK_RSS_MARGIN", 0.10)
SEED = env_int("SOAK_SEED", int(time.time()))
MAX_STOPPED = max(1, (CRASHERS + STABLE) // 20)

CLK_TCK = os.sysconf("SC_CLK_TCK")
T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def log(msg):
    print(f"[{now():7.1f}s] {msg}", flush=True)


class Failures:
    """Every failed check, counted by kind, with the first few described."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = collections.Counter()
        self.examples = collections.defaultdict(list)

    def add(self, kind, detail):
        with self.lock:
            self.count[kind] += 1
            if len(self.examples[kind]) < 5:
                self.examples[kind].append(f"{now():.1f}s {detail}")
                log(f"FAIL {kind}: {detail}")

    def total(self):
        with self.lock:
            return sum(self.count.values())


FAIL = Failures()


def guarded(f):
    """A thread that dies would quietly stop part of the churn: a failure."""

    def run(*args):
        try:
            f(*args)
        except Exception as e:  # noqa: BLE001 - any of them ends the thread
            FAIL.add("harness-error", f"{f.__name__}: {type(e).__name__}: {e}")

    return run


# ---- /proc -----------------------------------------------------------------


def proc_stat(pid):
    """(state, ppid, starttime) of pid, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2 :].split()
    return rest[0].decode(), int(rest[1]), int(rest[19])


def live(pid, start):
    st = proc_stat(pid)
    return st is not None and st[2] == start and st[0] not in ("Z", "X")


def scan(marker):
    """Live (non-zombie) processes whose argv[0] starts with marker:
    {unit name: [(pid, starttime, ppid)]}."""
    found = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0", 1)[0]
        except OSError:
            continue
        if not argv0.startswith(marker):
            continue
        st = proc_stat(entry)
        if st is None or st[0] in ("Z", "X"):
            continue
        found[argv0[len(marker) :].decode()].append((int(entry), st[2], st[1]))
    return found


def pids_with(text):
    """PIDs of every process (but this one) whose command line contains text."""
    out = []
    needle = text.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if needle in f.read():
                    out.append(int(entry))
        except OSError:
            pass
    return out


def superd_sample(pid):
    """(fds, rss KiB, cpu seconds) of superd, or None."""
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        rest = data[data.rindex(b")") + 2 :].split()
        cpu = (int(rest[11]) + int(rest[12])) / CLK_TCK
        return fds, rss, cpu
    except (OSError, ValueError, IndexError):
        return None


def fd_kinds(pid):
    """superd's descriptors by kind: pipe, socket, anon (epoll, signalfd...),
    file."""
    kinds = collections.Counter()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            kind = target.split(":", 1)[0] if not target.startswith("/") else "file"
            kinds["anon" if kind == "anon_inode" else kind] += 1
    except OSError:
        pass
    return kinds


def forked_not_execed(pid, exe):
    """superd's children still running superd's own image: forked, not yet
    exec'd. Each holds (and superd reads) one exec report pipe."""
    n = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = proc_stat(entry)
        if st is None or st[1] != pid:
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") == exe:
                n += 1
        except OSError:
            pass
    return n


# ---- the units -------------------------------------------------------------


class Soak:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.dir = tempfile.mkdtemp(prefix="superd-soak.", dir=os.environ.get("SOAK_TMPDIR"))
        self.units = os.path.join(self.dir, "units")
        self.sock = os.path.join(self.dir, "superd.sock")
        self.logpath = os.path.join(self.dir, "superd.log")
        self.marker = os.path.join(self.dir, "p", "").encode()
        os.makedirs(self.units)
        # Private copies: a rebuild of the tree during the run must not
        # swap the programs under test (or make them briefly unrunnable).
        os.makedirs(os.path.join(self.dir, "bin"))
        self.superd, self.superctl, self.testsvc = (
            shutil.copy2(b, os.path.join(self.dir, "bin", os.path.basename(b)))
            for b in (SUPERD, SUPERCTL, TESTSVC)
        )
        with open(os.path.join(self.dir, "superd.conf"), "w") as f:
            f.write("[superd]\nShutdownTimeoutSec=60s\n")
        self.env = dict(os.environ, SUPERD_SOCKET=self.sock)
        self.sd = None

        self.crashers = [f"crash-{i:03d}" for i in range(CRASHERS)]
        self.stables = [f"stable-{i:02d}" for i in range(STABLE)]
        self.extras = [f"extra-{i:02d}" for i in range(EXTRA)]
        self.fixed = self.crashers + self.stables
        self.kind = {n: "crash" for n in self.crashers}
        self.kind.update({n: "stable" for n in self.stables})
        self.kind.update({n: "extra" for n in self.extras})
        # Model of what should be: the churn threads change it under
        # their own lock; a checkpoint holds both locks.
        self.want = {n: True for n in self.fixed}  # False: stopped by us
        self.on_disk = set(self.fixed)  # unit files present
        self.crash_spec = {}  # name -> (run seconds, how it ends)
        self.generation = collections.Counter()
        self.reload_lock = threading.Lock()
        self.ops_lock = threading.Lock()
        self.stopped_at = {}  # name -> time of its stop
        self.touched = set()  # stopped/started since the last checkpoint

        self.stop_all = threading.Event()
        self.clients_go = threading.Event()
        self.clients_go.set()
        self.inflight = 0
        self.inflight_lock = threading.Lock()

        self.stats = collections.Counter()
        self.stats_lock = threading.Lock()
        self.latencies = []
        self.samples = []  # (t, fds, rss, cpu)
        self.quiet = []  # (t, fds, rss)
        self.restarts = {}  # name -> last Restarts seen
        self.restart_total = 0
        self.pids_seen = set()
        self.checkpoints = 0

    def bump(self, key, n=1):
        with self.stats_lock:
            self.stats[key] += n

    def write_unit(self, name, body):
        path = os.path.join(self.units, name + ".service")
        tmp = os.path.join(self.units, "." + name + ".tmp")
        with open(tmp, "w") as f:
            f.write(body)
        os.rename(tmp, path)  # superd never reads half a file

    def exec_line(self, name, args=""):
        return f"ExecStart=@{self.testsvc} {self.marker.decode()}{name}{args}\n"

    def write_crasher(self, name):
        run, end = self.crash_spec[name]
        args = f" --run {run:.3f} " + {
            "exit1": "--exit 1",
            "exit0": "--exit 0",
            "kill9": "--kill-self 9",
            "term": "--kill-self 15",
            "segv": "--kill-self 11",
        }[end]
        self.write_unit(
            name,
            f"[Unit]\nDescription=soak crash loop {name} gen {self.generation[name]}\n"
            "[Service]\n" + self.exec_line(name, args) + "RestartSec=100ms\n"
            "RestartMaxDelaySec=200ms\nStartLimitBurst=0\nLimitCORE=0\n",
        )

    def write_runner(self, name, env_gen=0):
        self.write_unit(
            name,
            f"[Unit]\nDescription=soak {self.kind[name]} {name} gen {self.generation[name]}\n"
            "[Service]\n" + self.exec_line(name) + f"Environment=SOAK_GEN={env_gen}\n"
            "RestartSec=100ms\n",
        )

    def new_crash_spec(self, name):
        end = self.rng.choices(["exit1", "exit0", "kill9", "term", "segv"], [55, 15, 10, 10, 10])[0]
        self.crash_spec[name] = (self.rng.uniform(0.05, 0.5), end)

    def setup(self):
        for n in self.crashers:
            self.new_crash_spec(n)
            self.write_crasher(n)
        for n in self.stables:
            self.write_runner(n)

    # ---- superctl ----------------------------------------------------------

    def ctl(self, *args, timeout=REQ_TIMEOUT):
        """(exit code, stdout, stderr, seconds); code None on a timeout."""
        t = time.monotonic()
        try:
            p = subprocess.run(
                [self.superctl, *args], env=self.env, capture_output=True, text=True, timeout=timeout
            )
            return p.returncode, p.stdout, p.stderr, time.monotonic() - t
        except subprocess.TimeoutExpired:
            return None, "", "", time.monotonic() - t

    def expect(self, kind, args, rc, ok, out="", err=""):
        """Record a control command's outcome; True if rc is in ok."""
        if rc in ok:
            return True
        what = "no answer within %.0f s" % REQ_TIMEOUT if rc is None else f"exit {rc}"
        tag = "timeout" if rc is None else ("unavailable-69" if rc == 69 else f"exit-{rc}")
        FAIL.add(f"{kind}-{tag}", f"superctl {' '.join(args)}: {what}: {err.strip()[:200]}")
        return False

    # ---- the clients -------------------------------------------------------

    def client(self, idx):
        rng = random.Random(SEED * 1000 + idx)
        while not self.stop_all.is_set():
            # Counted before the check, so that a checkpoint that pauses
            # the clients and then sees none in flight really has none.
            with self.inflight_lock:
                self.inflight += 1
            try:
                if self.clients_go.is_set():
                    self.one_request(rng)
            finally:
                with self.inflight_lock:
                    self.inflight -= 1
            if not self.clients_go.is_set():
                self.clients_go.wait(1)

    def one_request(self, rng):
        verb = rng.choices(["status", "status-json", "status-unit", "show", "show-json"],
                           [20, 20, 20, 25, 15])[0]
        unit = rng.choice(self.fixed + self.extras)
        fixed = self.kind[unit] != "extra"
        if verb == "status":
            args, ok = ["status"], {0}
        elif verb == "status-json":
            args, ok = ["status", "--json"], {0}
        elif verb == "status-unit":
            # 3: not active (a crash loop between runs, a stopped unit);
            # 4: an extra unit that a reload removed.
            args, ok = ["status", unit], {0, 3} if fixed else {0, 3, 4}
        elif verb == "show":
            args, ok = ["show", unit], {0} if fixed else {0, 4}
        else:
            args, ok = ["show", "--json", unit], {0} if fixed else {0, 4}
        rc, out, err, dt = self.ctl(*args)
        with self.stats_lock:
            self.stats["requests"] += 1
            self.stats["req-" + verb] += 1
            self.latencies.append(dt)
        if not self.expect("request", args, rc, ok, out, err):
            self.bump("request-failures")
            return
        # The answer must be whole: every unit that is never removed listed.
        bad = None
        if verb == "status":
            names = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
            missing = [n for n in self.fixed if n + ".service" not in names]
            if missing:
                bad = f"status lacks {len(missing)} unit(s), e.g. {missing[:3]}"
        elif verb == "status-json":
            try:
                names = [u["Name"] for u in json.loads(out)]
                missing = [n for n in self.fixed if n + ".service" not in set(names)]
                if missing or len(names) != len(set(names)):
                    bad = f"status --json lacks {missing[:3]} or repeats a unit"
            except (ValueError, KeyError, TypeError) as e:
                bad = f"status --json is not valid JSON: {e}"
        elif verb == "show-json" and rc == 0:
            try:
                if json.loads(out)["Name"] != unit + ".service":
                    bad = "show --json names another unit"
            except (ValueError, KeyError, TypeError) as e:
                bad = f"show --json is not valid JSON: {e}"
        elif verb == "show" and rc == 0 and f"Name={unit}.service\n" not in out:
            bad = "show lacks Name="
        if bad:
            self.bump("request-failures")
            FAIL.add("request-bad-answer", bad)

    # ---- reloads -----------------------------------------------------------

    def reloader(self):
        n = 0
        period = RELOAD_MS / 1000
        next_t = time.monotonic()
        while not self.stop_all.is_set():
            next_t += period
            delay = next_t - time.monotonic()
            if delay > 0:
                self.stop_all.wait(delay)
            else:
                next_t = time.monotonic()
            if self.stop_all.is_set():
                break
            with self.reload_lock:
                n += 1
                if n % 50 == 0:
                    self.broken_reload()
                    continue
                if n % 5 == 0:
                    self.change_files()
                if n % 2 == 0:
                    args = ["reload"]
                    rc, out, err, _ = self.ctl(*args)
                    if self.expect("reload", args, rc, {0}, out, err):
                        self.bump("reloads-superctl")
                else:
                    os.kill(self.sd.pid, signal.SIGHUP)
                    self.bump("reloads-sighup")

    def change_files(self):
        """A changed crash loop (new command, or only a new description),
        a changed runner (new environment, or only a description), one extra
        unit added and another removed."""
        c = self.rng.choice(self.crashers)
        self.generation[c] += 1
        if self.rng.random() < 0.5:
            self.new_crash_spec(c)
            self.bump("changed-process")
        else:
            self.bump("changed-policy")
        self.write_crasher(c)
        s = self.rng.choice(self.stables)
        self.generation[s] += 1
        if self.rng.random() < 0.3:
            self.write_runner(s, env_gen=self.generation[s])
            self.bump("changed-process")
        else:
            self.write_runner(s)
            self.bump("changed-policy")
        absent = [e for e in self.extras if e not in self.on_disk]
        present = [e for e in self.extras if e in self.on_disk]
        if absent:
            e = self.rng.choice(absent)
            self.write_runner(e)
            self.on_disk.add(e)
            self.bump("units-added")
        if present:
            e = self.rng.choice(present)
            os.unlink(os.path.join(self.units, e + ".service"))
            self.on_disk.discard(e)
            self.bump("units-removed")
        self.bump("reloads-with-changes")

    def broken_reload(self):
        """An invalid unit: superctl reload exits 1 and nothing changes."""
        self.write_unit("zz-broken", "[Service]\nRestartSec=soon\n")
        args = ["reload"]
        rc, out, err, _ = self.ctl(*args)
        os.unlink(os.path.join(self.units, "zz-broken.service"))
        if self.expect("reload-invalid", args, rc, {1}, out, err):
            if "zz-broken.service:2:" not in err:
                FAIL.add("reload-invalid", f"no FILE:LINE error printed: {err.strip()[:200]}")
            self.bump("reloads-refused")

    # ---- stop / start / restart -------------------------------------------

    def operator(self):
        while not self.stop_all.is_set():
            self.stop_all.wait(self.rng.uniform(0.1, 0.6))
            if self.stop_all.is_set():
                break
            with self.ops_lock:
                self.one_op()

    def one_op(self):
        t = time.monotonic()
        due = [n for n, at in self.stopped_at.items() if t - at > 2]
        if due and (len(self.stopped_at) >= MAX_STOPPED or self.rng.random() < 0.5):
            name = self.rng.choice(due)
            block = self.rng.random() < 0.7
            args = ["start"] + ([] if block else ["--no-block"]) + [name]
            rc, out, err, _ = self.ctl(*args)
            self.want[name] = True
            del self.stopped_at[name]
            self.touched.add(name)
            if self.expect("start", args, rc, {0}, out, err):
                self.bump("ops-start")
            return
        name = self.rng.choice([n for n in self.fixed if self.want[n]])
        if self.rng.random() < 0.25 or len(self.stopped_at) >= MAX_STOPPED:
            self.restart_op(name)
            return
        block = self.rng.random() < 0.7
        args = ["stop"] + ([] if block else ["--no-block"]) + [name]
        self.want[name] = False
        self.stopped_at[name] = t
        self.touched.add(name)
        rc, out, err, _ = self.ctl(*args)
        if not self.expect("stop", args, rc, {0}, out, err):
            return
        self.bump("ops-stop")
        if block:
            # A stop that returned has left no process (SPEC §4).
            left = scan(self.marker).get(name, [])
            if left:
                FAIL.add("stop-left-process", f"{name}: {left} alive after stop returned")

    def restart_op(self, name):
        old = self.mainpid(name)
        args = ["restart", name]
        rc, out, err, _ = self.ctl(*args)
        self.touched.add(name)
        if not self.expect("restart", args, rc, {0}, out, err):
            return
        self.bump("ops-restart")
        if self.kind[name] == "stable" and old:
            new = self.mainpid(name)
            if new == old or proc_stat(old) is not None and proc_stat(old)[0] not in "ZX":
                FAIL.add("restart", f"{name}: MainPID {old} -> {new}, old still alive")

    def mainpid(self, name):
        rc, out, _, _ = self.ctl("show", name)
        for line in out.splitlines():
            if line.startswith("MainPID="):
                return int(line[8:] or 0)
        return 0

    # ---- watchers ----------------------------------------------------------

    def sampler(self):
        while not self.stop_all.is_set():
            s = superd_sample(self.sd.pid)
            if s is not None:
                self.samples.append((now(), *s))
            self.stop_all.wait(1)

    def dup_scanner(self):
        """Two live main processes of one unit, seen at once, are a bug,
        except for an extra unit re-added while its removed predecessor is
        still stopping, which is counted apart."""
        while not self.stop_all.is_set():
            found = scan(self.marker)
            for name, procs in found.items():
                for p in procs:
                    self.pids_seen.add((p[0], p[1]))
                if len(procs) < 2:
                    continue
                # The scan is not atomic: confirm that they live together.
                both = [p for p in procs if live(p[0], p[1])]
                if len(both) < 2:
                    continue
                if self.kind.get(name) == "extra":
                    self.bump("extra-overlaps")
                else:
                    FAIL.add("duplicate-main-process", f"{name}: {both}")
            self.stop_all.wait(1)

    # ---- checkpoints -------------------------------------------------------

    def status_json(self):
        args = ["status", "--json"]
        rc, out, err, _ = self.ctl(*args)
        if not self.expect("checkpoint", args, rc, {0}, out, err):
            return None
        try:
            return {u["Name"][: -len(".service")]: u for u in json.loads(out)}
        except (ValueError, KeyError, TypeError) as e:
            FAIL.add("checkpoint-bad-answer", f"status --json: {e}")
            return None

    def settled(self, found, units):
        """The state a checkpoint expects, once the last reload and stops
        have played out (a crash loop is never still)."""
        for n in self.fixed + self.extras:
            up = self.want.get(n, True) and n in self.on_disk
            procs, u = found.get(n, []), units.get(n)
            if not up:
                if procs or (u is not None and u["State"] != "inactive"):
                    return False
            elif u is None:
                return False
            elif self.kind[n] != "crash" and (
                len(procs) != 1 or procs[0][0] != u["MainPID"] or u["State"] != "active"
            ):
                return False
        return True

    def checkpoint(self, final=False):
        with self.reload_lock, self.ops_lock:
            self.checkpoints += 1
            t = now()
            args = ["reload"]
            rc, out, err, _ = self.ctl(*args)
            self.expect("checkpoint", args, rc, {0}, out, err)
            deadline = time.monotonic() + 20
            while True:
                s1 = scan(self.marker)
                units = self.status_json()
                s2 = scan(self.marker)
                if units is None or self.settled(s2, units) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            if units is not None:
                self.judge(s1, units, s2)
            self.touched.clear()
        # Descriptors and memory with no client connected.
        self.clients_go.clear()
        deadline = time.monotonic() + REQ_TIMEOUT
        while self.inflight and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        # Crash loops never pause: each spawn holds an exec report pipe
        # until the child has exec'd, which on a loaded machine takes a
        # while. The fewest descriptors seen over a second is the floor
        # that a leak would raise.
        kinds, spawning, floor = None, 0, None
        for _ in range(20):
            k = fd_kinds(self.sd.pid)
            c = forked_not_execed(self.sd.pid, self.superd)
            if floor is None or sum(k.values()) - c < floor:
                kinds, spawning, floor = k, c, sum(k.values()) - c
            time.sleep(0.05)
        s = superd_sample(self.sd.pid)
        if not final:
            self.clients_go.set()
        if s is None:
            FAIL.add("superd-gone", "superd is not running")
            return
        self.quiet.append((now(), floor, s[1], kinds))
        log(f"checkpoint {self.checkpoints}: fds {floor} ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}"
            f"{f', less {spawning} for children not yet exec’d' if spawning else ''}), "
            f"RSS {s[1]} KiB, cpu {s[2]:.1f} s, {self.stats['requests']} requests, "
            f"{FAIL.total()} failure(s) ({now() - t:.1f} s)")

    def judge(self, s1, units, s2):
        expected = {n for n in self.fixed} | {e for e in self.extras if e in self.on_disk}
        if set(units) != expected:
            FAIL.add("unit-set", f"superd has {sorted(set(units) - expected)[:5]} extra, "
                     f"lacks {sorted(expected - set(units))[:5]}")
        for n in self.fixed + self.extras:
            u = units.get(n)
            p1, p2 = s1.get(n, []), s2.get(n, [])
            up = self.want.get(n, True) and n in self.on_disk
            if not up:
                if p2:
                    FAIL.add("stopped-unit-has-process", f"{n}: {p2}")
                if u is not None and (u["State"] != "inactive" or u["MainPID"]):
                    FAIL.add("stopped-unit-state", f"{n}: State={u['State']} MainPID={u['MainPID']}")
                continue
            if u is None:
                continue  # reported as unit-set
            if self.kind[n] != "crash":
                if len(p2) != 1 or p2[0][0] != u["MainPID"] or u["State"] != "active":
                    FAIL.add("runner-main-process",
                             f"{n}: State={u['State']} MainPID={u['MainPID']} live={p2}")
                continue
            if len(p1) > 1 or len(p2) > 1:
                FAIL.add("duplicate-main-process", f"{n}: {p1} / {p2}")
            if u["State"] not in ("active", "starting", "backoff"):
                FAIL.add("crash-loop-state", f"{n}: State={u['State']} Reason={u['Reason']}")
            both = {(p[0], p[1]) for p in p1} & {(p[0], p[1]) for p in p2}
            if both and u["MainPID"] not in {p[0] for p in both}:
                FAIL.add("mainpid-mismatch", f"{n}: MainPID={u['MainPID']} live={sorted(both)}")
            r = u["Restarts"]
            last = self.restarts.get(n)
            if last is not None and r <= last and n not in self.touched:
                FAIL.add("crash-loop-stalled", f"{n}: Restarts {last} -> {r}, State={u['State']}")
            self.restart_total += r - last if last is not None and r >= last else 0
            self.restarts[n] = r
        for name, procs in s2.items():
            for pid, _, ppid in procs:
                if ppid != self.sd.pid:
                    FAIL.add("not-superd-child", f"{name}: pid {pid} has parent {ppid}")
            if name not in self.kind:
                FAIL.add("stray-process", f"{name}: {procs}")

    # ---- the run -----------------------------------------------------------

    def run(self):
        log(f"dir {self.dir}, seed {SEED}, {CRASHERS} crash loops, {STABLE} stable, "
            f"{EXTRA} extra, {CLIENTS} clients, reload every {RELOAD_MS} ms, {DURATION:.0f} s")
        self.setup()
        logf = open(self.logpath, "w")
        self.sd = subprocess.Popen(
            [self.superd, "-c", os.path.join(self.dir, "superd.conf"), "-u", self.units, "-s", self.sock],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
        )
        deadline = time.monotonic() + 30
        while self.ctl("health", timeout=5)[0] != 0:
            if time.monotonic() > deadline or self.sd.poll() is not None:
                FAIL.add("start", "superd does not answer")
                return self.finish(started=False)
            time.sleep(0.05)
        self.cpu0 = superd_sample(self.sd.pid)[2]
        self.t_start = now()
        threads = [threading.Thread(target=guarded(self.client), args=(i,), daemon=True)
                   for i in range(CLIENTS)]
        threads += [threading.Thread(target=guarded(f), daemon=True)
                    for f in (self.reloader, self.operator, self.sampler, self.dup_scanner)]
        for th in threads:
            th.start()
        end = self.t_start + DURATION
        next_check = self.t_start + CHECK_EVERY
        while now() < end:
            time.sleep(max(0, min(next_check, end) - now()))
            if self.sd.poll() is not None:
                FAIL.add("superd-exited", f"superd exited with {self.sd.returncode} during the run")
                break
            if now() >= next_check and now() < end - CHECK_EVERY / 2:
                self.checkpoint()
                next_check += CHECK_EVERY
        self.t_end = now()
        self.stop_all.set()
        self.clients_go.set()
        for th in threads:
            th.join(REQ_TIMEOUT + 5)
        if self.sd.poll() is None:
            self.checkpoint(final=True)
        self.finish()

    def finish(self, started=True):
        if started and self.sd.poll() is None:
            s = superd_sample(self.sd.pid)
            self.cpu_total = s[2] - self.cpu0 if s else None
            t = time.monotonic()
            rc, out, err, _ = self.ctl("shutdown")
            self.expect("shutdown", ["shutdown"], rc, {0}, out, err)
            try:
                code = self.sd.wait(90)
                self.shutdown_secs = time.monotonic() - t
                if code != 0:
                    FAIL.add("shutdown", f"superd exited with {code}")
            except subprocess.TimeoutExpired:
                FAIL.add("shutdown", "superd still running 90 s after shutdown")
            left = pids_with(self.dir)
            if left:
                FAIL.add("left-behind", f"{len(left)} process(es) left after shutdown: {left[:10]}")
            if os.path.exists(self.sock):
                FAIL.add("shutdown", "the socket file is left behind")
        self.cleanup()
        if started:
            self.summary()
        ok = FAIL.total() == 0
        if ok and not os.environ.get("SOAK_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"soak: dir kept: {self.dir}")
        return ok

    def cleanup(self):
        """After a failure: nothing of this run may outlive it."""
        if self.sd is not None and self.sd.poll() is None:
            self.sd.kill()
            self.sd.wait()
        for pid in pids_with(self.dir):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def audit_log(self):
        """superd's own errors: only the refused invalid reloads are expected;
        a sanitizer report is a failure of its own."""
        levels = collections.Counter()
        try:
            with open(self.logpath, errors="replace") as f:
                for line in f:
                    if "Sanitizer" in line or "runtime error:" in line:
                        FAIL.add("sanitizer", line.strip()[:300])
                    if not line.startswith("superd: "):
                        continue
                    level = line[8:].split(":", 1)[0]
                    levels[level] += 1
                    if level in ("error", "crit", "alert", "emerg") and not (
                        "zz-broken.service" in line or "reload: configuration invalid" in line
                    ):
                        FAIL.add("log-error", line.strip()[:300])
        except OSError as e:
            FAIL.add("log", f"cannot read superd's log: {e}")
        print("superd log lines: " + ", ".join(f"{n} {k}" for k, n in sorted(levels.items())))

    def summary(self):
        lat = sorted(self.latencies) or [0]
        secs = self.t_end - self.t_start
        st = self.stats
        after = [s for s in self.quiet if s[0] - self.t_start >= WARMUP]
        ref, last = (after[0], self.quiet[-1]) if after else (None, None)
        fds = [s[1] for s in self.samples]
        rss = [s[2] for s in self.samples]
        crash_pids = len(self.pids_seen)
        print("\n==== superd soak summary ====")
        print(f"run: {secs:.0f} s, seed {SEED}, {CRASHERS} crash loops + {STABLE} stable + "
              f"{EXTRA} extra units, {CLIENTS} clients, {os.cpu_count()} CPUs")
        print(f"requests: {st['requests']} answered ({st['requests'] / secs:.0f}/s), "
              f"{st['request-failures']} failed; status {st['req-status']}, "
              f"status --json {st['req-status-json']}, status UNIT {st['req-status-unit']}, "
              f"show {st['req-show']}, show --json {st['req-show-json']}")
        print(f"latency: median {lat[len(lat) // 2] * 1000:.0f} ms, "
              f"p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
        print(f"reloads: {st['reloads-superctl']} by superctl + {st['reloads-sighup']} SIGHUP, "
              f"{st['reloads-with-changes']} with changed files ({st['changed-process']} process "
              f"changes, {st['changed-policy']} policy-only, {st['units-added']} units added, "
              f"{st['units-removed']} removed), {st['reloads-refused']} invalid ones refused")
        print(f"operations: {st['ops-stop']} stop, {st['ops-start']} start, "
              f"{st['ops-restart']} restart; {st['extra-overlaps']} re-added-unit overlaps")
        print(f"restarts: {self.restart_total} counted by superd (Restarts=) between checkpoints; "
              f"{crash_pids} distinct main processes seen by the 1 s scanner")
        with open(os.path.join(self.dir, "samples.csv"), "w") as f:
            f.write("seconds,fds,rss_kib,cpu_seconds\n")
            for t, fd, r, c in self.samples:
                f.write(f"{t - self.t_start:.1f},{fd},{r},{c:.2f}\n")
        if self.samples:
            print(f"superd fds: min {min(fds)}, max {max(fds)} (1 s samples, clients connected)")
            print(f"superd RSS: min {min(rss)} KiB, max {max(rss)} KiB")
        if ref:
            fd_flat = last[1] <= ref[1] + FD_MARGIN
            rss_flat = last[2] <= ref[2] * (1 + RSS_MARGIN) + 1024
            print(f"quiet samples: fds {ref[1]} at {ref[0] - self.t_start:.0f} s -> {last[1]} at "
                  f"the end ({'flat' if fd_flat else 'GROWING'}); RSS {ref[2]} -> {last[2]} KiB "
                  f"({'flat' if rss_flat else 'GROWING'}); all: "
                  + " ".join(f"{s[1]}/{s[2]}" for s in self.quiet))
            if not fd_flat:
                FAIL.add("fd-leak", f"fds {ref[1]} -> {last[1]}")
            if not rss_flat:
                FAIL.add("rss-growth", f"RSS {ref[2]} -> {last[2]} KiB")
        self.audit_log()
        cpu = getattr(self, "cpu_total", None)
        if cpu is not None:
            print(f"superd CPU: {cpu:.1f} s in {secs:.0f} s ({100 * cpu / secs:.0f}% of one core)")
        if hasattr(self, "shutdown_secs"):
            print(f"shutdown: superd exited in {self.shutdown_secs:.2f} s, nothing left behind"
                  if "left-behind" not in FAIL.count else "shutdown: processes left behind")
        print(f"checkpoints: {self.checkpoints}")
        if FAIL.total():
            print(f"FAILED: {FAIL.total()} failure(s)")
            for kind, n in sorted(FAIL.count.items()):
                print(f"  {kind}: {n}")
                for ex in FAIL.examples[kind]:
                    print(f"    {ex}")
        else:
            print("PASSED: every check held")


def main():
    soak = Soak()

    def on_signal(signum, frame):
        soak.cleanup()
        print(f"soak: interrupted; dir kept: {soak.dir}")
        os._exit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        soak.run()
    except BaseException:
        soak.cleanup()
        print(f"soak: dir kept: {soak.dir}")
        raise
    sys.exit(0 if FAIL.total() == 0 else 1)


if __name__ == "__main__":
    main()
