#!/usr/bin/env python
"""Execute the notebooks in a real Jupyter kernel, one line per notebook, ending with `N passed, N failed`.

Each notebook runs top to bottom in its own `python3` kernel (cwd = nbs/, the repository root first on
PYTHONPATH), like a reader running it in Jupyter: IPython's history variables (`_i3`, `_`, `Out`, ...), display
hooks and the inline matplotlib backend are all there, which nbdev's `test_nb` (a bare exec shell) does not have.
Which cells run is decided by nbdev's own directive parser, exactly as `nbdev_test` decides it: cells flagged with
one of settings.ini's `tst_flags` (`#| slow`, `#| cuda`, `#| notest`) are skipped unless named in `--flags`,
`#| eval: false` cells and `nbdev_export()` calls never run, and a notebook whose front matter says
`skip_exec: true` is not run at all.

Modes
  test (default)  outputs are discarded; what `make test` runs (and so CI).
  --write         the executed notebooks are written back in place with their outputs (skipped cells keep the
                  output), then `nbdev_clean` strips execution counts and metadata; what `make notebooks` runs.
                  Figures are embedded as image/png (matplotlib's inline backend; MPLBACKEND is set to it); a
                  PNG over 150 kB is stored as a 256-colour PNG so that the repository stays small.
                  A notebook that fails is left unchanged.
  --selftest      checks this runner on temporary notebooks (the IPython-history case nbdev's runner misses).

Scheduling: notebooks start longest first (their CPU seconds from the last full run, `tools/nb_costs.json`, written
by `--record-costs`; a notebook not listed there counts as the median), so that no long notebook starts last
while the other workers idle; results print as they finish. One worker more than there are cores: a kernel that
waits (starting, reading files) leaves its core to another.

Usage: python tools/run_nbs.py [--path nbs/12_asf.ipynb ...] [--flags "slow cuda"] [--n_workers 3] [--write]
                               [--record-costs]
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COSTS = ROOT / 'tools' / 'nb_costs.json'   # notebook name -> kernel CPU seconds of its last full test run
INLINE = 'module://matplotlib_inline.backend_inline'
_ansi = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')

def cells_to_skip(path, nb, skip_flags, force_flags) -> tuple[set[int], bool]:
    "Indices of the code cells nbdev_test would not run, and whether the whole notebook is `skip_exec`."
    import copy
    from nbdev.process import nb_lang
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor
    from fastcore.basics import str2bool
    from execnb.nbio import dict2nb
    flags = set(skip_flags) - set(force_flags)
    # front matter (skip_exec, non-python notebooks) the way nbdev.test.test_nb reads it
    nbp = NBProcessor(path, procs=FrontmatterProc, process=True).nb
    fm = getattr(nbp, 'frontmatter_', {}) or {}
    if str2bool(fm.get('skip_exec', False)) or nb_lang(nbp) != 'python': return set(), True
    skip = set()
    parsed = NBProcessor(nb=dict2nb(copy.deepcopy(dict(nb))), rm_directives=False).nb.cells   # same indices as nb.cells
    for i, (c, p) in enumerate(zip(nb.cells, parsed)):
        if c.cell_type != 'code': continue
        if 'nbdev_export' + '(' in p.source: skip.add(i); continue     # the rules of nbdev.test.test_nb._no_eval
        direc = getattr(p, 'directives_', {}) or {}
        if direc.get('eval:', [''])[0].lower() == 'false' or flags & direc.keys(): skip.add(i)
    return skip, False

def _head(src: str, n: int = 3) -> str:
    lines = [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#|')]
    return '\n'.join(lines[:n]) + (' ...' if len(lines) > n else '')

def run_one(path: str, skip_flags: list[str], force_flags: list[str], write: bool, timeout: int,
            kernel: str = 'python3') -> dict:
    "Execute one notebook in a fresh kernel; returns {name, ok, secs, skipped, error}."
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    path = Path(path)
    t0 = time.time()
    res = dict(name=path.name, path=str(path), ok=True, secs=0.0, skipped=0, error='', written=False)
    nb = nbformat.read(path, as_version=4)
    skip, skip_all = cells_to_skip(path, nb, skip_flags, force_flags)
    if skip_all: res.update(skipped=-1); return res
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p])
    for k in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'): env.setdefault(k, '1')
    env.setdefault('HAF_PROGRESS', '0')
    if write: env['MPLBACKEND'] = INLINE          # figures as image/png outputs, never Agg
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, record_timing=False, store_widget_state=False,
                            extra_arguments=['--IPKernelApp.log_level=ERROR'],   # not the 'TCP without encryption' warning
                            resources={'metadata': {'path': str(path.parent)}})
    i = -1
    try:
        with client.setup_kernel(env=env):
            for i, c in enumerate(nb.cells):
                if c.cell_type != 'code': continue
                if i in skip:
                    c.execution_count = None; res['skipped'] += 1; continue   # keeps the outputs of its last full run
                client.execute_cell(c, i)
    except Exception as e:                          # CellExecutionError, timeout, dead kernel, ...
        res['ok'] = False
        src = nb.cells[i].source if 0 <= i < len(nb.cells) else ''
        if isinstance(e, CellExecutionError):
            tb = _ansi.sub('', '\n'.join(l for l in str(e).splitlines()[-12:]))
            msg = f'{e.ename}: {e.evalue}'
        else: tb, msg = '', f'{type(e).__name__}: {e}'
        res['error'] = f'cell {i}:\n{_indent(_head(src))}\n  -> {msg[:500]}' + (f'\n{_indent(tb, "     | ")}' if tb else '')
    res['secs'] = time.time() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)   # the kernel, once shut down and reaped
    res['cpu'] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if write and res['ok']:
        for c in nb.cells:
            for o in c.get('outputs', []):
                d = o.get('data', {})
                if 'application/vnd.jupyter.widget-view+json' in d and len(d) > 1:   # widget views point at kernel
                    d.pop('application/vnd.jupyter.widget-view+json')                # state that is not saved
                if 'image/png' in d: d['image/png'] = shrink_png(d['image/png'])
        nbformat.write(nb, path); res['written'] = True
    return res

PNG_LIMIT = 150_000   # bytes: a larger figure is stored as a 256-colour PNG (photo-like panels shrink ~4x)

def shrink_png(b64: str, limit: int = PNG_LIMIT) -> str:
    "A base64 PNG over `limit` bytes re-encoded as an optimised 256-colour PNG on white (kept only if smaller)."
    import base64, io
    raw = base64.b64decode(b64)
    if len(raw) <= limit: return b64
    from PIL import Image
    im = Image.open(io.BytesIO(raw)).convert('RGBA')
    im = Image.alpha_composite(Image.new('RGBA', im.size, (255, 255, 255, 255)), im).convert('RGB')
    buf = io.BytesIO(); im.quantize(256, method=Image.Quantize.MEDIANCUT).save(buf, 'PNG', optimize=True)
    return base64.b64encode(buf.getvalue()).decode('ascii') if len(buf.getvalue()) < len(raw) else b64

def _indent(s: str, pre: str = '     ') -> str: return '\n'.join(pre + l for l in s.splitlines())

def run_all(files: list[Path], skip_flags: list[str], force_flags: list[str], write: bool = False,
            n_workers: int = 2, timeout: int = 600, quiet: bool = False) -> list[dict]:
    "Run `files` on `n_workers` processes (one kernel each); prints one line per notebook as it finishes."
    out = []
    def show(r):
        if quiet: return
        st = 'SKIP' if r['skipped'] == -1 else 'PASS' if r['ok'] else 'FAIL'
        note = f"  ({r['skipped']} cells skipped)" if r['skipped'] > 0 else ''
        cpu = f"  cpu {r['cpu']:6.1f}s" if r.get('cpu') else ''
        print(f"{st} {r['secs']:7.1f}s{cpu}  {r['name']}{note}", flush=True)
        if not r['ok']: print(r['error'], flush=True)
    args = [(str(f), skip_flags, force_flags, write, timeout) for f in files]
    if n_workers <= 1 or len(files) == 1:
        for a in args: r = run_one(*a); show(r); out.append(r)
    else:
        with ProcessPoolExecutor(n_workers, mp_context=get_context('spawn')) as ex:
            futs = {ex.submit(run_one, *a): a[0] for a in args}
            for f in as_completed(futs):
                try: r = f.result()
                except Exception as e:
                    r = dict(name=Path(futs[f]).name, path=futs[f], ok=False, secs=0.0, skipped=0, written=False,
                             error=f'runner error: {type(e).__name__}: {e}')
                show(r); out.append(r)
    return out

def nbdev_clean(paths: list[str]):
    "Strip execution counts/metadata (settings.ini: clear_all = False keeps the outputs)."
    exe = Path(sys.executable).parent / 'nbdev_clean'
    for p in paths: subprocess.run([str(exe), '--fname', p], cwd=ROOT, check=True)

def selftest() -> int:
    "The runner's own test: an exported-helper name clobbered by IPython history must FAIL here (nbdev passes it)."
    import nbformat
    from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell
    from nbdev.test import test_nb
    ok = True
    def check(cond, what):
        nonlocal ok
        print(f"selftest {'ok  ' if cond else 'FAIL'} {what}", flush=True); ok &= bool(cond)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        # 1. `_i32` defined in cell 1, called in cell 32: IPython sets `_i32` to cell 32's source first.
        cells = [new_code_cell('def _i32(): return 42')] + [new_code_cell(f'x{k} = {k}') for k in range(30)]
        cells.append(new_code_cell('assert _i32() == 42'))
        nb_hist = d / 'hist.ipynb'; nbformat.write(new_notebook(cells=cells, metadata={'kernelspec': {'name': 'python3', 'display_name': 'python3', 'language': 'python'}}), nb_hist)
        # 2. flags: a failing `#| slow` cell and a failing `#| eval: false` cell are skipped; a figure is drawn.
        cells = [new_markdown_cell('# t'),
                 new_code_cell('import matplotlib.pyplot as plt\nx = 1'),
                 new_code_cell('#| slow\nraise RuntimeError("slow cell ran")'),
                 new_code_cell('#| eval: false\nraise RuntimeError("eval false cell ran")'),
                 new_code_cell('fig, ax = plt.subplots(figsize=(2, 2), dpi=50); ax.plot([0, 1]); plt.show()'),
                 new_code_cell('print(x + 1)')]
        nb_flags = d / 'flags.ipynb'; nbformat.write(new_notebook(cells=cells, metadata={'kernelspec': {'name': 'python3', 'display_name': 'python3', 'language': 'python'}}), nb_flags)
        cwd = os.getcwd()
        try:
            os.chdir(d); nbdev_ok, _ = test_nb(nb_hist, skip_flags=['slow'], showerr=False)
        finally: os.chdir(cwd)
        check(nbdev_ok, "nbdev's test_nb passes the `_i32` notebook (it has no IPython history)")
        r = run_one(str(nb_hist), ['slow'], [], False, 120)
        check(not r['ok'] and 'TypeError' in r['error'] and 'cell 31' in r['error'], "the real kernel FAILS it: _i32 is cell 32's source (TypeError)")
        r = run_one(str(nb_flags), ['slow', 'notest', 'cuda'], [], False, 120)
        check(r['ok'] and r['skipped'] == 2, f"`#| slow` and `#| eval: false` cells are skipped ({r['skipped']} skipped, {r['error'] or 'no error'})")
        r = run_one(str(nb_flags), ['slow', 'notest', 'cuda'], ['slow'], False, 120)
        check(not r['ok'] and 'slow cell ran' in r['error'], '--flags slow runs the slow cell')
        r = run_one(str(nb_flags), ['slow', 'notest', 'cuda'], [], True, 120)
        nb = nbformat.read(nb_flags, as_version=4)
        outs = [c.get('outputs', []) for c in nb.cells]
        check(r['written'] and any('image/png' in o.get('data', {}) for o in outs[4]), '--write embeds the figure as image/png')
        check(outs[2] == [] and outs[3] == [] and outs[5] and outs[5][0].get('text') == '2\n', '--write: skipped cells have no output, printed text is kept')
    print('selftest ' + ('passed' if ok else 'FAILED'))
    return 0 if ok else 1

def longest_first(files: list[Path], costs: dict[str, float]) -> list[Path]:
    "The notebooks by decreasing expected cost (unknown ones at the median), ties by name."
    default = statistics.median(costs.values()) if costs else 0.0
    return sorted(files, key=lambda f: (-costs.get(f.name, default), f.name))

def read_costs(path: Path = COSTS) -> dict[str, float]:
    try: return {k: float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, AttributeError): return {}

def write_costs(res: list[dict], path: Path = COSTS):
    "Record each notebook's kernel CPU seconds (rounded to 0.1 s) for the next run's order."
    costs = read_costs(path) | {r['name']: round(r['cpu'], 1) for r in res if r.get('cpu')}
    tmp = path.with_suffix('.tmp'); tmp.write_text(json.dumps(dict(sorted(costs.items())), indent=0) + '\n'); tmp.replace(path)

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--path', nargs='*', default=None, help='notebooks or globs (default: every notebook in nbs/)')
    ap.add_argument('--flags', default='', help='space-separated test flags to run that are skipped by default')
    ap.add_argument('--n_workers', type=int, default=None, help='notebooks at once, one kernel each (default: cores + 1, at most 4)')
    ap.add_argument('--record-costs', action='store_true', help=f'write each notebook\'s CPU seconds to {COSTS.name} (the run order)')
    ap.add_argument('--timeout', type=int, default=900, help='seconds per cell before it counts as failed')
    ap.add_argument('--write', action='store_true', help='write outputs back into the notebooks, then nbdev_clean them')
    ap.add_argument('--selftest', action='store_true', help="check the runner itself on temporary notebooks")
    a = ap.parse_args(argv)
    if a.selftest: return selftest()
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    cfg = get_config()
    files = []
    for p in (a.path or [None]): files += [f.absolute() for f in nbglob(p, as_path=True)]
    files = longest_first(sorted(set(files)), read_costs())
    if not files: print('0 passed, 0 failed'); return 1
    ncpu = os.cpu_count() or 1
    n_workers = a.n_workers or min(ncpu + 1, 4)
    # each kernel gets its share of the cores (the kernels inherit this; set before torch is imported there)
    os.environ.setdefault('OMP_NUM_THREADS', str(max(1, ncpu // n_workers)))
    os.environ.setdefault('MKL_NUM_THREADS', os.environ['OMP_NUM_THREADS'])
    t0 = time.time()
    res = run_all(files, cfg.tst_flags.split(), a.flags.split(), a.write, n_workers, a.timeout)
    if a.record_costs: write_costs(res)
    if a.write:
        written = [r['path'] for r in res if r['written']]
        if written: nbdev_clean(written)
        print(f'wrote {len(written)} notebooks with their outputs (nbdev_clean applied)')
    ok = [r['ok'] for r in res]
    cpu = sum(r.get('cpu', 0.0) for r in res)
    since = f", {time.time() - int(os.environ['HAF_CI_START']):.0f}s since CI start" if os.environ.get('HAF_CI_START') else ''
    print(f'{"write" if a.write else "tests"} took {time.time() - t0:.0f}s on {n_workers} workers (OMP_NUM_THREADS='
          f'{os.environ["OMP_NUM_THREADS"]}; kernels used {cpu:.0f} cpu-s){since}; flags: {a.flags or "(none)"}; real python3 kernel')
    print(f'{sum(ok)} passed, {len(ok) - sum(ok)} failed')
    return 0 if all(ok) else 1

if __name__ == '__main__': sys.exit(main())
