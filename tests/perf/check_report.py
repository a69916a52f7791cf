#!/usr/bin/env python3
"""Runs numapool-perf briefly and checks its reports against the schema in
docs/REPORTS.md: JSON and CSV parse, every promised field is present with
the right type, counters either hold real values or give the reason, and
invalid options exit with status 2 and name the option. Also checks the
topology subcommand's JSON and CSV, and the labels of a plot.

Usage: check_report.py NUMAPOOL_PERF WORK_DIR
"""
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def run(perf, args, timeout=120, env=None):
    environment = dict(os.environ, **env) if env else None
    result = subprocess.run([perf] + args, capture_output=True, text=True, timeout=timeout,
                            env=environment)
    return result.returncode, result.stdout, result.stderr


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def paranoid_level():
    try:
        with open("/proc/sys/kernel/perf_event_paranoid") as file:
            return int(file.read().strip())
    except (OSError, ValueError):
        return 99


def check_counter(name, entry, threads, where):
    check(isinstance(entry.get("available"), bool), f"{where}: {name} has no 'available' flag")
    if not entry.get("available"):
        reason = entry.get("reason", "")
        check(reason.startswith("counters unavailable: ") and len(reason) > 24,
              f"{where}: {name} is unavailable without a reason: {reason!r}")
        return
    for key in ("exact", "multiplexed", "failed"):
        check(isinstance(entry.get(key), bool), f"{where}: {name}.{key} is not a boolean")
    check(entry.get("exact") == (not entry.get("multiplexed") and not entry.get("failed")),
          f"{where}: {name} is marked exact although multiplexed or failed")
    per_thread = entry.get("per_thread", [])
    per_node = entry.get("per_node", [])
    check(len(per_thread) == threads,
          f"{where}: {name} has {len(per_thread)} per-thread values for {threads} threads")
    check(sum(per_thread) == entry.get("total"), f"{where}: {name} per-thread values do not add up")
    check(sum(node.get("value", 0) for node in per_node) == entry.get("total"),
          f"{where}: {name} per-node values do not add up")
    for node in per_node:
        check(all(key in node for key in ("domain", "node", "value")),
              f"{where}: {name} per-node entry lacks domain, node or value: {node}")


def check_result(result, where):
    for key in ("benchmark", "params", "threads", "repetitions", "median_s", "min_s", "max_s",
                "spread", "baselines", "extras", "counters", "note"):
        check(key in result, f"{where}: field '{key}' is missing")
    check(isinstance(result.get("params"), dict), f"{where}: params is not an object")
    check(isinstance(result.get("threads"), int) and result["threads"] >= 1,
          f"{where}: threads is not a positive integer")
    for key in ("median_s", "min_s", "max_s"):
        check(is_number(result.get(key)) and result[key] > 0, f"{where}: {key} is not a positive number")
    if is_number(result.get("min_s")) and is_number(result.get("median_s")):
        check(result["min_s"] <= result["median_s"] <= result["max_s"],
              f"{where}: min_s <= median_s <= max_s does not hold")
    for peer, entry in result.get("baselines", {}).items():
        check("median_s" in entry and "speedup" in entry,
              f"{where}: baseline {peer} lacks median_s or speedup")
        if entry.get("median_s") is None:
            check(bool(entry.get("error")), f"{where}: baseline {peer} has no figure and no error")
        else:
            expected = entry["median_s"] / result["median_s"]
            check(abs(entry["speedup"] - expected) <= 1e-6 * expected,
                  f"{where}: baseline {peer} speedup {entry['speedup']} is not median ratio {expected}")


