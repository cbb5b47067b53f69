#!/usr/bin/env bash
# Packaging check (run by .ci/run): `python -m build` makes the sdist and then the wheel FROM that sdist (its default:
# so the sdist must carry everything setup.py needs); the wheel installs into a fresh virtual environment where
# `import haf_nb`, `haf_nb --version` and `haf_nb --help` work from the installed files.
#
# Offline and fast: the fresh venv has no pip and nothing of haf_nb; a .pth file appends the project venv's
# site-packages to its path, so haf_nb's dependencies (torch, ...) come from there, and the wheel is installed with
# --no-deps by the project venv's pip (`pip --python`). A .pth line only appends a directory: the project venv's own
# .pth files (its editable haf_nb) are not run, and the check fails unless haf_nb is imported from the fresh venv.
# `pip check` then verifies that the wheel's declared requirements are met by what that venv sees.
# Usage: tools/check_package.sh [python]   (default: .venv/bin/python; HAF_PKG_NO_ISOLATION=1: build with the
# running Python's setuptools instead of an isolated build env fetched from the index)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${1:-.venv/bin/python}
T0=$(date +%s%N)
W=$(mktemp -d "${TMPDIR:-/tmp}/haf_nb_pkg.XXXXXX")
trap 'rm -rf "$W"' EXIT
lap() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf 'package check: %-60s %3d.%01ds\n' "$1" $((ms / 1000)) $((ms % 1000 / 100)); }
fail() { echo "package check FAILED: $*"; exit 1; }

# 1. sdist, then the wheel built from the unpacked sdist
iso=(); [ "${HAF_PKG_NO_ISOLATION:-0}" = 1 ] && iso=(--no-isolation)
"$PY" -m build "${iso[@]}" --outdir "$W/dist" . > "$W/build.log" 2>&1 || { cat "$W/build.log"; fail "python -m build"; }
# setuptools reports deprecated metadata (License :: classifiers, license tables, ...) as SetuptoolsDeprecationWarning
if grep -n -i "deprecat" "$W/build.log"; then fail "deprecation warnings in the build (above)"; fi
SDIST=$(ls "$W"/dist/*.tar.gz); WHEEL=$(ls "$W"/dist/*.whl)
lap "built $(basename "$SDIST") and, from it, $(basename "$WHEEL")"

# 2. what the sdist must carry, what the wheel must hold and declare
tar -tzf "$SDIST" > "$W/sdist.txt"
for f in settings.ini README.md LICENSE CITATION.cff setup.py pyproject.toml haf_nb/py.typed haf_nb/cli.py; do
  grep -qx "[^/]*/$f" "$W/sdist.txt" || fail "the sdist lacks $f"
done
"$PY" - "$WHEEL" <<'PYEOF' || fail "wheel contents/metadata"
import sys, zipfile, email
w = sys.argv[1]; z = zipfile.ZipFile(w); names = set(z.namelist())
meta = email.message_from_bytes(z.read(next(n for n in names if n.endswith('.dist-info/METADATA'))))
miss = [n for n in ['haf_nb/__init__.py', 'haf_nb/cli.py', 'haf_nb/py.typed', 'haf_nb/eval/search.py', 'haf_nb/models/haf.py']
        if n not in names]
assert not miss, f"the wheel lacks {miss}"
assert any(n.endswith('.dist-info/licenses/LICENSE') for n in names), "no LICENSE in the wheel's dist-info/licenses"
assert meta['License-Expression'] == 'Apache-2.0', f"License-Expression: {meta['License-Expression']!r}"
cls = meta.get_all('Classifier') or []
assert not [c for c in cls if c.startswith('License ::')], f"deprecated License :: classifier in {cls}"
assert 'Development Status :: 3 - Alpha' in cls, cls
reqs = meta.get_all('Requires-Dist') or []
base = [r for r in reqs if 'extra ==' not in r]
assert not [r for r in base if r.startswith('faiss')], f"faiss in the base requirements: {base}"
for extra, pkg in (('cpu', 'faiss-cpu'), ('gpu', 'faiss-gpu')):   # one faiss flavour per extra, never both
    got = [r.split(';')[0].strip() for r in reqs if f'extra == "{extra}"' in r]
    assert len(got) == 1 and got[0].startswith(pkg), f"extra {extra}: {got}"
print(f"  {w.rsplit('/', 1)[-1]}: {len(names)} files, License-Expression {meta['License-Expression']}, "
      f"{len(base)} requirements, extras {sorted(set(meta.get_all('Provides-Extra') or []))}")
PYEOF

# 3. a fresh venv, the wheel installed without dependencies, the project venv's packages appended to its path
"$PY" -m venv --without-pip "$W/venv"
V="$W/venv/bin"
"$PY" -c 'import sysconfig; print(sysconfig.get_path("purelib")); print(sysconfig.get_path("platlib"))' | sort -u \
  > "$("$V/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/zz_project_deps.pth"
"$PY" -m pip --python "$V/python" install -q --no-deps --no-index --no-warn-script-location "$WHEEL" > "$W/pip.log" 2>&1 \
  || { cat "$W/pip.log"; fail "pip install of the wheel"; }
lap "wheel installed into a fresh venv"
cd "$W"   # away from the source tree: the import must come from the installed wheel
loc=$(env -u PYTHONPATH "$V/python" -c 'import haf_nb, haf_nb.cli, haf_nb.eval.search; print(haf_nb.__file__)') || fail "import haf_nb"
case "$loc" in "$W/venv/"*) ;; *) fail "haf_nb imported from $loc, not from the fresh venv";; esac
ver=$(env -u PYTHONPATH "$V/haf_nb" --version) || fail "haf_nb --version"
[ "$ver" = "$(sed -n 's/^version *= *//p' "$ROOT/settings.ini")" ] || fail "haf_nb --version printed '$ver'"
env -u PYTHONPATH "$V/haf_nb" --help > "$W/help.txt" || fail "haf_nb --help"
grep -q "reproduce" "$W/help.txt" || fail "haf_nb --help does not list the commands"
if ! "$PY" -m pip --python "$V/python" check > "$W/check.log" 2>&1 && grep -i "^haf.nb " "$W/check.log"; then
  fail "pip check: haf_nb's requirements are not met (above)"
fi
# faiss is an extra ([cpu] or [gpu]): without it, search falls back to exact torch search
env -u PYTHONPATH "$V/python" -c '
import sys; sys.modules["faiss"] = None          # as if no faiss package were installed
import numpy as np, haf_nb.eval.search as s
assert s.faiss is None and s.resolve_backend("auto")[0] == "torch"
x = np.eye(4, 8, dtype=np.float32); d, i = s.search(x, x, k=1)
assert (np.asarray(i)[:, 0] == np.arange(4)).all()' || fail "haf_nb.eval.search without faiss"
lap "import haf_nb (+ search without faiss), --version ($ver), --help, pip check"
echo "package check: OK"
