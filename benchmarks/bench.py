"""How much rpc-version-lint costs on trees the size of Nova and Neutron.

    python benchmarks/bench.py [--repeat 5] [--release nova==34.0.0 ...]

Unpacks each release from the package index (cached, as the realworld
tests do) and measures, side by side in one run, alternating (each
repetition runs every measurement once), keeping the minimum CPU time
(user + system) of each -- the least disturbed by a busy machine; the
wall-clock minimum is printed too:

  (a)  flake8 --jobs=1 on the non-test modules, this plugin hidden
  (b)  the same with this plugin loaded and RPC selected, snapshots kept
       from the previous run reused (a developer's second run)
  (b0) the same, nothing reused (a fresh CI machine)
  (c)  rpc-version-lint over the whole tree, default rules, no base,
       nothing reused
  (cw) the same, reusing the snapshot kept by the previous run
  (d)  the floor: reading and ast.parse-ing every Python file of the tree

and, for nova, on a git copy of the tree, nothing reused:

  (c')  --base HEAD~1, the commit under review changing a file that holds
        no RPC API (compute/api.py, as most commits do)
  (c")  --base HEAD~2: the change also edits a method of the largest RPC
        file, compute/manager.py (that file is parsed again at the base)

It prints b/a, b0/a, c/d, cw/d, c'/c and c"/c, how many files passed the
pre-filter, how many expressions went to astroid, and the peak memory of
(c).  Interpreter start-up is included for every measurement alike; the
package is byte-compiled first, as an installed wheel is.

Then the seconds of the command on code built to make it crawl
(tests/robustness/hostile.py): helpers calling helpers eight deep, an
elif chain of 500 guards, 2**12 unrelated branches before the client is
built, 2,000 clients and 2,000 servers in one file. Each should take
under two seconds.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

import releases  # noqa: E402
from robustness import hostile  # noqa: E402

# flake8 skips a distribution it lists as banned: that hides this plugin
# for (a) without uninstalling it.
HIDDEN = ("import sys, flake8.plugins.finder as f; "
          "f.BANNED_PLUGINS['rpc-version-lint'] = '0'; "
          "from flake8.main.cli import main; sys.exit(main())")
FLOOR = """
import ast, os, sys, warnings
warnings.simplefilter("ignore")
for directory, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".py"):
            with open(os.path.join(directory, name), "rb") as handle:
                try:
                    ast.parse(handle.read())
                except (SyntaxError, ValueError):
                    pass
"""
PEAK = ("import resource, sys; from rpc_version_lint.cli import main; "
        "code = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
        "file=sys.stderr); sys.exit(code)")
CACHE = "RPC_VERSION_LINT_CACHE"
LABELS = {
    "a": "flake8 --jobs=1 (non-test modules), plugin hidden",
    "b": "... with rpc-version-lint, snapshot reused",
    "b0": "... with rpc-version-lint, nothing reused",
    "c": "rpc-version-lint, whole tree, nothing reused",
    "cw": "rpc-version-lint, whole tree, snapshot reused",
    "c'": "... --base HEAD~1 (no RPC file changed)",
    'c"': "... --base HEAD~2 (compute/manager.py changed)",
    "d": "floor: read + ast.parse every file",
}


def timed(command, cwd, env):
    """(wall seconds, CPU seconds, process) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime
           + after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}\n{proc.stderr}")
    return elapsed, cpu, proc


def git_copy(tree: str, package: str) -> str:
    """A git repository holding the tree, then a commit changing a method
    of the compute manager (an RPC file), then one changing the compute
    API module (not an RPC file)."""
    target = tree + "-git2"
    if os.path.isdir(os.path.join(target, ".git")):
        return target
    shutil.copytree(tree, target, dirs_exist_ok=True)

    def git(*args):
        subprocess.run(["git", *args], cwd=target, check=True,
                       capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "bench@example.invalid")
    git("config", "user.name", "bench")
    git("add", "-A")
    git("commit", "-q", "-m", "release")
    manager = os.path.join(target, package, "compute", "manager.py")
    with open(manager, encoding="utf-8") as handle:
        text = handle.read()
    text = text.replace("    def detach_volume(self, context, ",
                        "    def detach_volume(self, context, "
                        "# changed\n            ", 1)
    with open(manager, "w", encoding="utf-8") as handle:
        handle.write(text)
    git("commit", "-q", "-am", "Touch the compute manager")
    api = os.path.join(target, package, "compute", "api.py")
    with open(api, "a", encoding="utf-8") as handle:
        handle.write("\n# a change that holds no RPC API\n")
    git("commit", "-q", "-am", "Touch the compute API module")
    return target


def counts(tree: str, package: str) -> dict:
    from rpc_version_lint import engine, rules
    from rpc_version_lint.config import Config
    result = engine.analyze(tree, package, Config(base=None, cache=False),
                            rules.enabled_codes())
    head = result.head
    return {"python files": sum(1 for _, _, fs in os.walk(
                os.path.join(tree, package)) for f in fs
                if f.endswith(".py")),
            "passed the pre-filter": head.scanned,
            "sent to astroid": head.inference_calls,
            "resolved by astroid": head.inferred}