def check_forkjoin_json(perf, work_dir):
    path = os.path.join(work_dir, "forkjoin.json")
    events = "perf::TASK-CLOCK,perf::PAGE-FAULTS,PAPI_TOT_CYC"
    code, out, err = run(perf, ["forkjoin", "--workloads", "empty,triangular", "--threads", "1,2",
                                "--repetitions", "2", "--warmup", "0", "--events", events,
                                "--format", "json", "--report", path])
    check(code == 0, f"forkjoin exited with {code}: {err[-500:]}")
    check("forkjoin" in err, "forkjoin printed no progress on stderr")
    report_stdout = json.loads(out)
    with open(path) as file:
        report = json.load(file)
    check(report_stdout["results"][0]["benchmark"] == report["results"][0]["benchmark"],
          "stdout and --report differ")

    for key in ("schema", "command", "machine", "versions", "options", "topology", "counters_backend",
                "results"):
        check(key in report, f"report field '{key}' is missing")
    check(report.get("schema") == "numapool-perf-report/1", "unexpected schema name")
    check(report["command"].startswith("numapool-perf forkjoin "), "command does not name the subcommand")
    results = report["results"]
    check(len(results) == 4, f"expected 4 results (2 workloads x 2 thread counts), got {len(results)}")
    check(sorted({r["threads"] for r in results}) == [1, 2], "the thread sweep 1,2 is not in the results")

    for index, result in enumerate(results):
        where = f"result {index} ({result.get('benchmark')}, {result.get('threads')} threads)"
        check_result(result, where)
        for peer in ("pthreadpool", "openmp", "tbb"):
            check(peer in result["baselines"], f"{where}: baseline {peer} is missing")
        counters = result["counters"]
        for name in events.split(","):
            check(name in counters, f"{where}: counter {name} is missing")
            if name in counters:
                check_counter(name, counters[name], result["threads"], where)
        if paranoid_level() <= 2:
            for name in ("perf::TASK-CLOCK", "perf::PAGE-FAULTS"):
                check(counters.get(name, {}).get("available") is True,
                      f"{where}: {name} must be counted with perf_event_paranoid <= 2")
            check(counters.get("perf::TASK-CLOCK", {}).get("total", 0) > 0,
                  f"{where}: perf::TASK-CLOCK counted nothing")
    return path


def check_csv(perf, work_dir):
    path = os.path.join(work_dir, "throughput.csv")
    code, out, err = run(perf, ["forkjoin", "--workloads", "throughput", "--repetitions", "2",
                                "--baseline", "openmp", "--report", path])
    check(code == 0, f"forkjoin throughput exited with {code}: {err[-500:]}")
    check("benchmark" in out and "GB/s" in out, "the table on stdout lacks its header or rate")
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    expected = ["benchmark", "params", "threads", "median_s", "min_s", "max_s", "spread",
                "repetitions", "gflops", "gbps", "baseline", "baseline_median_s", "speedup",
                "counters", "note"]
    with open(path, newline="") as file:
        header = next(csv.reader(file))
    check(header == expected, f"CSV header is {header}")
    check(len(rows) == 1, f"expected one CSV row (one baseline), got {len(rows)}")
    for row in rows:
        check(row["benchmark"] == "forkjoin.throughput", f"unexpected benchmark {row['benchmark']}")
        check(float(row["gbps"]) > 0, "gbps is not positive")
        check(row["baseline"] == "openmp", "the only baseline is not openmp")
        if row["baseline_median_s"]:
            check(float(row["speedup"]) > 0, "speedup is not positive")


def check_gemm(perf, work_dir):
    path = os.path.join(work_dir, "gemm.json")
    code, out, err = run(perf, ["gemm", "--sizes", "64", "--precision", "f32", "--repetitions", "2",
                                "--format", "json", "--report", path])
    if code == 2 and "not built" in err:
        print("gemm: " + err.strip())
        return
    check(code == 0, f"gemm exited with {code}: {err[-500:]}")
    with open(path) as file:
        result = json.load(file)["results"][0]
    check_result(result, "gemm")
    check(is_number(result.get("gflops")) and result["gflops"] > 0, "gemm has no gflops")
    check(0 < result["extras"].get("share_of_peak", 0), "gemm has no share_of_peak")


def check_usage_errors(perf):
    cases = [
        (["forkjoin", "--threads", "0"], "--threads"),
        (["forkjoin", "--threads", "1,x"], "'1,x'"),
        (["forkjoin", "--bogus"], "--bogus"),
        (["forkjoin", "--workloads", "empty,nope"], "'nope'"),
        (["forkjoin", "--format", "xml"], "'xml'"),
        (["forkjoin", "--baseline", "mkl"], "'mkl'"),
        (["forkjoin", "--repetitions"], "--repetitions"),
        (["gemm", "--sizes", "12y"], "'12y'"),
        (["topology", "--bind", "nowhere"], "'nowhere'"),
        (["topology", "--events", "none"], "--events"),
        (["topology", "--repetitions", "3"], "--repetitions"),
        (["forkjoin", "--spin-us", "abc"], "10000000"),
        (["forkjoin", "--spin-us", "10000001"], "'10000001'"),
        (["forkjoin", "--spin-us", "-2"], "'-2'"),
        (["gemm", "--sizes", "64", "--report", "/nonexistent-dir/x.json"], "/nonexistent-dir/x.json"),
        (["topology", "--report", "/nonexistent-dir/t.json"], "/nonexistent-dir/t.json"),
        (["plot", "r.json", "-o", "/nonexistent-dir/x.svg"], "/nonexistent-dir/x.svg"),
        (["nosuch"], "'nosuch'"),
        (["plot"], "REPORT"),
    ]
    for args, named in cases:
        code, out, err = run(perf, args)
        check(code == 2, f"{' '.join(args)}: exit status {code}, expected 2")
        check(named in err, f"{' '.join(args)}: the message does not name {named}: {err.strip()}")
        # A usage error stops before any run: no output and no progress
        # line ("numapool-perf: forkjoin empty on 1 threads ...").
        check(out == "" and re.search(r"^numapool-perf: \w+ .* on \d+ threads", err, re.M) is None,
              f"{' '.join(args)}: ran before the usage error: {(out + err)[:300]}")
    code, out, _ = run(perf, ["forkjoin", "--help"])
    check(code == 0 and "--threads" in out and "default" in out, "forkjoin --help lacks options or defaults")


