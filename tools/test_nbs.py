#!/usr/bin/env python
"""Run every notebook's tests and end with a line `N passed, N failed`.

By default this is tools/run_nbs.py in test mode: each notebook runs in a real `python3` Jupyter kernel (IPython
history, display hooks, inline figures), with nbdev's rules for which cells run (`tst_flags` skipped, `#| eval:
false` never). `--nbdev` runs nbdev's own `test_nb` instead (a bare exec shell without IPython history: faster to
start, but blind to a name like `_i32` that IPython overwrites).
Usage: python tools/test_nbs.py [--flags "slow cuda"] [--path nbs/10_backbone.ipynb] [--n_workers 2] [--nbdev]
"""
import argparse, os, sys, time
from pathlib import Path

def nbdev_main(a):
    "The previous runner: nbdev.test.test_nb on every notebook, in parallel."
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
    skip, force = cfg.tst_flags.split(), a.flags.split()
    files = sorted({f.absolute() for p in (a.path or [None]) for f in nbglob(p, as_path=True)})
    if not files: print('0 passed, 0 failed'); return 1
    t0 = time.time()
    os.chdir(cfg.nbs_path)
    res = parallel(test_nb, files, skip_flags=skip, force_flags=force, n_workers=n_workers if len(files) > 1 else 0,
                   basepath=cfg.config_path, pause=0.01)
    ok = [r[0] for r in res]
    for f, (p, t) in zip(files, res): print(f"{'PASS' if p else 'FAIL'} {t:7.1f}s  {f.name}")
    print(f'tests took {time.time() - t0:.0f}s (nbdev test_nb); flags: {" ".join(force) or "(none)"}')
    print(f'{sum(ok)} passed, {len(ok) - sum(ok)} failed')
    return 0 if all(ok) else 1

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--flags', default='', help='space-separated test flags to run that are skipped by default')
    ap.add_argument('--path', nargs='*', default=None, help='notebooks or globs (default: every notebook in nbs/)')
    ap.add_argument('--n_workers', type=int, default=None, help='parallel notebooks (default: number of cores, at most 4)')
    ap.add_argument('--nbdev', action='store_true', help="use nbdev's test_nb (no real kernel) instead of tools/run_nbs.py")
    a = ap.parse_args()
    if a.nbdev: return nbdev_main(a)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run_nbs import main as run_main
    argv = ['--flags', a.flags] + (['--path', *a.path] if a.path else []) + (['--n_workers', str(a.n_workers)] if a.n_workers else [])
    return run_main(argv)

if __name__ == '__main__': sys.exit(main())
