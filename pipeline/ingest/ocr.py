"""Optional OCR of image-only pages with Tesseract.

Install with ``pip install -e .[ocr]`` (pytesseract) and the Debian package
``tesseract-ocr``. Without both, scanned pages are flagged ``needs_ocr``
instead.
"""

from __future__ import annotations

import importlib.util
import shutil
from functools import lru_cache

OCR_DPI = 200


@lru_cache(maxsize=1)
def ocr_available() -> bool:
    """True when pytesseract imports and the ``tesseract`` binary is on PATH."""
    # find_spec, not import: pytesseract imports pandas, which would cost every
    # ingest a few hundred milliseconds when no page needs OCR.
    return shutil.which("tesseract") is not None and importlib.util.find_spec("pytesseract") is not None


def ocr_page(page, *, dpi: int = OCR_DPI, lang: str = "eng") -> str:
    """Render one pypdfium2 page at ``dpi`` and return Tesseract's text."""
    import pytesseract

    bitmap = page.render(scale=dpi / 72.0, grayscale=True)
    try:
        image = bitmap.to_pil()
        return pytesseract.image_to_string(image, lang=lang)
    finally:
        bitmap.close()
