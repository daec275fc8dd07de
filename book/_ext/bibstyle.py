"""The references page labels each work as the text cites it: "Wang 2026a", "Hutchison & Yevick 2025", "Power et al. 2022".

pybtex's default "alpha" labels (``Wan26a``) built from BibTeX name fields
mangle accents written as TeX (``{\\v{Z}}`` gave ``vZunkovivcI24``) and do not
match the author-year citations in the text.  This style keeps pybtex's
"alpha" formatting and sorting and labels entries by surname(s) and year; two
works of one author in one year carry the year suffix in the .bib file
(``2026a``, ``2026b``), so the label and the citation show the same suffix.
Selected with ``bibtex_default_style: book`` in ``_config.yml``.
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield self.format_label(entry)

    @staticmethod
    def format_label(entry) -> str:
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        surnames = [" ".join(p.prelast_names + p.last_names).replace("{", "").replace("}", "") for p in people]
        if not surnames:
            who = entry.fields.get("key", entry.key)
        elif len(surnames) == 1:
            who = surnames[0]
        elif len(surnames) == 2:
            who = f"{surnames[0]} & {surnames[1]}"
        else:
            who = f"{surnames[0]} et al."
        return f"{who} {entry.fields.get('year', '')}".strip()


class BookStyle(AlphaStyle):
    default_label_style = "book_author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "book_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "book", BookStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