def check_spin(perf):
    """--spin-us takes none, -1, 0 and up to the library's 10000000."""
    for value, expected in (("none", -1), ("-1", -1), ("0", 0), ("10000000", 10000000)):
        code, out, err = run(perf, ["forkjoin", "--workloads", "empty", "--threads", "1",
                                    "--repetitions", "1", "--warmup", "0", "--baseline", "none",
                                    "--events", "none", "--spin-us", value, "--format", "json"])
        check(code == 0, f"--spin-us {value}: exit status {code}: {err[-300:]}")
        if code == 0:
            spin = json.loads(out)["options"]["spin_us"]
            check(spin == expected, f"--spin-us {value}: options.spin_us is {spin}, expected {expected}")


def check_versions(report):
    versions = report["versions"]
    check(re.fullmatch(r"\d+\.\d+\.\d+", versions.get("hwloc_api", "")) is not None,
          f"versions.hwloc_api is not an API version: {versions.get('hwloc_api')!r}")
    if shutil.which("dpkg-query") is None:
        return
    package = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libhwloc15"],
                             capture_output=True, text=True)
    if package.returncode == 0 and package.stdout:
        check(versions.get("hwloc") == package.stdout,
              f"versions.hwloc is {versions.get('hwloc')!r}, the libhwloc15 package is {package.stdout!r}")


def check_topology_json(report, threads, where):
    for key in ("schema", "command", "machine", "versions", "options", "source", "domains",
                "memory_nodes", "distances", "pools"):
        check(key in report, f"{where}: field '{key}' is missing")
    check(report.get("schema") == "numapool-perf-topology/1", f"{where}: unexpected schema name")
    domains = report.get("domains", [])
    check(len(domains) >= 1, f"{where}: no domains")
    for domain in domains:
        check(all(key in domain for key in ("domain", "node", "memory_bytes", "cpus")),
              f"{where}: a domain lacks a field: {domain}")
        check(len(domain.get("cpus", [])) >= 1, f"{where}: domain without CPUs: {domain}")
    distances = report.get("distances", [])
    check(len(distances) == len(domains) and all(len(row) == len(domains) for row in distances),
          f"{where}: distances are not a {len(domains)} x {len(domains)} matrix: {distances}")
    check(all(distances[i][i] == 10 for i in range(min(len(distances), len(domains)))),
          f"{where}: the distance within a domain is not 10: {distances}")
    pools = report.get("pools", [])
    check([pool.get("threads") for pool in pools] == threads,
          f"{where}: pools have {[pool.get('threads') for pool in pools]} threads, expected {threads}")
    for pool in pools:
        workers = pool.get("workers", [])
        check(len(workers) == pool.get("threads"), f"{where}: {len(workers)} workers in a pool of {pool.get('threads')}")
        for index, worker in enumerate(workers):
            check(worker.get("thread") == index, f"{where}: worker {index} has thread {worker.get('thread')}")
            check(all(key in worker for key in ("domain", "node", "index_in_domain",
                                                 "threads_in_domain", "domain_count")),
                  f"{where}: worker {index} lacks a placement field: {worker}")
            check(0 <= worker.get("domain", -1) < len(domains), f"{where}: worker {index} has no valid domain")


