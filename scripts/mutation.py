"""Mutation testing of the NumPy core with mutmut 3: run it, then print the score of each module.

    python scripts/mutation.py                       # every module below, one after the other
    python scripts/mutation.py spectral embedding    # only these (a quicker run)
    python scripts/mutation.py --report              # no run: the table of the last results in mutants/
    python scripts/mutation.py --report --survivors  # ... and the surviving mutants by name
    python scripts/mutation.py --rerun-survivors audio_io  # only the mutants the last run did not kill

mutmut is configured in pyproject.toml ([tool.mutmut]); docs/mutation.md says what the scores mean and
explains the surviving mutants. Each module is run as ``mutmut run --max-children N 'genre_gui.core.X.*'``,
which tests every mutant of that module again (mutmut keeps the results of mutants it was not asked about).
The first run of a fresh mutants/ folder also runs the selected tests once to record which test covers which
function. The score is (killed + timeout) / (mutants - skipped), mutmut's own badge formula, over the
mutants checked so far; "no tests" mutants count against it. Too slow for CI: run it by hand
(``make mutation``) before resolving.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 90.0

# name -> the mutated path (as in [tool.mutmut] only_mutate); its mutants are named after its dotted form
MODULES: dict[str, str] = {
    "embedding": "genre_gui/core/embedding",
    "spectral": "genre_gui/core/spectral.py",
    "audio_io": "genre_gui/core/audio_io.py",
    "evaluation": "genre_gui/core/evaluation",
    "models": "genre_gui/core/models",
    "features": "genre_gui/core/features",
    "explain": "genre_gui/core/explain.py",
    "tags": "genre_gui/core/tags.py",
    "experiment": "genre_gui/core/experiment.py",
    "library": "genre_gui/core/library.py",
}

try:  # the installed mutmut's own exit code -> status table
    from mutmut.stats import status_by_exit_code
except ImportError:  # mutmut 3.8's, so that --report works without it
    status_by_exit_code = {
        1: "killed", 3: "killed", 0: "survived", 5: "no tests", 2: "check was interrupted by user",
        None: "not checked", 33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout",
        37: "caught by type check", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
        -11: "segfault", -9: "segfault"}
DETECTED = ("killed", "timeout", "segfault", "caught by type check")


def status_of(exit_code: int | None) -> str:
    status = status_by_exit_code.get(exit_code, "suspicious")
    return "interrupted" if status == "check was interrupted by user" else status


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def shared_data() -> Path:
    """../shared/data beside the project: inside mutants/ the tests' default would miss it."""
    return (ROOT.parent / "shared" / "data").resolve()


#: native thread pools off in the mutant runs. mutmut forks every mutant's test run from a server process that
#: already ran tests; a libgomp (OpenMP) thread team does not survive fork, so the first OpenMP region in the
#: child (scikit-learn's k-NN, the oracle of several tests) waits forever at its barrier. Every mutant whose
#: tests reach one then "times out" instead of surviving: 10 of evaluation's survivors did. One thread each
#: also keeps the run from spreading over the cores the other users of the machine need.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def mutmut_env() -> dict[str, str]:
    return dict(os.environ, GENRE_GUI_SHARED_DATA=str(shared_data()), **SINGLE_THREADED)


def load_results(name: str) -> dict[str, tuple[str, float]]:
    """mutant name -> (status, seconds its tests took) for one module, from mutmut's .meta files."""
    target = ROOT / "mutants" / MODULES[name]
    if target.is_dir():
        metas = sorted(target.rglob("*.py.meta"))
    else:
        metas = [target.with_name(target.name + ".meta")]
    out: dict[str, tuple[str, float]] = {}
    for meta in metas:
        if not meta.exists():
            continue
        data = json.loads(meta.read_text())
        durations = data.get("durations_by_key", {})
        for key, code in data["exit_code_by_key"].items():
            out[key] = (status_of(code), float(durations.get(key) or 0.0))
    return out


def summarize(name: str) -> dict[str, float | int | str]:
    results = load_results(name)
    counts = Counter(status for status, _ in results.values())
    total = len(results)
    detected = sum(counts[status] for status in DETECTED)
    not_checked = counts["not checked"] + counts["interrupted"]
    tested = total - counts["skipped"] - not_checked  # an interrupted run scores what it checked
    score = 100.0 * detected / tested if tested else 0.0
    if not tested:
        verdict = "not run"
    elif not_checked:
        verdict = "incomplete"
    else:
        verdict = "ok" if score >= TARGET else f"BELOW {TARGET:.0f} %"
    return {
        "module": name, "mutants": total, "killed": counts["killed"], "survived": counts["survived"],
        "timeout": counts["timeout"] + counts["segfault"], "suspicious": counts["suspicious"],
        "no tests": counts["no tests"], "not checked": not_checked,
        "score": score, "verdict": verdict, "test s": sum(seconds for _, seconds in results.values()),
    }


