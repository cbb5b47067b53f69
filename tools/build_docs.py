#!/usr/bin/env python
"""The documentation site, offline: every notebook (committed with its outputs) rendered to HTML by nbconvert's
HTML exporter (what `jupyter nbconvert --to html` runs), images embedded, plus an index page linking them in
notebook order. Installs nothing and needs no Quarto; the published site (nbdev + Quarto) is built by
.github/workflows/docs.yaml.

Usage: python tools/build_docs.py [--nbs nbs] [--out _site] [--selftest]
  `#| hide` cells are left out and `#|` directive lines removed, as nbdev's site does. The README notebook
  (index.ipynb) becomes overview.html; index.html is the table of contents.
"""
import argparse, html, json, os, re, sys, tempfile, time
from configparser import ConfigParser
from pathlib import Path

DIRECTIVE = re.compile(r'^\s*#\s*\|')

def _is_hidden(src: str) -> bool:
    return any(re.match(r'^\s*#\s*\|\s*hide\s*$', l) for l in src.splitlines() if DIRECTIVE.match(l))

def _prepare(nb):
    "The notebook as the site shows it: no `#| hide` cells, no directive lines, no empty code cells."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            if _is_hidden(c.source): continue
            c.source = '\n'.join(l for l in c.source.splitlines() if not DIRECTIVE.match(l)).strip('\n')
            if not c.source and not c.get('outputs'): continue
        elif c.cell_type == 'markdown' and c.source.lstrip().startswith('<!--') and 'hide' in c.source[:40]: continue
        cells.append(c)
    nb.cells = cells
    return nb

def _title(nb, default: str) -> tuple[str, str]:
    "(title, one-line description) from the first markdown cell: `# Title` and `> description`."
    for c in nb.cells:
        if c.cell_type != 'markdown': continue
        t = next((l[2:].strip() for l in c.source.splitlines() if l.startswith('# ')), default)
        d = ' '.join(l.lstrip('> ').strip() for l in c.source.splitlines() if l.startswith('>'))
        return t, re.sub(r'[*_`]', '', d)
    return default, ''

def _nav(body: str, title: str) -> str:
    "A link back to the table of contents at the top of a page."
    bar = f'<p style="margin:1em 2em"><a href="index.html">&larr; {html.escape(title)}: all notebooks</a></p>'
    return re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + bar, body, count=1)

def notebooks(nbs: Path) -> list[Path]:
    "The site's notebooks in order: index.ipynb (the README) first, then by file name; `_*.ipynb` are scratch."
    fs = sorted(f for f in nbs.glob('*.ipynb') if not f.name.startswith('_'))
    return sorted(fs, key=lambda f: (f.name != 'index.ipynb', f.name))

def build(nbs: Path, out: Path, site_title: str = 'haf_nb', description: str = '', quiet: bool = False) -> list[dict]:
    "Render every notebook of `nbs` into `out` (HTML, images embedded) and write `out/index.html`."
    import nbformat
    from nbconvert import HTMLExporter
    fs = notebooks(nbs)
    if not fs: raise FileNotFoundError(f"No notebooks (*.ipynb) in {nbs}: expected the nbdev notebooks folder.")
    out.mkdir(parents=True, exist_ok=True)
    ex = HTMLExporter(template_name='lab', embed_images=True, exclude_input_prompt=True, exclude_output_prompt=True)
    pages = []
    for f in fs:
        t0 = time.time()
        nb = _prepare(nbformat.read(f, as_version=4))
        title, desc = _title(nb, f.stem)
        body, _ = ex.from_notebook_node(nb, resources={'metadata': {'name': title, 'path': str(f.parent)}})
        name = 'overview.html' if f.name == 'index.ipynb' else f.stem + '.html'
        tmp = out / (name + '.tmp'); tmp.write_text(_nav(body, site_title), encoding='utf-8'); os.replace(tmp, out / name)
        n_img = body.count('src="data:image/')
        pages.append({'notebook': f.name, 'page': name, 'title': title, 'description': desc, 'images': n_img,
                      'outputs': sum(len(c.get('outputs', [])) for c in nb.cells if c.cell_type == 'code')})
        if not quiet: print(f"{name:32s} {n_img:3d} images {time.time() - t0:5.1f}s  {title}")
    rows = '\n'.join(f'<li><a href="{p["page"]}">{html.escape(p["title"])}</a> <small>({p["notebook"]})</small>'
                     + (f'<br><span style="color:#555">{html.escape(p["description"])}</span>' if p['description'] else '')
                     + '</li>' for p in pages)
    idx = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(site_title)}</title>\n'
           '<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;line-height:1.45}'
           'li{margin:.6em 0}</style></head>\n'
           f'<body><h1>{html.escape(site_title)}</h1>\n<p>{html.escape(description)}</p>\n'
           f'<p>The notebooks, in order (each one is a module of the library, its documentation and its tests):</p>\n'
           f'<ol>\n{rows}\n</ol>\n</body></html>\n')
    (out / 'index.html').write_text(idx, encoding='utf-8')
    return pages

