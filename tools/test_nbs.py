#!/usr/bin/env python
"""Run every notebook's tests the way `nbdev_test` does, and end with a line `N passed, N failed`.

nbdev_test prints only `Success.`; this prints one line per notebook (status, seconds) and the counts.
Usage: python tools/test_nbs.py [--flags "slow cuda"] [--path nbs/10_backbone.ipynb] [--n_workers 2]
"""
import argparse, os, sys, time
from pathlib import Path

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--flags', default='', help='space-separated test flags to run that are skipped by default')
    ap.add_argument('--path', default=None, help='a notebook or a glob (default: every notebook in nbs/)')
    ap.add_argument('--n_workers', type=int, default=None, help='parallel notebooks (default: number of cores, at most 4)')
    a = ap.parse_args()
    # Several notebooks run at once: give each worker its share of the cores (set before torch is imported).
    ncpu = os.cpu_count() or 1
    n_workers = a.n_workers or min(ncpu, 4)
    os.environ.setdefault('OMP_NUM_THREADS', str(max(1, ncpu // n_workers)))
    os.environ.setdefault('MKL_NUM_THREADS', os.environ['OMP_NUM_THREADS'])
    os.environ.setdefault('HAF_PROGRESS', '0')
    os.environ.setdefault('MPLBACKEND', 'Agg')
    from fastcore.parallel import parallel
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    from nbdev.test import test_nb
    cfg = get_config()
    skip = cfg.tst_flags.split()
    force = a.flags.split()
    files = sorted(f.absolute() for f in nbglob(a.path, as_path=True))
    if not files: print('0 passed, 0 failed'); return 1
    t0 = time.time()
    os.chdir(cfg.nbs_path)
    res = parallel(test_nb, files, skip_flags=skip, force_flags=force, n_workers=n_workers if len(files) > 1 else 0,
                   basepath=cfg.config_path, pause=0.01)
    ok = [r[0] for r in res]
    for f, (p, t) in zip(files, res): print(f"{'PASS' if p else 'FAIL'} {t:7.1f}s  {f.name}")
    since = f", {time.time() - int(os.environ['HAF_CI_START']):.0f}s since CI start" if os.environ.get('HAF_CI_START') else ''
    print(f'tests took {time.time() - t0:.0f}s{since}; flags: {" ".join(force) or "(none)"}')
    print(f'{sum(ok)} passed, {len(ok) - sum(ok)} failed')
    return 0 if all(ok) else 1

if __name__ == '__main__': sys.exit(main())
