"""PDF documents made on the server (fpdf2): A4, in the reader's language and direction.

Hebrew and Arabic need a Unicode font and text shaping (HarfBuzz, through uharfbuzz): the font is
DejaVu Sans, found where Debian and Fedora install it (``fonts-dejavu-core``) or at
``PDF_FONT_DIR``; the PDF embeds only the glyphs it uses. A right-to-left document aligns its text
to the right and lays its tables out from the right, as the page does in that language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from flask import Response, abort, current_app
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/TTF",  # Arch
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


class FontMissing(Exception):
    """No font for a PDF on this server: the message says what to install or set."""


def font_dir() -> Path:
    """Where the PDF's font is; :class:`FontMissing` names the setting when it is nowhere."""
    configured = current_app.config.get("PDF_FONT_DIR")
    candidates = [configured] if configured else list(FONT_DIRS)
    for candidate in candidates:
        if (Path(candidate) / REGULAR).is_file() and (Path(candidate) / BOLD).is_file():
            return Path(candidate)
    raise FontMissing(
        f"PDF documents need the DejaVu Sans font ({REGULAR} and {BOLD}): install the "
        f"fonts-dejavu-core package, or set PDF_FONT_DIR to the folder that holds them "
        f"(looked in {', '.join(candidates)})"
    )


class Document:
    """An A4 document written top to bottom: headings, paragraphs, facts and tables."""

    def __init__(self, *, title: str, rtl: bool) -> None:
        fonts = font_dir()
        self.rtl = rtl
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        self.pdf.set_creator("primaries")
        self.pdf.add_font("DejaVu", "", str(fonts / REGULAR))
        self.pdf.add_font("DejaVu", "B", str(fonts / BOLD))
        self.pdf.set_text_shaping(True)
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.add_page()
        self._orientation = "P"
        self._align = Align.R if rtl else Align.L

    def new_page(self, *, landscape: bool = False) -> None:
        self._orientation = "L" if landscape else "P"
        self.pdf.add_page(orientation=self._orientation)

    def _text(self, text: str, *, size: float, bold: bool = False, gap: float = 2) -> None:
        self.pdf.set_font("DejaVu", "B" if bold else "", size)
        self.pdf.multi_cell(
            0, size * 0.5, text, align=self._align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(gap)

    def heading(self, text: str, *, level: int = 1) -> None:
        self._text(text, size={1: 16, 2: 13}.get(level, 11), bold=True, gap=3)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        self._text(text, size=10, bold=bold)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value pairs, as the page's list of facts."""
        self.table([[label, value] for label, value in rows], header=False, widths=(1, 2))

    def table(
        self,
        rows: Sequence[Sequence[str]],
        *,
        header: bool = True,
        widths: Sequence[int] | None = None,
        line_height: float = 5,
    ) -> None:
        """A table whose first row is its header (unless ``header`` is false), columns from the
        right in a right-to-left document."""
        if not rows:
            return
        self.pdf.set_font("DejaVu", "", 9)
        ordered = [list(reversed(row)) if self.rtl else list(row) for row in rows]
        if widths is not None and self.rtl:
            widths = tuple(reversed(widths))
        with self.pdf.table(
            col_widths=widths,
            first_row_as_headings=header,
            text_align=self._align,
            line_height=line_height,
        ) as table:
            for row in ordered:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        self.pdf.ln(4)

    def grid(self, rows: Sequence[Sequence[str]], *, widths: Sequence[int]) -> None:
        """Many rows, fast: one line per cell (text cut to fit its column), the first row a
        header, repeated at the top of every page; for annexes of hundreds of rows, where
        :meth:`table` (which wraps and measures every cell twice) takes about 1 ms a cell."""
        if not rows:
            return
        pdf, height = self.pdf, 5.0
        columns = [pdf.epw * w / sum(widths) for w in widths]
        if self.rtl:
            rows = [list(reversed(row)) for row in rows]
            columns.reverse()
        header, body = rows[0], rows[1:]

        def line(cells: Sequence[str], style: str) -> None:
            pdf.set_font("DejaVu", style, 7.5)
            for text, width in zip(cells, columns, strict=True):
                pdf.cell(width, height, self._fit(text, width), border=1, align=self._align)
            pdf.ln(height)

        line(header, "B")
        for row in body:
            if pdf.will_page_break(height):
                pdf.add_page(orientation=self._orientation)
                line(header, "B")
            line(row, "")
        pdf.ln(4)

    def _fit(self, text: str, width: float) -> str:
        """``text``, cut with an ellipsis if it is wider than its column."""
        room = width - 2 * self.pdf.c_margin
        if self.pdf.get_string_width(text) <= room:
            return text
        while text and self.pdf.get_string_width(text + "…") > room:
            text = text[:-1]
        return text + "…"

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def pdf_answer(build: Callable[[], bytes], filename: str) -> Response:
    """The PDF ``build`` makes, shown inline as ``filename``; a 503 naming what to install when
    this server has no font for it."""
    try:
        body = build()
    except FontMissing as exc:
        abort(503, description=str(exc))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
