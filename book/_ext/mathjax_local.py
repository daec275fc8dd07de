"""Stop a build that would ship without its MathJax, naming the command that provides it.

The site loads MathJax from ``_static/mathjax/`` (``mathjax_path`` in
``_config.yml``), copied there from ``_build/static/mathjax`` by
``scripts/book.sh``, which installs MathJax 3.2.2 with npm.  A plain
``jupyter-book build .`` on a fresh checkout would otherwise produce pages
whose formulas stay raw TeX.
"""

from pathlib import Path

from sphinx.errors import ExtensionError


def _check(app):
    if app.builder.format != "html":
        return
    shipped = [Path(app.confdir) / entry / "mathjax" / "tex-mml-chtml.js" for entry in app.config.html_static_path]
    if not any(path.is_file() for path in shipped):
        raise ExtensionError(
            "MathJax is not in _build/static/mathjax: build the book with `bash scripts/book.sh`, which installs "
            "MathJax 3.2.2 with npm and copies it there (the site ships its own MathJax so that it reads offline)"
        )


def setup(app):
    app.connect("builder-inited", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
