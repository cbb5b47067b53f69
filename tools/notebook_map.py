#!/usr/bin/env python
"""The README's notebook map, made from the notebooks themselves: one row per notebook, with the module it exports
(`#| default_exp`) and its one-line summary (the `> ...` line under its title, which nbdev also makes the module's
docstring). The map sits in nbs/index.ipynb between the markers <!-- notebook-map --> and <!-- /notebook-map -->.

Usage: python tools/notebook_map.py [--write | --check]
  --write  rewrite the map in nbs/index.ipynb
  --check  exit 1 when the map is stale, or when a module of haf_nb/ has no notebook (the layout and the map must match)
"""
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = '<!-- notebook-map -->', '<!-- /notebook-map -->'

def _src(c): return ''.join(c['source'])

def rows() -> list[tuple[str, str, str]]:
    out = []
    for p in sorted((ROOT / 'nbs').glob('*.ipynb')):
        if p.stem == 'index' or p.stem.startswith('_'): continue
        cells = json.loads(p.read_text())['cells']
        exp = next((m.group(1) for c in cells if c['cell_type'] == 'code'
                    for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', _src(c), re.M)] if m), None)
        first = _src(cells[0]) if cells and cells[0]['cell_type'] == 'markdown' else ''
        lines = first.splitlines()
        k = next((i for i, l in enumerate(lines) if l.startswith('>')), None)
        blurb = None
        if k is not None:                                # a '>' paragraph, with its lazy continuation lines
            part = [lines[k][1:].strip()]
            for l in lines[k + 1:]:
                if not l.strip() or l.startswith('#'): break
                part.append(l.lstrip('> ').strip())
            blurb = ' '.join(part)
        if blurb is None: blurb = next((l.lstrip('# ').strip() for l in first.splitlines() if l.startswith('#')), p.stem)
        mod = '—' if not exp else 'haf_nb' if exp == '__init__' else f'haf_nb.{exp}'
        out.append((p.stem, mod, blurb))
    return out

def table() -> str:
    lines = ['| notebook | module | what |', '|---|---|---|']
    lines += [f'| `{nb}` | `{mod}` | {what} |' if mod != '—' else f'| `{nb}` | — | {what} |' for nb, mod, what in rows()]
    return '\n'.join(lines)

def modules() -> set[str]:
    lib = ROOT / 'haf_nb'
    return {'haf_nb.' + '.'.join(p.relative_to(lib).with_suffix('').parts) for p in lib.rglob('*.py')
            if p.name not in ('__init__.py', '_modidx.py')}

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(); g.add_argument('--write', action='store_true'); g.add_argument('--check', action='store_true')
    a = ap.parse_args()
    idx = ROOT / 'nbs' / 'index.ipynb'
    nb = json.loads(idx.read_text())
    t = table()
    cell = next((c for c in nb['cells'] if START in _src(c)), None)
    if cell is None: print(f'no {START} marker in {idx}'); return 1
    s = _src(cell)
    new = s[:s.index(START) + len(START)] + '\n' + t + '\n' + s[s.index(END):]
    if a.write:
        lines = new.split('\n'); cell['source'] = [l + '\n' for l in lines[:-1]] + [lines[-1]]
        idx.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n'); return 0
    if a.check:
        bad = 0
        mapped = {m for _, m, _ in rows() if m not in ('—', 'haf_nb')}
        for m in sorted(modules() - mapped): print(f'module {m} has no notebook in the map'); bad = 1
        for m in sorted(mapped - modules()): print(f'the map names {m}, which haf_nb/ does not have'); bad = 1
        if new != s: print('the notebook map in nbs/index.ipynb is stale: run python tools/notebook_map.py --write'); bad = 1
        return bad
    print(t); return 0

if __name__ == '__main__': sys.exit(main())