def check_topology(perf, work_dir):
    path = os.path.join(work_dir, "topology.json")
    code, out, err = run(perf, ["topology", "--threads", "1,2", "--format", "json", "--report", path])
    check(code == 0, f"topology --format json exited with {code}: {err[-300:]}")
    report = json.loads(out)
    check_topology_json(report, [1, 2], "topology --format json")
    with open(path) as file:
        check(json.load(file)["pools"] == report["pools"], "topology: stdout and --report differ")
    check(report["source"]["from"] in ("machine", "NUMAPOOL_TOPOLOGY"),
          f"topology: unexpected source {report['source']}")

    csv_path = os.path.join(work_dir, "topology.csv")
    code, out, err = run(perf, ["topology", "--threads", "2", "--report", csv_path])
    check(code == 0 and out.startswith("machine: "), f"topology table exited with {code}: {err[-300:]}")
    with open(csv_path, newline="") as file:
        rows = list(csv.reader(file))
    check(rows[0] == ["threads", "thread", "domain", "node", "index_in_domain",
                      "threads_in_domain", "domain_count", "error"], f"topology CSV header is {rows[0]}")
    check([row[:2] for row in rows[1:]] == [["2", "0"], ["2", "1"]],
          f"topology CSV rows are not one per thread: {rows[1:]}")

    synthetic = "synthetic:pack:2 numa:1 core:2 pu:1"
    env = {"NUMAPOOL_TOPOLOGY": synthetic}
    code, out, err = run(perf, ["topology", "--threads", "2", "--format", "json"], env=env)
    check(code == 0, f"topology with NUMAPOOL_TOPOLOGY exited with {code}: {err[-300:]}")
    report = json.loads(out)
    check_topology_json(report, [2], "topology with NUMAPOOL_TOPOLOGY")
    check(report["source"] == {"from": "NUMAPOOL_TOPOLOGY", "value": synthetic, "simulated": True},
          f"topology with NUMAPOOL_TOPOLOGY: source is {report['source']}")
    check(len(report["domains"]) == 2, f"the synthetic topology has {len(report['domains'])} domains, not 2")
    check([worker["domain"] for worker in report["pools"][0]["workers"]] == [0, 1],
          "the 2 threads of the synthetic topology are not one per domain")
    description = report["pools"][0]["description"] or ""
    check("not bound" in description and "mapped onto" not in description,
          f"the simulated description names real CPUs: {description}")

    code, out, _ = run(perf, ["topology", "--threads", "2"], env=env)
    check(f"topology source: {synthetic} (from NUMAPOOL_TOPOLOGY)" in out,
          f"the topology table does not name NUMAPOOL_TOPOLOGY as the source: {out[:600]}")
    code, out, _ = run(perf, ["topology", "--topology", synthetic, "--threads", "2"])
    check(f"topology source: {synthetic} (from --topology)" in out,
          "the topology table does not name --topology as the source")

    code, out, _ = run(perf, ["topology", "--help"])
    check(code == 0, f"topology --help exited with {code}")
    for option in ("--threads", "--topology", "--bind", "--format", "--report"):
        check(option in out, f"topology --help lacks {option}")
    for option in ("--repetitions", "--warmup", "--events", "--baseline", "--spin-us"):
        check(option not in out, f"topology --help lists {option}, which does nothing there")


def check_plot_labels(perf, work_dir):
    """Underscores stay plain text and integral parameters are written in full."""
    if shutil.which("gnuplot") is None:
        return
    report = {"schema": "numapool-perf-report/1", "results": [
        {"benchmark": "forkjoin.throughput", "params": {"range": 1048576, "calls_per_sample": 1000},
         "threads": threads, "median_s": 0.002 / threads,
         "baselines": {"openmp": {"median_s": 0.003, "speedup": 1.5 * threads}}}
        for threads in (1, 2)]}
    path = os.path.join(work_dir, "labels.json")
    with open(path, "w") as file:
        json.dump(report, file)
    svg = os.path.join(work_dir, "labels.svg")
    code, out, err = run(perf, ["plot", path, "-o", svg])
    check(code == 0, f"plot of {path} exited with {code}: {err[-300:]}")
    check("<svg" not in out, "plot wrote SVG to stdout")
    with open(svg) as file:
        text = file.read()
    check("calls_per_sample=1000" in text, "the label calls_per_sample is not plain text in the SVG")
    check("range=1048576" in text, "range=1048576 is not written in full in the SVG")
    check("e+06" not in text, "the SVG has a number in exponent notation")


def check_plot(perf, report, work_dir):
    svg = os.path.join(work_dir, "forkjoin.svg")
    code, _, err = run(perf, ["plot", report, "-o", svg])
    if shutil.which("gnuplot") is None:
        check(code != 0 and "gnuplot-nox" in err, "plot without gnuplot does not say how to install it")
        return
    check(code == 0, f"plot exited with {code}: {err[-300:]}")
    with open(svg) as file:
        check("<svg" in file.read(), "the plot is not an SVG file")


def main():
    perf, work_dir = sys.argv[1], sys.argv[2]
    os.makedirs(work_dir, exist_ok=True)
    report = check_forkjoin_json(perf, work_dir)
    check_csv(perf, work_dir)
    check_gemm(perf, work_dir)
    check_usage_errors(perf)
    check_spin(perf)
    with open(report) as file:
        check_versions(json.load(file))
    check_topology(perf, work_dir)
    check_plot(perf, report, work_dir)
    check_plot_labels(perf, work_dir)
    if failures:
        print(f"perf reports: {len(failures)} checks failed")
        return 1
    print("perf reports: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
