#!/usr/bin/env python3
"""Compliance benchmark: how fast the engine checks cases, and what the live checklist costs a page.

    .venv/bin/python bench/compliance.py [--cases 100000] [--batch 1000]

One command, one run, two measurements, each against a baseline measured in the same run:

1. Checking N generated cases (default 100,000). The cases are the five profiles' exemplary
   bundles and defective variants of them (one defect per rule the engine checks), each made
   distinct (its own 案号) as JSON text, batch by batch; generating them is not timed. Three
   passes over the same texts: `json.loads` alone (the baseline: reading a bundle at all),
   `json.loads` + engine (what `lawtrail check BUNDLE.json` does per case), and
   `json.loads` + JSON-Schema validation + engine. Cases per second, the ratio to the baseline,
   and the process's peak RSS (the bundles are streamed, so it stays flat).
2. One case's live checklist on the case page: a case imported into a throw-away SQLite
   database, exported to a bundle and checked (what the case page does), median of 30; against
   `json.loads` + engine on the same bundle, and against rendering the whole case page.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NUMBER = "示劳监立〔2025〕第7号"


def _setup(data_dir: str) -> None:
    os.environ["LAWTRAIL_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _templates() -> list[tuple[str, str]]:
    """(profile id, bundle JSON) for every exemplary bundle and every single-rule defect of it."""
    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.defects import DEFECTS  # the same defects the test suite derives
    from lawtrail.compliance.engine import known_rules
    from lawtrail.compliance.samples import PROFILE_IDS
    from lawtrail.profiles.registry import get_profile

    out = []
    for pid in PROFILE_IDS:
        example = bundles.example(pid)
        out.append((pid, json.dumps(example, ensure_ascii=False)))
        for rid in get_profile(pid).rules:
            if rid in known_rules() and rid in DEFECTS:
                b = copy.deepcopy(example)
                DEFECTS[rid](b, get_profile(pid))
                out.append((pid, json.dumps(b, ensure_ascii=False)))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_cases(n: int, batch: int) -> None:
    import datetime as dt

    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.engine import BLOCKING, evaluate
    from lawtrail.profiles.registry import get_profile

    templates = _templates()
    profiles = {pid: get_profile(pid) for pid, _ in templates}
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    start_rss = rss_mb()
    timings = {"loads": 0.0, "engine": 0.0, "validated": 0.0}
    findings = blocking = 0
    done = 0
    while done < n:
        size = min(batch, n - done)
        texts = [(templates[(done + i) % len(templates)][0],
                  templates[(done + i) % len(templates)][1].replace(NUMBER, f"示劳监立〔2025〕第{done + i}号"))
                 for i in range(size)]
        t0 = time.perf_counter()
        for _, text in texts:
            json.loads(text)
        t1 = time.perf_counter()
        for pid, text in texts:
            found = evaluate(json.loads(text), profiles[pid], now=now)
            findings += len(found)
            blocking += any(f.severity == BLOCKING for f in found)
        t2 = time.perf_counter()
        for pid, text in texts:
            evaluate(bundles.validate(json.loads(text)), profiles[pid], now=now)
        t3 = time.perf_counter()
        timings["loads"] += t1 - t0
        timings["engine"] += t2 - t1
        timings["validated"] += t3 - t2
        done += size
    base = n / timings["loads"]
    print(f"== 1. checking {n:,} generated cases ({len(templates)} distinct bundles: 5 exemplary + "
          f"{len(templates) - 5} single-rule defects, each case with its own 案号)")
    print(f"{'json.loads only (baseline)':<40} {base:10,.0f} cases/s")
    for key, label in (("engine", "json.loads + engine"), ("validated", "json.loads + schema + engine")):
        rate = n / timings[key]
        print(f"{label:<40} {rate:10,.0f} cases/s   ×{base / rate:.1f} the baseline's time per case")
    print(f"{'findings':<40} {findings:10,d} ({blocking:,} cases with a blocking finding)")
    print(f"{'peak RSS':<40} {rss_mb():10.0f} MB (before the run {start_rss:.0f} MB)")


def bench_page(data_dir: str) -> None:
    from django.core.management import call_command
    from django.test import Client

    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.actions import do_import_bundle
    from lawtrail.compliance.engine import evaluate
    from lawtrail.compliance.queries import case_findings
    from lawtrail.lib import timez
    from lawtrail.profiles.registry import get_profile
    from lawtrail.testing.personas import build_world

    call_command("migrate", interactive=False, verbosity=0)
    world = build_world()
    example = bundles.example("labor-inspection")
    example["case"]["unit"] = world.unit_a.name
    case = do_import_bundle(copy.deepcopy(example), actor=world.root)
    text = json.dumps(example, ensure_ascii=False)
    profile = get_profile("labor-inspection")

    def median_ms(fn: Any, runs: int = 30) -> float:
        fn()
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples)

    live = median_ms(lambda: case_findings(case))
    pure = median_ms(lambda: evaluate(json.loads(text), profile, now=timez.now()))
    loads = median_ms(lambda: json.loads(text))
    client = Client()
    client.force_login(world.alice)
    page = median_ms(lambda: client.get(f"/cases/{case.pk}/"), runs=10)
    print(f"\n== 2. one case's live checklist (case {case.number}: {len(example['documents'])} documents, "
          f"{len(example['media'])} recordings, {len(example['services'])} services)")
    print(f"{'json.loads of its bundle (baseline)':<40} {loads:8.2f} ms")
    print(f"{'json.loads + engine':<40} {pure:8.2f} ms")
    print(f"{'export from the database + engine':<40} {live:8.2f} ms   ×{live / loads:.0f} the baseline")
    print(f"{'the whole case page (GET, checklist in)':<40} {page:8.2f} ms   checklist = {live / page:.0%} of it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp)
        bench_cases(args.cases, args.batch)
        bench_page(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
