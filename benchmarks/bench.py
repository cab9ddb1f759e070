"""How much rpc-version-lint costs on a tree the size of Nova.

    python benchmarks/bench.py [--repeat 5] [--release nova==34.0.0]

Unpacks the release from the package index (cached, as the realworld tests
do) and measures, side by side in one run, alternating, each repetition
running every measurement once, reporting medians:

  (a) flake8 --jobs=1 with the default plugins (this plugin hidden)
  (b) the same with this plugin loaded and RPC selected
  (c) rpc-version-lint over the whole tree, default rules, no base
  (c') the same on a git copy of the tree with --base HEAD~1, the commit
       under review changing a file that holds no RPC API (compute/api.py,
       as most commits do)
  (c") the same with --base HEAD~2: the change also edits a method of the
       largest RPC file, compute/manager.py (the worst case: that file is
       parsed again at the base)
  (d) the floor: reading and ast.parse-ing every Python file of the tree

It prints the ratios b/a, c/d, c'/c and c"/c, how many files passed the
pre-filter, how many expressions went to astroid, and the peak memory of
(c). The ratios use CPU time (user + system) of each run, which a busy or
shared machine disturbs far less than wall-clock time (both are printed);
interpreter start-up is included for every measurement alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

import releases  # noqa: E402

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


def timed(command, cwd):
    """(wall seconds, CPU seconds, process) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
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
    result = engine.analyze(tree, package, Config(base=None),
                            rules.enabled_codes())
    head = result.head
    return {"python files": sum(1 for _, _, fs in os.walk(
                os.path.join(tree, package)) for f in fs
                if f.endswith(".py")),
            "passed the pre-filter": head.scanned,
            "sent to astroid": head.inference_calls,
            "resolved by astroid": head.inferred}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--release", default="nova==34.0.0")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    project, version = args.release.split("==")
    tree = releases.release_tree(project, version)
    repo = git_copy(tree, project)
    py = sys.executable
    runs = {
        "a": ([py, "-c", HIDDEN, "--jobs=1", project], tree),
        "b": ([py, "-m", "flake8", "--jobs=1", "--extend-select", "RPC",
               project], tree),
        "c": ([py, "-c", PEAK, "-q", "--base", "none", project], tree),
        "c'": ([py, "-c", PEAK, "-q", "--base", "HEAD~1", project], repo),
        'c"': ([py, "-c", PEAK, "-q", "--base", "HEAD~2", project], repo),
        "d": ([py, "-c", FLOOR, project], tree),
    }
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    peak = []
    for _ in range(args.repeat):
        for name, (command, cwd) in runs.items():
            elapsed, used, proc = timed(command, cwd)
            wall[name].append(elapsed)
            cpu[name].append(used)
            if name == "c":
                peak.append(int(proc.stderr.strip().splitlines()[-1]))
    med = {name: statistics.median(values) for name, values in cpu.items()}
    med_wall = {name: statistics.median(values)
                for name, values in wall.items()}
    report = {
        "release": args.release,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "median_cpu_s": {k: round(v, 3) for k, v in med.items()},
        "median_wall_s": {k: round(v, 3) for k, v in med_wall.items()},
        "b/a": round(med["b"] / med["a"], 3),
        "c/d": round(med["c"] / med["d"], 3),
        "c'/c": round(med["c'"] / med["c"], 3),
        'c"/c': round(med['c"'] / med["c"], 3),
        "peak_memory_c_mb": round(max(peak) / 1024, 1),
        **counts(tree, project),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.release}, {args.repeat} alternating repetitions, "
          f"{report['cpus']} CPUs, Python {report['python']}")
    labels = {"a": "flake8 --jobs=1, default plugins",
              "b": "flake8 --jobs=1, with rpc-version-lint",
              "c": "rpc-version-lint, whole tree, no base",
              "c'": "... --base HEAD~1 (no RPC file changed)",
              'c"': "... --base HEAD~2 (compute/manager.py changed)",
              "d": "floor: read + ast.parse every file"}
    print(f"  {'':49} {'CPU s':>8} {'wall s':>8}")
    for name, label in labels.items():
        print(f"  ({name}) {label:45} {med[name]:8.3f} "
              f"{med_wall[name]:8.3f}")
    print(f"  b/a  = {report['b/a']:.3f}   (target <= 1.03)")
    print(f"  c/d  = {report['c/d']:.3f}   (target <= 0.35)")
    typical, worst = report["c'/c"], report['c"/c']
    print(f"  c'/c = {typical:.3f}   (target < 1.20)")
    print(f'  c"/c = {worst:.3f}   (the same, worst case)')
    print(f"  peak memory of (c): {report['peak_memory_c_mb']} MB "
          f"(target < 200)")
    for key in ("python files", "passed the pre-filter", "sent to astroid",
                "resolved by astroid"):
        print(f"  {key}: {report[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
