#!/usr/bin/env python3
"""The scenarios of `Benchmarks/run faults` (see run): real lector binary, real PostgreSQL, fake engine.

For each scenario: jobs completed, failed, duplicated (a job or a document with more than one analysis)
and lost (not finished, or missing), and whether the worker stayed alive. Prints a table, then
`RESULT {json}`.
"""
import argparse
import email.utils
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

parser = argparse.ArgumentParser(prog="Benchmarks/run faults")
parser.add_argument("--bin", required=True)
parser.add_argument("--psql", required=True)
parser.add_argument("--database-url", required=True)
parser.add_argument("--root", required=True)
parser.add_argument("--short", action="store_true", help="outages of 15 s instead of 3 and 10 min")
parser.add_argument("--outage-seconds", help="comma-separated outage lengths in seconds")
parser.add_argument("--documents", type=int, default=10, help="documents per outage scenario (3 samples + corpus)")
parser.add_argument("--scenarios", default="outage,retry-after,cancel,kill-in-completion,postgres-restart,huge-document",
                    help="comma-separated: outage, retry-after, cancel, kill-in-completion, postgres-restart, huge-document")
parser.add_argument("--huge-pages", type=int, default=10_000, help="pages of the huge document (huge-document)")
parser.add_argument("--rss-limit-mib", type=float, default=300, help="the worker's peak RSS goal (huge-document)")
parser.add_argument("--concurrency", type=int, default=4)
args = parser.parse_args()

lector = os.path.join(args.bin, "lector")
fake_engine = os.path.join(args.bin, "lector-fake-engine")
profiles = os.path.join(args.root, "Benchmarks/pipeline/profiles")
profile = "pipeline-bench"
tmp = tempfile.mkdtemp(prefix="lector-faults.")
databases = []
processes = []
clusters = []  # environments of private PostgreSQL clusters (postgres-restart), stopped at the end