def selftest() -> int:
    "Render two tiny notebooks (a real matplotlib PNG output, a markdown image) and check the HTML and the index."
    import base64, io, nbformat
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 1.5)); ax.plot([0, 1], [1, 0]); buf = io.BytesIO(); fig.savefig(buf, format='png')
    png = base64.b64encode(buf.getvalue()).decode()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d); (d / 'nbs' / 'images').mkdir(parents=True)
        (d / 'nbs' / 'images' / 'fig.png').write_bytes(buf.getvalue())
        v4 = nbformat.v4
        a = v4.new_notebook(cells=[v4.new_markdown_cell('# Second\n\n> comes second'),
                                   v4.new_code_cell('#| hide\nSECRET_SETUP = 1'),
                                   v4.new_code_cell('#| export\nx = 1\nplt.plot([0, 1])', outputs=[
                                       v4.new_output('display_data', data={'image/png': png, 'text/plain': '<Figure>'})])])
        b = v4.new_notebook(cells=[v4.new_markdown_cell('# First\n\n> comes first\n\n![a figure](images/fig.png)')])
        c = v4.new_notebook(cells=[v4.new_markdown_cell('# Home')])
        for name, nb in (('10_second.ipynb', a), ('01_first.ipynb', b), ('index.ipynb', c), ('_scratch.ipynb', c)):
            nbformat.write(nb, d / 'nbs' / name)
        pages = build(d / 'nbs', d / 'site', 'test', quiet=True)
        assert [p['page'] for p in pages] == ['overview.html', '01_first.html', '10_second.html'], pages
        second = (d / 'site' / '10_second.html').read_text()
        assert f'data:image/png;base64,{png[:40]}' in second, 'the PNG output is not embedded'
        assert 'SECRET_SETUP' not in second and '#| export' not in second and '#|' not in second and 'plot' in second
        first = (d / 'site' / '01_first.html').read_text()
        assert 'src="data:image/png;base64,' in first and 'images/fig.png' not in first, 'markdown image not embedded'
        idx = (d / 'site' / 'index.html').read_text()
        assert idx.index('01_first.html') < idx.index('10_second.html') and '_scratch' not in idx
    print('build_docs selftest: OK (PNG output and markdown image embedded, hidden cells dropped, index in order)')
    return 0

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nbs', default='nbs', help='the notebooks folder (default: %(default)s)')
    ap.add_argument('--out', default='_site', help='output folder (default: %(default)s)')
    ap.add_argument('--selftest', action='store_true', help='check the renderer on tiny notebooks and exit')
    a = ap.parse_args()
    if a.selftest: return selftest()
    cfg = ConfigParser(delimiters=['=']); cfg.read('settings.ini', encoding='utf-8')
    d = cfg['DEFAULT'] if cfg.has_section('DEFAULT') or cfg.defaults() else {}
    t0 = time.time()
    pages = build(Path(a.nbs), Path(a.out), d.get('title', 'haf_nb'), d.get('description', ''))
    print(f"{len(pages)} pages, {sum(p['images'] for p in pages)} embedded images, "
          f"{sum(1 for p in pages if not p['outputs'])} notebooks without outputs; "
          f"{time.time() - t0:.0f}s -> {Path(a.out) / 'index.html'}")
    return 0

if __name__ == '__main__': sys.exit(main())
