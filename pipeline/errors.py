"""Typed errors for bad input. Each names the file and the reason."""

from __future__ import annotations


class PracticeThemesError(Exception):
    """Base class for errors a user can act on."""


class IngestError(PracticeThemesError):
    """A document could not be read."""

    reason = "cannot be read"

    def __init__(self, path: str, detail: str = "") -> None:
        self.path = str(path)
        self.detail = detail
        message = f"{self.path}: {self.reason}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class EncryptedPDFError(IngestError):
    reason = "PDF is encrypted; supply the password with --password"


class WrongPasswordError(EncryptedPDFError):
    reason = "PDF is encrypted and the password given does not open it"


class CorruptPDFError(IngestError):
    reason = "PDF is corrupt or not a PDF"


class EmptyDocumentError(IngestError):
    reason = "document has no pages or no text"


class NeedsOCRError(IngestError):
    reason = "document has no text layer (scanned); install Tesseract to OCR it"


class UnsupportedFormatError(IngestError):
    reason = "unsupported file type; expected .pdf, .docx, .txt or .md"


class TextEncodingError(IngestError):
    reason = "text file is not UTF-8"


class IngestTimeoutError(IngestError):
    reason = "ingestion took longer than the per-document time limit"