def measure(release: str, repeat: int, kept: str) -> dict:
    project, version = release.split("==")
    tree = releases.release_tree(project, version)
    py = sys.executable
    cold = dict(os.environ, **{CACHE: "off"})
    warm = dict(os.environ, **{CACHE: kept})
    flake8 = ["--jobs=1", "--extend-exclude=tests", project]
    runs = {
        "a": ([py, "-c", HIDDEN, *flake8], tree, cold),
        "b": ([py, "-m", "flake8", "--extend-select", "RPC", *flake8],
              tree, warm),
        "b0": ([py, "-m", "flake8", "--extend-select", "RPC", *flake8],
               tree, cold),
        "c": ([py, "-c", PEAK, "-q", "--base", "none", project], tree,
              cold),
        "cw": ([py, "-c", PEAK, "-q", "--base", "none", project], tree,
               warm),
        "d": ([py, "-c", FLOOR, project], tree, cold),
    }
    if os.path.isfile(os.path.join(tree, project, "compute", "manager.py")):
        repo = git_copy(tree, project)
        runs["c'"] = ([py, "-c", PEAK, "-q", "--base", "HEAD~1", project],
                      repo, cold)
        runs['c"'] = ([py, "-c", PEAK, "-q", "--base", "HEAD~2", project],
                      repo, cold)
    for name in ("b", "cw"):  # what a previous run kept
        timed(*runs[name])
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    peak = []
    for _ in range(repeat):
        for name, (command, cwd, env) in runs.items():
            elapsed, used, proc = timed(command, cwd, env)
            wall[name].append(elapsed)
            cpu[name].append(used)
            if name == "c":
                peak.append(int(proc.stderr.strip().splitlines()[-1]))
    low = {name: min(values) for name, values in cpu.items()}
    report = {
        "release": release,
        "min_cpu_s": {k: round(v, 3) for k, v in low.items()},
        "min_wall_s": {k: round(min(v), 3) for k, v in wall.items()},
        "b/a": round(low["b"] / low["a"], 3),
        "b0/a": round(low["b0"] / low["a"], 3),
        "c/d": round(low["c"] / low["d"], 3),
        "cw/d": round(low["cw"] / low["d"], 3),
        "peak_memory_c_mb": round(max(peak) / 1024, 1),
        **counts(tree, project),
    }
    if "c'" in low:
        report["c'/c"] = round(low["c'"] / low["c"], 3)
        report['c"/c'] = round(low['c"'] / low["c"], 3)
    return report


HOSTILE = {
    "helpers calling helpers, 8 deep, 8 calls each":
        lambda: hostile.helpers(8),
    "an elif chain of 500 guards": lambda: hostile.guards(500),
    "2**12 unrelated branches in __init__":
        lambda: hostile.unrelated_branches(12),
    "2,000 clients and 2,000 servers in one file":
        lambda: hostile.many_apis(2000),
}


def hostile_seconds(repeat: int) -> dict:
    """case -> (min wall s, min CPU s) of the command on it."""
    env = {**os.environ, CACHE: "off"}
    found = {}
    with tempfile.TemporaryDirectory() as top:
        for number, (case, source) in enumerate(HOSTILE.items()):
            package = os.path.join(top, str(number), "fleet")
            os.makedirs(package)
            open(os.path.join(package, "__init__.py"), "w").close()
            with open(os.path.join(package, "rpcapi.py"), "w") as handle:
                handle.write(source())
            runs = [timed([sys.executable, "-m", "rpc_version_lint",
                           "--base", "none", "-q", "."],
                          os.path.dirname(package), env)[:2]
                    for _ in range(repeat)]
            found[case] = (min(w for w, _ in runs), min(c for _, c in runs))
    return found


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--release", action="append",
                   help="name==version (repeatable; default nova 34.0.0 "
                        "and neutron 29.0.0)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    wanted = args.release or ["nova==34.0.0", "neutron==29.0.0"]
    # Byte-compiled, as pip leaves an installed wheel: where
    # PYTHONDONTWRITEBYTECODE is set, every run would compile the package
    # again (0.15 s), a cost no user pays.
    compileall.compile_dir(os.path.join(HERE, "..", "rpc_version_lint"),
                           quiet=1)
    with tempfile.TemporaryDirectory() as kept:
        reports = [measure(r, args.repeat, os.path.join(kept, r))
                   for r in wanted]
    crawl = hostile_seconds(args.repeat)
    if args.json:
        print(json.dumps({"repeat": args.repeat, "cpus": os.cpu_count(),
                          "python": sys.version.split()[0],
                          "releases": reports,
                          "hostile": {case: {"wall_s": round(w, 3),
                                             "cpu_s": round(c, 3)}
                                      for case, (w, c) in crawl.items()}},
                         indent=2))
        return 0
    print(f"{args.repeat} alternating repetitions, minimum of each, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for report in reports:
        print(f"\n{report['release']}")
        print(f"  {'':57} {'CPU s':>8} {'wall s':>8}")
        for name, label in LABELS.items():
            if name in report["min_cpu_s"]:
                print(f"  ({name}) {label:52} "
                      f"{report['min_cpu_s'][name]:8.3f} "
                      f"{report['min_wall_s'][name]:8.3f}")
        print(f"  b/a  = {report['b/a']:.3f}   (target <= 1.03)")
        print(f"  b0/a = {report['b0/a']:.3f}")
        print(f"  c/d  = {report['c/d']:.3f}   (target <= 0.35)")
        print(f"  cw/d = {report['cw/d']:.3f}")
        if "c'/c" in report:
            typical, worst = report["c'/c"], report['c"/c']
            print(f"  c'/c = {typical:.3f}")
            print(f'  c"/c = {worst:.3f}')
        print(f"  peak memory of (c): {report['peak_memory_c_mb']} MB")
        for key in ("python files", "passed the pre-filter",
                    "sent to astroid", "resolved by astroid"):
            print(f"  {key}: {report[key]}")
    print(f"\ncode built to make it crawl (target < 2 s each)"
          f"\n  {'':57} {'CPU s':>8} {'wall s':>8}")
    for case, (wall, cpu) in crawl.items():
        print(f"  {case:61} {cpu:8.3f} {wall:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
