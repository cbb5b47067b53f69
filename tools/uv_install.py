"""Install into this venv with uv (https://docs.astral.sh/uv/), reading pip's own index configuration.

Usage: .venv/bin/python tools/uv_install.py [uv pip install arguments...]     (e.g. -e ".[dev,cpu]")

Why: a fresh `make install` spends most of its time unpacking torch and its CUDA libraries; uv installs the same
requirements in parallel. Measured on the development machine (2-core AMD EPYC, local package mirror): pip 164 s,
uv 56 s for the same fresh venv (see CONTRIBUTING.md). It resolves like pip does (the best version across every
configured index: `--index-strategy unsafe-best-match`), honours pip's index URLs, find-links and constraint files
(`pip config list`, PIP_* variables), and compiles bytecode as pip does. Exits non-zero on any failure, so that the
Makefile falls back to plain pip.
"""
import os, shlex, subprocess, sys

def pip_settings() -> dict[str, list[str]]:
    "index-url, extra-index-url, find-links and constraint from pip's configuration (files and PIP_* variables)."
    out = subprocess.run([sys.executable, '-m', 'pip', 'config', 'list'], capture_output=True, text=True).stdout
    got: dict[str, list[str]] = {}
    for line in out.splitlines():                       # e.g. global.extra-index-url='file:///a file:///b'
        key, sep, val = line.partition('=')
        if not sep: continue
        name = key.rsplit('.', 1)[-1]
        vals = shlex.split(val)[0].split() if val.strip() else []
        got.setdefault(name, [])
        got[name] += [v for v in vals if v not in got[name]]
    return got

def uv_args(cfg: dict[str, list[str]]) -> list[str]:
    "The uv options that reproduce pip's configuration."
    args = ['--index-strategy', 'unsafe-best-match', '--compile-bytecode']
    for v in cfg.get('index-url', [])[:1]: args += ['--default-index', v]
    for v in cfg.get('extra-index-url', []): args += ['--index', v]
    for v in cfg.get('find-links', []): args += ['--find-links', v]
    for v in cfg.get('constraint', []):
        if os.path.isfile(v): args += ['--constraint', v]
    return args

if __name__ == '__main__':
    cfg = pip_settings()
    cmd = [sys.executable, '-m', 'uv', 'pip', 'install', '--python', sys.executable, *uv_args(cfg), *sys.argv[1:]]
    env = dict(os.environ)
    for v in cfg.get('cert', [])[:1]: env.setdefault('SSL_CERT_FILE', v)   # pip's CA bundle, for uv too
    print('uv_install:', ' '.join(shlex.quote(c) for c in cmd), flush=True)
    sys.exit(subprocess.call(cmd, env=env))
