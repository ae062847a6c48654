"""The text of a Word document as a reader sees it: every body paragraph, then every table cell."""

from __future__ import annotations

import io
from typing import Any

from docx import Document


def docx_lines(document: Any) -> list[str]:
    """Lines of a python-docx ``Document`` or of a .docx file's bytes, in order."""
    if isinstance(document, bytes | bytearray):
        document = Document(io.BytesIO(document))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return lines
