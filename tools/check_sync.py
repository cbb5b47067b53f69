#!/usr/bin/env python
"""Fail when the notebooks, the exported module and README.md are not in sync.

Runs `nbdev_export`, `nbdev_clean` and tools/make_readme.py, and fails if any of them changed a file under
haf_nb/, nbs/ or README.md, or created a file there, or when the README's notebook map (tools/notebook_map.py) is
stale or does not match the haf_nb/ layout one to one. With --git it also fails when `git status` shows any
change or untracked file under those paths (the check CI runs on a clean checkout).
"""
import hashlib, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCH = ['haf_nb', 'nbs', 'README.md']

def snapshot():
    files = {}
    for w in WATCH:
        p = ROOT / w
        for f in ([p] if p.is_file() else [x for x in p.rglob('*') if x.is_file()]):
            if '__pycache__' in f.parts or '.ipynb_checkpoints' in f.parts: continue
            files[str(f.relative_to(ROOT))] = hashlib.sha1(f.read_bytes()).hexdigest()
    return files

def main():
    bindir = Path(sys.executable).parent
    before = snapshot()
    for cmd in ([str(bindir / 'nbdev_export')], [str(bindir / 'nbdev_clean')], [sys.executable, 'tools/make_readme.py']):
        subprocess.run(cmd, cwd=ROOT, check=True)
    after = snapshot()
    bad = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    for k in bad: print(f'out of sync: {k}', '(new file)' if k not in before else '(deleted)' if k not in after else '(changed)')
    if '--git' in sys.argv:
        st = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all', '--', *WATCH], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
        if st: print('git status not clean after export/clean/readme:\n' + st); bad.append('git')
    if subprocess.run([sys.executable, 'tools/notebook_map.py', '--check'], cwd=ROOT).returncode:   # README map = layout
        bad.append('notebook map')
    if bad:
        print('FAIL: run `nbdev_export`, `nbdev_clean` and `python tools/make_readme.py`, then commit.'); return 1
    print('sync OK: nbdev_export, nbdev_clean and README.md leave no diff'); return 0

if __name__ == '__main__': sys.exit(main())
