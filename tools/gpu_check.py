#!/usr/bin/env python
"""GPU check, for a machine with a CUDA card that may be lent for only a few minutes (`make gpu-check`).

Four sections, each in its own process with a hard time box, the whole under --budget seconds (default 450):
  cells    the notebook cells flagged `#| cuda` (tools/test_nbs.py --flags cuda, on the notebooks that have some)
  extract  HAF descriptor extraction at 480x640 in bf16: images/s and the fraction of the card's dense bf16 peak
           (measured with haf_nb.benchmarks.measure.matmul_peak, not a datasheet number)
  faiss    exact search: faiss-gpu vs faiss-cpu (and torch on the card) when faiss-gpu is importable, else says so
  train    a few hundred training iterations of the paper preset (fixture_recipe: the paper's config, sizes only
           changed) on the paper's datasets as tiny real-format fixtures (haf_nb.fixtures.write_paper_fixtures)
Writes outputs/gpu_check.md (and .json); every figure is printed beside the card's name. On a machine without a
CUDA GPU it says so and exits 0.

Usage: python tools/gpu_check.py [--budget 450] [--only cells,extract,faiss,train] [--out outputs]
"""
import argparse, datetime, json, math, os, signal, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The card the sections run on. HAF_GPU_CHECK_DEVICE=cpu (with --section) smoke-tests a section's code on a CPU only.
DEV = os.environ.get('HAF_GPU_CHECK_DEVICE', 'cuda')
BOXES = {'cells': 170, 'extract': 90, 'faiss': 60, 'train': 120}   # seconds per section (hard limits)