def print_table(names: list[str], wall: dict[str, float]) -> None:
    cols = ["module", "mutants", "killed", "survived", "timeout", "suspicious", "no tests", "not checked",
            "score", "target", "test s", "wall s"]
    rows = []
    for name in names:
        s = summarize(name)
        score = "-" if s["verdict"] == "not run" else f"{s['score']:.1f} %"
        rows.append([name, *(str(s[c]) for c in cols[1:8]), score, str(s["verdict"]),
                     f"{s['test s']:.0f}", f"{wall[name]:.0f}" if name in wall else "-"])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    print(f"score = (killed + timeout) / (mutants - skipped); target >= {TARGET:.0f} % per module. "
          "test s: the seconds the mutants' tests took (summed over workers); wall s: this run.")


def print_survivors(names: list[str]) -> None:
    for name in names:
        left = {key: st for key, (st, _) in load_results(name).items() if st not in DETECTED}
        if not left:
            continue
        print(f"\n{name}: {len(left)} not killed (see one with `mutmut show NAME`)")
        for key, status in sorted(left.items()):
            print(f"  {status:12} {key}")


def survivors(name: str) -> list[str]:
    """The mutants of a module the last results did not kill: survived, suspicious, no tests, not checked,
    and timed out (a mutant that timed out on a busy machine may be a survivor: see timeout_constant)."""
    results = load_results(name)
    return sorted(key for key, (status, _) in results.items() if status not in ("killed", "skipped"))


def run_module(name: str, max_children: int, only: list[str] | None = None) -> float:
    """``mutmut run`` on every mutant of a module, or on the mutants named in ``only``."""
    mutmut = Path(sys.executable).with_name("mutmut")
    if not mutmut.exists():
        sys.exit(f"{mutmut} is missing: make mutation installs it (pip install -e '.[test,mutation]')")
    targets = only if only is not None else [dotted(MODULES[name]) + ".*"]
    cmd = [str(mutmut), "run", "--max-children", str(max_children), *targets]
    shown = cmd if len(cmd) < 12 else [*cmd[:9], f"... ({len(targets)} mutants)"]
    print(f"== {name}: {' '.join(shown)}", flush=True)
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, env=mutmut_env())
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"mutmut run for {name} failed (exit code {done.returncode})")
    print(f"== {name}: {elapsed:.0f} s", flush=True)
    return elapsed


# -- the pytest plugin mutmut's test runs load (pytest_add_cli_args "-p scripts.mutation" in [tool.mutmut]) --
def pytest_runtest_setup(item) -> None:
    """Empty every memo cache (``functools.lru_cache``) of genre_gui's modules before each test.

    mutmut records which tests call each function in one pytest session, and forks the mutant runs from a
    process that already ran the tests. A function called only inside a cached one (``MusicnnNetwork``
    through ``get_network``, ``mel_to_hz`` through the mel filterbank) would then be seen by the first
    test only, and its mutants would run with the cache already filled by the unmutated code.
    """
    for name, module in list(sys.modules.items()):
        if name == "genre_gui" or name.startswith("genre_gui."):
            for value in list(vars(module).values()):
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules to run (default: all): {', '.join(MODULES)}")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--report", action="store_true", help="no run: print the last results in mutants/")
    parser.add_argument("--survivors", action="store_true", help="also list the mutants not killed")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="test again only the mutants the last results did not kill (after adding tests)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}: choose from {', '.join(MODULES)}")
    names = args.modules or list(MODULES)
    if not shared_data().is_dir():
        print(f"warning: {shared_data()} is missing: the tests that need it are skipped", file=sys.stderr)
    wall: dict[str, float] = {}
    if not args.report:
        for name in names:
            only = survivors(name) if args.rerun_survivors else None
            if only == []:
                print(f"== {name}: no surviving mutant to test again", flush=True)
                continue
            wall[name] = run_module(name, args.max_children, only)
        print()
    print_table(names, wall)
    if args.survivors:
        print_survivors(names)


if __name__ == "__main__":
    main()
