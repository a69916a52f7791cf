"""Check the merged report of numapool-perf gemm --mpi on 2 ranks."""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as handle:
    report = json.load(handle)

results = [r for r in report["results"] if r["benchmark"].startswith("gemm_mpi.")]
benchmarks = sorted({r["benchmark"] for r in results})
if benchmarks != ["gemm_mpi.f32", "gemm_mpi.f64"]:
    sys.exit(f"expected f32 and f64 results, found {benchmarks}")
if len(results) != 4:
    sys.exit(f"expected 4 results (2 sizes x 2 precisions), found {len(results)}")
for result in results:
    extras = result.get("extras", {})
    for key in ("rank0_median_s", "rank1_median_s"):
        if not extras.get(key, 0) > 0:
            sys.exit(f"{result['benchmark']} {result['params']}: {key} missing or not positive")
    if extras.get("wrong_entries") != 0:
        sys.exit(f"{result['benchmark']} {result['params']}: wrong_entries is "
                 f"{extras.get('wrong_entries')}")
    if result["params"].get("ranks") != 2:
        sys.exit(f"params.ranks is {result['params'].get('ranks')}, expected 2")
    for key in ("median_s", "min_s", "gflops"):
        if not result.get(key, 0) > 0:
            sys.exit(f"{result['benchmark']}: {key} missing or not positive")
print(f"merged MPI report: {len(results)} results checked")