# ---------------------------------------------------------------- sections (each runs in a child process)
def sec_cells() -> dict:
    "The notebooks with `#| cuda` cells, run at once (each its share of the cores) under the test runner."
    nbs = sorted(p for p in (ROOT / 'nbs').glob('[!_]*.ipynb') if '"#| cuda' in p.read_text(encoding='utf-8'))
    threads = str(max(1, (os.cpu_count() or 1) // max(1, len(nbs))))
    env = {**os.environ, 'OMP_NUM_THREADS': threads, 'MKL_NUM_THREADS': threads}
    t0 = time.perf_counter()
    procs = [(p, subprocess.Popen([sys.executable, str(ROOT / 'tools' / 'test_nbs.py'), '--flags', 'cuda', '--path', str(p)],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)) for p in nbs]
    res = []
    for p, pr in procs:
        out = pr.communicate()[0]
        res.append({'notebook': p.name, 'ok': pr.returncode == 0, 'seconds': time.perf_counter() - t0,
                    'tail': [] if pr.returncode == 0 else out.strip().splitlines()[-12:]})
    return {'notebooks': res, 'passed': sum(r['ok'] for r in res), 'failed': sum(not r['ok'] for r in res)}

def sec_extract() -> dict:
    import torch
    from haf_nb.benchmarks.extraction import bench_gpu, bench_model
    from haf_nb.models.backbone import PAPER_SIZE
    out = bench_gpu(bench_model('haf', pca_dim=None), size=tuple(PAPER_SIZE), batch=16, repeat=5, warmup=2,
                    device='cuda', dtype=torch.bfloat16)
    return out

def sec_faiss() -> dict:
    import numpy as np, torch
    from haf_nb.eval.search import search, faiss, faiss_gpu_available, rankings_agree
    from haf_nb.benchmarks.measure import interleaved
    n_db, n_q, dim, k = (100_000, 1_000, 256, 100) if DEV == 'cuda' else (2_000, 50, 64, 10)
    g = np.random.default_rng(0)
    db = g.standard_normal((n_db, dim), dtype=np.float32); q = g.standard_normal((n_q, dim), dtype=np.float32)
    fns = {f'torch-{DEV}': lambda: search(q, db, k=k, backend='torch', device=DEV)}
    note = ''
    if faiss is None: note = 'faiss is not installed (pip install -e ".[cpu]" or ".[gpu]")'
    else: fns['faiss-cpu'] = lambda: search(q, db, k=k, backend='faiss')
    if faiss is not None and faiss_gpu_available(): fns['faiss-gpu'] = lambda: search(q, db, k=k, backend='faiss-gpu', device=DEV)
    else: note = note or 'faiss-gpu is not importable (this faiss has no GPU support: pip install -e ".[gpu]")'
    t = interleaved(fns, repeat=3, warmup=1, device=torch.device(DEV))
    ref = fns[f'torch-{DEV}']()[1]
    return {'database': n_db, 'queries': n_q, 'dim': dim, 'k': k, 'note': note,
            'seconds': {name: t[name]['min'] for name in fns},
            'same_rankings': {name: rankings_agree(q, db, ref, fns[name]()[1]) for name in fns if not name.startswith('torch')}}

def sec_train(steps: int = 300 if DEV == 'cuda' else 3, # optimiser steps of part (b)
              step_box_s: float = 45.0,                  # part (b) stops after this many seconds
              epochs: int = 8 if DEV == 'cuda' else 1,   # epochs of part (a)
             ) -> dict:
    """(a) `train()` end to end, the paper preset on the paper datasets as tiny real-format fixtures
    (fixture_recipe('paper'): the paper's config with sizes changed); (b) a few hundred optimiser steps of the paper's
    model, loss and batch shape (batch_size tuples x (2 + num_negatives) images at the paper's 480x640, bf16 autocast)
    on fixed random tuples: the fixture has 4 training queries, too few for hundreds of real steps (once the model
    separates them, mining finds no violating negative and skips them, as NetVLAD's recipe does)."""
    import csv, torch
    from haf_nb.fixtures import write_paper_fixtures, fixture_recipe
    from haf_nb.benchmarks.training import train_step_fns
    from haf_nb import train as T
    tmp = Path(tempfile.mkdtemp(prefix='haf_gpu_check_'))
    write_paper_fixtures(tmp / 'data')
    track = fixture_recipe('paper').tracks[0]
    fcfg = T.get_train_config(track.train_preset, **track.train).replace(
        epochs=epochs, patience=None, device=DEV, data_root=str(tmp / 'data'), cache_dir=str(tmp / 'cache'))
    t0 = time.perf_counter()
    run = T.train(fcfg, out_dir=tmp / 'run', verbose=False)
    wall_a = time.perf_counter() - t0
    rows = list(csv.DictReader(open(Path(run) / 'log.csv')))
    num = lambda k: sum(int(float(r[k])) for r in rows if r.get(k) not in (None, ''))
    a = {'preset': track.train_preset, 'image_size': list(fcfg.image_size), 'epochs': epochs, 'seconds': wall_a,
         'optimizer_steps': num('batches'), 'tuples': num('tuples'), 'skipped': num('skipped'),
         'loss_first_epoch': next((r.get('loss') for r in rows if r.get('loss')), None)}
    # (b) the paper's model / loss / batch shape at the paper's image size
    pcfg = T.get_train_config(track.train_preset)                     # the paper preset itself (480x640, batch, J)
    size = tuple(pcfg.image_size) if DEV == 'cuda' else (64, 96)
    B, J = (pcfg.batch_size, pcfg.num_negatives) if DEV == 'cuda' else (1, 2)
    mo = {**pcfg.model_overrides, **{k: getattr(pcfg, k) for k in ('backbone', 'train_from') if getattr(pcfg, k) is not None},
          'pretrained': False}                                          # the run's model (see TrainConfig.model_config)
    from_images, from_cache, info = train_step_fns(size, B, J, DEV, pcfg.grad_checkpoint, pcfg.model, mo)
    step = from_cache if pcfg.feature_cache != 'off' else from_images
    amp = torch.autocast('cuda', dtype=torch.bfloat16) if DEV == 'cuda' else torch.autocast('cpu', enabled=False)
    sync = torch.cuda.synchronize if DEV == 'cuda' else (lambda: None)
    with amp: step(); sync()                                            # warm-up (cudnn autotune, allocations)
    n, t0 = 0, time.perf_counter()
    with amp:
        while n < steps and time.perf_counter() - t0 < step_box_s:
            step(); n += 1
            if n % 10 == 0: sync()
    sync(); wall_b = time.perf_counter() - t0
    b = {'amp': 'bf16 autocast' if DEV == 'cuda' else 'fp32', 'size': list(size), 'tuples': B, 'negatives': J, 'images_per_step': B * (2 + J), 'from': 'cache' if step is from_cache else 'images',
         'grad_checkpoint': pcfg.grad_checkpoint, 'train_from': info.get('train_from'), 'steps': n, 'seconds': wall_b,
         's_per_step': wall_b / max(n, 1), 'images_per_s': n * B * (2 + J) / wall_b}
    return {'fixture_run': a, 'steps': b}

SECTIONS = {'cells': sec_cells, 'extract': sec_extract, 'faiss': sec_faiss, 'train': sec_train}

# ---------------------------------------------------------------- report
def _md(card: str, machine: str, res: dict) -> str:
    L = [f'# GPU check: {card}', '', f'{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine}', '']
    for name, r in res.items():
        L.append(f'## {name} ({r["status"]}, {r["wall_s"]:.0f} s of a {r["box_s"]:.0f} s box)'); L.append('')
        if r['status'] != 'ok': L += [f'{card}: not finished: {r.get("error", "")}', '']; continue
        v = r['result']
        if name == 'cells':
            L += [f'{card}: `#| cuda` cells, {v["passed"]} notebooks passed, {v["failed"]} failed', '']
            L += [f'- {n["notebook"]}: {"PASS" if n["ok"] else "FAIL"} ({n["seconds"]:.0f} s)' for n in v['notebooks']]
            for n in v['notebooks']:
                if n['tail']: L += ['', f'```\n{n["notebook"]}\n' + '\n'.join(n['tail']) + '\n```']
        elif name == 'extract':
            L += [f'- {card}: HAF describe() at {v["size"]}, batch {v["batch"]}, {v["dtype"]} autocast, random weights: '
                  f'**{v["images_per_s"]:.1f} images/s** ({v["describe_s"] * 1e3:.1f} ms per batch), peak memory {v["peak_mb"]:.0f} MB',
                  f'- {card}: measured dense {v["dtype"]} matmul peak {v["peak_gflops"] / 1e3:.1f} TFLOP/s; describe() reaches '
                  f'{v["gflops"] / 1e3:.1f} TFLOP/s = **{v["pct_peak"]:.1f} %** of it (backbone alone {v["backbone_pct_peak"]:.1f} %)']
        elif name == 'faiss':
            L += [f'- {card}: exact top-{v["k"]} search, {v["database"]:,} x {v["dim"]}-D database, {v["queries"]:,} queries (random, seed 0)']
            L += [f'- {card}: {b}: {s:.4f} s' for b, s in v['seconds'].items()]
            L += [f'- {card}: same rankings as torch on the card: {v["same_rankings"]}']
            if v['note']: L += [f'- {card}: {v["note"]}']
        elif name == 'train':
            fa, st = v['fixture_run'], v['steps']
            L += [f'- {card}: `train()` with preset `{fa["preset"]}` on the paper-format fixtures ({fa["image_size"][0]}x'
                  f'{fa["image_size"][1]} images, fixture_recipe sizes), {fa["epochs"]} epochs: {fa["seconds"]:.1f} s, '
                  f'{fa["optimizer_steps"]} optimiser steps on {fa["tuples"]} tuples ({fa["skipped"]} queries skipped by mining), '
                  f'first-epoch loss {fa["loss_first_epoch"]}',
                  f'- {card}: the paper preset\'s model, loss and batch at {st["size"][0]}x{st["size"][1]} ({st["tuples"]} tuples x '
                  f'(2 + {st["negatives"]}) = {st["images_per_step"]} images per step, from the {st["from"]}, {st.get("amp", "bf16 autocast")}, '
                  f'trained from {st["train_from"]}, random weights and tuples): **{st["steps"]} steps in {st["seconds"]:.1f} s** = '
                  f'{st["s_per_step"] * 1e3:.0f} ms per step, {st["images_per_s"]:.1f} images/s']
        L.append('')
    return '\n'.join(L) + '\n'

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--budget', type=float, default=450, help='seconds for everything (default: %(default)s)')
    ap.add_argument('--only', default=','.join(SECTIONS), help='sections to run (default: %(default)s)')
    ap.add_argument('--out', default=str(ROOT / 'outputs'), help='folder of gpu_check.md/.json (default: %(default)s)')
    ap.add_argument('--box', type=float, default=None, help='one time box for every section, in seconds (default: per section)')
    ap.add_argument('--section', help=argparse.SUPPRESS)   # internal: run one section, print its JSON
    a = ap.parse_args()
    os.environ.setdefault('HAF_PROGRESS', '0'); os.environ.setdefault('MPLBACKEND', 'Agg')
    if a.section:
        print('\n@@RESULT@@' + json.dumps(SECTIONS[a.section](), default=str)); return 0
    import torch
    if DEV != 'cuda':                    # HAF_GPU_CHECK_DEVICE=cpu: exercise the driver (boxes, report) without a GPU
        card = f'CPU smoke test (HAF_GPU_CHECK_DEVICE={DEV}, not a GPU result)'
    elif not torch.cuda.is_available():
        print(f'gpu check: no CUDA GPU on this machine (torch {torch.__version__}, torch.cuda.is_available() is False): '
              'nothing to check. Run it where `nvidia-smi` shows a card.')
        return 0
    else: card = torch.cuda.get_device_name(0)
    from haf_nb.core import machine_summary
    machine = machine_summary() if callable(machine_summary) else ''
    machine = machine if isinstance(machine, str) else json.dumps(machine, default=str)
    print(f'gpu check on {card}: budget {a.budget:.0f} s')
    t_end, res = time.monotonic() + a.budget, {}
    for name in [s.strip() for s in a.only.split(',') if s.strip()]:
        if name not in SECTIONS: print(f'unknown section {name!r}; expected {list(SECTIONS)}'); return 2
        box = max(0.0, min(a.box or BOXES[name], t_end - time.monotonic()))
        if box < 10: res[name] = {'status': 'skipped', 'wall_s': 0.0, 'box_s': box, 'error': 'no time left in the budget'}; continue
        t0 = time.monotonic()
        env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT)] + [x for x in os.environ.get('PYTHONPATH', '').split(os.pathsep) if x])}
        # its own session, so that the time box kills the section and everything it started (test runner workers)
        p = subprocess.Popen([sys.executable, __file__, '--section', name], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            so, se = p.communicate(timeout=box)
            line = [l for l in so.splitlines() if l.startswith('@@RESULT@@')]
            if p.returncode == 0 and line: res[name] = {'status': 'ok', 'result': json.loads(line[-1][len('@@RESULT@@'):])}
            else: res[name] = {'status': 'error', 'error': '\n'.join((so + se).strip().splitlines()[-8:])}
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL); p.communicate()
            res[name] = {'status': 'timed out', 'error': f'stopped after its {box:.0f} s time box'}
        res[name].update(wall_s=time.monotonic() - t0, box_s=box)
        print(f'  {name}: {res[name]["status"]} in {res[name]["wall_s"]:.0f} s')
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    md = _md(card, machine, res)
    for fn, text in (('gpu_check.md', md), ('gpu_check.json', json.dumps({'card': card, 'sections': res}, indent=1, default=str))):
        tmp = out / (fn + '.tmp'); tmp.write_text(text, encoding='utf-8'); os.replace(tmp, out / fn)
    print(md); print(f'-> {out / "gpu_check.md"}')
    cells_failed = res.get('cells', {}).get('result', {}).get('failed', 0)
    return 0 if all(r['status'] == 'ok' for r in res.values()) and not cells_failed else 1

if __name__ == '__main__': sys.exit(main())