def say(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def psql(url, sql):
    done = subprocess.run([args.psql, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


def database_url(name, server=None):
    parts = urllib.parse.urlsplit(server or args.database_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def wait_until(predicate, seconds, interval=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def documents_folder(count, name):
    """The sample contracts, then the first corpus contracts, up to `count` files."""
    folder = os.path.join(tmp, name)
    subprocess.run([sys.executable, os.path.join(args.root, "deploy/local/samples/make_samples.py"), folder],
                   check=True, capture_output=True)
    corpus = os.path.join(args.root, "..", "shared", "corpus", "contracts")
    have = len([f for f in os.listdir(folder) if f.lower().endswith(".pdf")])
    if count > have and os.path.isdir(corpus):
        for f in sorted(os.listdir(corpus))[: count - have]:
            os.symlink(os.path.join(corpus, f), os.path.join(folder, f))
    return folder


def fresh_database(label, folder, server=None):
    name = f"lector_bench_faults_{label}_{os.getpid()}".replace("-", "_")
    server = server or args.database_url
    psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(server, f"CREATE DATABASE {name}")
    if server == args.database_url:
        databases.append(name)
    url = database_url(name, server)
    subprocess.run([lector, "migrate", "--database-url", url], check=True, capture_output=True)
    subprocess.run([lector, "submit", folder, "--database-url", url, "--profiles", profiles, "--profile", profile,
                    "--json"], capture_output=True)
    return url


class FakeEngine:
    def __init__(self, port=0, extra=(), service_ms=50):
        self.log_path = os.path.join(tmp, f"fake-{time.monotonic_ns()}.log")
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [fake_engine, "--port", str(port), "--slots", "4", "--service-ms", str(service_ms), "--answer-file", answer,
             *extra],
            stdout=log, stderr=subprocess.STDOUT)
        processes.append(self.process)
        self.port = None

        def listening():
            match = re.search(r"^listening on (\d+)$", open(self.log_path).read(), re.M)
            if match:
                self.port = int(match.group(1))
            return self.port is not None or self.process.poll() is not None
        wait_until(listening, 30, 0.05)
        if self.port is None:
            raise RuntimeError("the fake engine did not start: " + open(self.log_path).read()[-500:])

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def start_worker(url, engine_url, label, probe_max, extra=()):
    log = open(os.path.join(tmp, f"worker-{label}.log"), "a")
    worker = subprocess.Popen(
        [lector, "worker", "--database-url", url, "--engine-url", engine_url, "--engine-dialect", "vllm",
         "--profiles", profiles, "--concurrency", str(args.concurrency), "--engine-probe-max-seconds", str(probe_max),
         *extra],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    processes.append(worker)
    return worker


def stop_worker(worker):
    alive = worker.poll() is None
    if alive:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(120)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return alive, worker.returncode


def counts(url):
    return json.loads(psql(url, """
        SELECT json_build_object(
          'jobs', (SELECT count(*) FROM lector.jobs),
          'completed', (SELECT count(*) FROM lector.jobs WHERE state = 'completed'),
          'failed', (SELECT count(*) FROM lector.jobs WHERE state = 'failed'),
          'unfinished', (SELECT count(*) FROM lector.jobs WHERE state NOT IN ('completed', 'failed', 'cancelled')),
          'duplicated', (SELECT count(*) FROM (SELECT job_id FROM lector.analyses GROUP BY job_id HAVING count(*) > 1) j)
                      + (SELECT count(*) FROM (SELECT document_id FROM lector.analyses GROUP BY document_id HAVING count(*) > 1) d),
          'max_attempt', (SELECT coalesce(max(attempt), 0) FROM lector.jobs),
          'deferrals', (SELECT count(*) FROM lector.jobs j, jsonb_array_elements(j.errors) e
                        WHERE e->>'class' = 'dependency_unavailable'),
          'rate_limited', (SELECT count(*) FROM lector.jobs j, jsonb_array_elements(j.errors) e
                           WHERE e->>'class' = 'rate_limited'),
          'failures', (SELECT coalesce(json_agg(DISTINCT left(errors->-1->>'error', 80)), '[]')
                       FROM lector.jobs WHERE state = 'failed'))
        """))


def unfinished(url):
    return int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state NOT IN ('completed', 'failed', 'cancelled')"))


def finish(result, expected, worker):
    result.update(counts(result.pop("url")))
    alive, status = stop_worker(worker)
    result["worker_alive"] = alive
    result["worker_exit_status"] = status
    result["lost"] = expected - result["completed"] - result["failed"]
    result["ok"] = (result["failed"] == 0 and result["duplicated"] == 0 and result["lost"] == 0 and alive
                    and status == 0)
    return result


def outage(seconds):
    label = f"outage-{seconds}s"
    say(f"{label}: {args.documents} documents, engine killed after the first completion, back after {seconds} s")
    url = fresh_database(label, documents_folder(args.documents, label))
    expected = int(psql(url, "SELECT count(*) FROM lector.jobs"))
    engine = FakeEngine()
    port = engine.port
    worker = start_worker(url, engine.url, label, probe_max=min(60, max(2, seconds / 6)))
    wait_until(lambda: int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state = 'completed'")) >= 1, 600)
    engine.kill()
    down_at = time.monotonic()
    status_line = None
    while time.monotonic() - down_at < seconds and worker.poll() is None:
        if status_line is None and time.monotonic() - down_at > min(5, seconds / 2):
            shown = subprocess.run([lector, "status", "--database-url", url], capture_output=True, text=True).stdout
            status_line = next((l for l in shown.splitlines() if l.startswith("engine ")), "")
        time.sleep(0.5)
    during = counts(url)
    say(f"{label}: engine back on port {port}")
    engine = FakeEngine(port=port)
    up_at = time.monotonic()
    wait_until(lambda: worker.poll() is not None
               or int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state NOT IN ('completed', 'failed', 'cancelled')")) == 0,
               900)
    result = {"url": url, "outage_s": seconds, "recovery_s": round(time.monotonic() - up_at, 1),
              "failed_during_outage": during["failed"], "status_during_outage": status_line}
    result = finish(result, expected, worker)
    engine.kill()
    return label, result


def retry_after(value, shown):
    label = f"retry-after-{shown}"
    say(f"{label}: 429 with Retry-After: {value!r} for the first requests")
    url = fresh_database(re.sub(r"[^a-z0-9]+", "_", label.lower()), documents_folder(3, label))
    expected = int(psql(url, "SELECT count(*) FROM lector.jobs"))
    engine = FakeEngine(extra=["--rate-limit-first", "3", f"--retry-after={value}"])
    worker = start_worker(url, engine.url, label, probe_max=5)
    # Settled: every job completed, or waiting out the Retry-After the queue recorded.
    wait_until(lambda: worker.poll() is not None or int(psql(url, """
        SELECT count(*) FROM lector.jobs
        WHERE state IN ('running', 'available') OR (state = 'retryable' AND run_at <= now() + interval '2 seconds')
        """)) == 0, 300)
    longest_wait = float(psql(url, """
        SELECT coalesce(max(extract(epoch FROM run_at - now())), 0) FROM lector.jobs WHERE state = 'retryable'"""))
    # A wait of up to 10 minutes is what a hostile Retry-After is clamped to; having checked it, skip it.
    psql(url, "UPDATE lector.jobs SET run_at = now() WHERE state = 'retryable'")
    psql(url, "SELECT pg_notify('lector_jobs', 'default')")
    wait_until(lambda: worker.poll() is not None
               or int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state NOT IN ('completed', 'failed', 'cancelled')")) == 0,
               300)
    result = finish({"url": url, "retry_after": value, "longest_queue_wait_s": round(longest_wait, 1)}, expected, worker)
    result["ok"] = result["ok"] and 0 <= longest_wait <= 600
    engine.kill()
    return label, result


def cancel_mid_request():
    """A job cancelled while its engine request is in flight: its work stops at the next heartbeat."""
    label = "cancel-mid-request"
    say(f"{label}: 3 documents, each engine request held 20 s; one job cancelled while its request runs")
    url = fresh_database("cancel", documents_folder(3, label))
    expected = int(psql(url, "SELECT count(*) FROM lector.jobs"))
    engine = FakeEngine(service_ms=20_000)
    log_path = os.path.join(tmp, f"worker-{label}.log")
    worker = start_worker(url, engine.url, label, probe_max=5)
    # Extraction of the samples takes well under a second; then every job waits for the engine.
    wait_until(lambda: int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state = 'running'")) == expected, 120)
    time.sleep(3)
    victim = psql(url, "SELECT min(id) FROM lector.jobs WHERE state = 'running'")
    cancelled_at = time.monotonic()
    subprocess.run([lector, "cancel", victim, "--database-url", url], check=True, capture_output=True)
    stopped = wait_until(lambda: "leases lost; stopping their jobs" in open(log_path).read(), 120, 0.1)
    stopped_s = round(time.monotonic() - cancelled_at, 2) if stopped else None
    wait_until(lambda: worker.poll() is not None
               or int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state NOT IN ('completed', 'failed', 'cancelled')")) == 0,
               300)
    analyses = int(psql(url, f"SELECT count(*) FROM lector.analyses WHERE job_id = {int(victim)}"))
    cancelled = int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state = 'cancelled'"))
    # The cancelled job is accounted for: neither lost nor expected to complete.
    result = finish({"url": url, "stopped_after_cancel_s": stopped_s, "cancelled_job_analyses": analyses,
                     "cancelled": cancelled}, expected - cancelled, worker)
    result["ok"] = result["ok"] and stopped_s is not None and analyses == 0 and cancelled == 1
    engine.kill()
    return label, result


def kill_in_completion():
    """kill -9 of a worker while its fenced completion is open: nothing it wrote survives, and another
    worker completes every job exactly once after the lease runs out."""
    label = "kill-in-completion"
    say(f"{label}: 5 documents; lector.analyses locked so completions wait; worker killed (SIGKILL) inside them")
    url = fresh_database("kill", documents_folder(5, label))
    expected = int(psql(url, "SELECT count(*) FROM lector.jobs"))
    engine = FakeEngine()
    # A session that holds a lock every completion needs: the worker's completion transactions wait inside.
    holder = subprocess.Popen([args.psql, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    processes.append(holder)
    holder.stdin.write("BEGIN;\nLOCK TABLE lector.analyses IN EXCLUSIVE MODE;\nSELECT 'locked';\n")
    holder.stdin.flush()
    if holder.stdout.readline().strip() != "locked":
        raise RuntimeError("could not lock lector.analyses")
    first = start_worker(url, engine.url, label, probe_max=5, extra=["--lease-seconds", "10", "--rescue-seconds", "2"])
    waiting = """SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%lector.analyses%'"""
    in_completion = wait_until(lambda: int(psql(url, waiting)) >= 1, 300)
    time.sleep(1)
    inside = int(psql(url, waiting))
    first.send_signal(signal.SIGKILL)
    first.wait()
    holder.stdin.write("ROLLBACK;\n")
    holder.stdin.close()
    holder.wait(30)
    killed_at = time.monotonic()
    second = start_worker(url, engine.url, label + "-2", probe_max=5, extra=["--rescue-seconds", "2"])
    wait_until(lambda: second.poll() is not None or unfinished(url) == 0, 600)
    result = finish({"url": url, "completions_killed": inside if in_completion else 0,
                     "recovered_s": round(time.monotonic() - killed_at, 1)}, expected, second)
    result["ok"] = result["ok"] and in_completion and inside >= 1
    engine.kill()
    return label, result


def postgres_restart():
    """PostgreSQL (a cluster of this scenario's own) restarted twice mid-run: every job completes once."""
    label = "postgres-restart"
    state = os.path.join(tmp, "pg")
    port = free_port()
    env = dict(os.environ, LECTOR_STATE=state, LECTOR_PG_PORT=str(port))
    pg = os.path.join(args.root, "deploy/local/postgres")
    say(f"{label}: a private PostgreSQL on port {port}; 10 documents; restarted twice while the worker runs")
    subprocess.run([pg, "start"], env=env, check=True, capture_output=True)
    clusters.append(env)
    server = subprocess.run([pg, "url"], env=env, check=True, capture_output=True, text=True).stdout.strip()
    url = fresh_database("restart", documents_folder(10, label), server=server)
    expected = int(psql(url, "SELECT count(*) FROM lector.jobs"))
    engine = FakeEngine(service_ms=1500)
    worker = start_worker(url, engine.url, label, probe_max=5)
    restarts = 0
    for completed in (1, 4):
        wait_until(lambda: worker.poll() is not None
                   or int(psql(url, "SELECT count(*) FROM lector.jobs WHERE state = 'completed'")) >= completed, 600)
        subprocess.run([pg, "restart"], env=env, check=True, capture_output=True)
        restarts += 1
        say(f"{label}: restart {restarts} done")
    wait_until(lambda: worker.poll() is not None or unfinished(url) == 0, 600)
    result = finish({"url": url, "restarts": restarts}, expected, worker)
    engine.kill()
    return label, result


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def huge_document():
    """A 10,000-page PDF beside ten ordinary contracts: the others complete, and the worker's own peak RSS
    (extraction runs in children) stays under the limit."""
    label = "huge-document"
    folder = documents_folder(10, label)
    source = os.path.join(args.root, "..", "shared", "corpus", "contracts",
                          "cuad__DRIVENDELIVERIES_INC_05_22_2020-EX-10.4-CONSULTING_AGREEMENT.PDF")
    base = os.path.join(tmp, "base-100.pdf")
    subprocess.run(["qpdf", "--empty", "--pages", *([source] * 100), "--", base], check=True)
    base_pages = int(subprocess.run(["qpdf", "--show-npages", base], check=True, capture_output=True, text=True).stdout)
    huge = os.path.join(folder, f"huge-{args.huge_pages}-pages.pdf")
    spec = []
    left = args.huge_pages
    while left > 0:
        take = min(left, base_pages)
        spec += [base, f"1-{take}"]
        left -= take
    subprocess.run(["qpdf", "--empty", "--pages", *spec, "--", huge], check=True)
    say(f"{label}: a {args.huge_pages}-page PDF ({os.path.getsize(huge) >> 20} MiB) beside 10 contracts")
    url = fresh_database("huge", folder)
    expected = int(psql(url, "SELECT count(*) FROM lector.jobs"))
    engine = FakeEngine()
    started = time.monotonic()
    worker = start_worker(url, engine.url, label, probe_max=5)
    others_done = None
    peak = 0.0
    while worker.poll() is None and unfinished(url) > 0 and time.monotonic() - started < 3600:
        peak = max(peak, peak_rss_mib(worker.pid) or 0)
        if others_done is None and int(psql(url, """
                SELECT count(*) FROM lector.jobs j JOIN lector.documents d ON d.id = (j.args->>'document_id')::bigint
                WHERE d.filename NOT LIKE 'huge-%' AND j.state NOT IN ('completed', 'failed', 'cancelled')""")) == 0:
            others_done = round(time.monotonic() - started, 1)
        time.sleep(1)
    peak = max(peak, peak_rss_mib(worker.pid) or 0)
    pages = int(psql(url, "SELECT coalesce(max(page_count), 0) FROM lector.documents"))
    result = finish({"url": url, "peak_rss_mib": round(peak, 1), "rss_limit_mib": args.rss_limit_mib,
                     "others_done_s": others_done, "total_s": round(time.monotonic() - started, 1),
                     "huge_pages": pages}, expected, worker)
    result["ok"] = result["ok"] and peak < args.rss_limit_mib
    engine.kill()
    return label, result


answer = os.path.join(tmp, "answer.json")
with open(answer, "w") as out:
    subprocess.run([sys.executable, os.path.join(args.root, "Benchmarks/pipeline/answer.py"),
                    os.path.join(profiles, profile + ".json")], stdout=out, check=True)

scenarios = {}


def attempt(label, scenario, *arguments):
    """Runs one scenario; a scenario that breaks is reported as not ok, and the others still run."""
    try:
        name, result = scenario(*arguments)
    except Exception as error:  # noqa: BLE001 - reported in the table and the JSON
        say(f"{label}: the scenario broke: {error}")
        name, result = label, {"error": str(error)[:300], "ok": False}
    scenarios[name] = result


try:
    wanted = set(args.scenarios.split(","))
    if "outage" in wanted:
        lengths = ([float(s) for s in args.outage_seconds.split(",")] if args.outage_seconds
                   else [15.0] if args.short else [180.0, 600.0])
        for seconds in lengths:
            attempt(f"outage-{seconds:g}s", outage, int(seconds) if seconds == int(seconds) else seconds)
    if "retry-after" in wanted:
        http_date = email.utils.formatdate(time.time() + 5, usegmt=True)
        for value, shown in [("inf", "inf"), ("1e999", "1e999"), ("-1", "-1"), ("garbage", "garbage"),
                             (http_date, "http-date")]:
            attempt(f"retry-after-{shown}", retry_after, value, shown)
    if "cancel" in wanted:
        attempt("cancel-mid-request", cancel_mid_request)
    if "kill-in-completion" in wanted:
        attempt("kill-in-completion", kill_in_completion)
    if "postgres-restart" in wanted:
        attempt("postgres-restart", postgres_restart)
    if "huge-document" in wanted:
        attempt("huge-document", huge_document)
finally:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
    for env in clusters:
        subprocess.run([os.path.join(args.root, "deploy/local/postgres"), "stop"], env=env, capture_output=True)
    for name in databases:
        try:
            psql(args.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except RuntimeError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)

print(f'{"scenario":22} {"completed":>9} {"failed":>6} {"duplicated":>10} {"lost":>4} {"alive":>5}  note')
for name, r in scenarios.items():
    if "error" in r:
        print(f'{name:22} {"-":>9} {"-":>6} {"-":>10} {"-":>4} {"-":>5}  BROKE: {r["error"][:140]}')
        continue
    if "stopped_after_cancel_s" in r:
        note = (f'cancelled job stopped {r["stopped_after_cancel_s"]} s after lector cancel (heartbeat 10 s), '
                f'{r["cancelled_job_analyses"]} analyses for it; the others completed')
    elif "completions_killed" in r:
        note = (f'worker killed inside {r["completions_killed"]} open completions; a second worker finished '
                f'all {r["recovered_s"]} s later, max attempt {r["max_attempt"]}')
    elif "restarts" in r:
        note = f'PostgreSQL restarted {r["restarts"]} times mid-run; max attempt {r["max_attempt"]}'
    elif "peak_rss_mib" in r:
        note = (f'{r["huge_pages"]} pages; worker peak RSS {r["peak_rss_mib"]} MiB (goal < {r["rss_limit_mib"]:g}); '
                f'the others done after {r["others_done_s"]} s, all after {r["total_s"]} s')
    elif "outage_s" in r:
        note = (f'recovered {r["recovery_s"]} s after the engine returned; {r["deferrals"]} jobs given back, '
                f'max attempt {r["max_attempt"]}; status: {r["status_during_outage"] or "-"}')
    else:
        note = f'queue wait {r["longest_queue_wait_s"]} s (<= 600), {r["rate_limited"]} rate-limited, max attempt {r["max_attempt"]}'
    print(f'{name:22} {r["completed"]:>9} {r["failed"]:>6} {r["duplicated"]:>10} {r["lost"]:>4} '
          f'{"yes" if r["worker_alive"] else "NO":>5}  {note[:150]}')
print("RESULT " + json.dumps({"scenarios": scenarios, "all_ok": all(r["ok"] for r in scenarios.values())},
                             sort_keys=True))
