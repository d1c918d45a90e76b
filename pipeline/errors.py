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


class CorruptFileError(IngestError):
    """A file that does not parse as the format it claims; subclasses name the format."""

    reason = "file is corrupt or unreadable"


class CorruptPDFError(CorruptFileError):
    reason = "PDF is corrupt or not a PDF"


class CorruptWordError(CorruptFileError):
    reason = "Word file is corrupt or not a Word (.docx) file"


class CorruptZipError(CorruptFileError):
    reason = "zip file is corrupt or not a zip file"


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


class InputLimitError(IngestError):
    """Refused before or while reading: the file exceeds a safety limit (the detail names it)."""

    reason = "file exceeds a safety limit"


class IngestMemoryError(IngestError):
    reason = "reading the file needed more memory than the per-document limit"


def corrupt_error_for(path: str) -> type[CorruptFileError]:
    """The corrupt-file error that names ``path``'s format, so a Word file is never called a PDF."""
    suffix = str(path).lower().rsplit(".", 1)[-1] if "." in str(path) else ""
    return {"pdf": CorruptPDFError, "docx": CorruptWordError, "zip": CorruptZipError}.get(suffix, CorruptFileError)


class CodingError(PracticeThemesError, ValueError):
    """Human coding (a coding sheet, a rater sheet, a REFI-QDA project) that cannot be used as given.

    Also a ``ValueError``, so callers that caught the readers' ``ValueError`` still do.
    """


class StatisticsError(PracticeThemesError, ValueError):
    """Data a statistic cannot be computed from: frames that do not match, codes that are not 0/1, too few units."""


class MachineOutputError(PracticeThemesError, ValueError):
    """Machine output (a ``code`` folder, documents.csv, ``tag`` JSONL) that cannot be read or does not fit."""


class FileMissingError(IngestError):
    """The path names no file (it was moved or deleted, or is misspelt); an empty file is ``EmptyDocumentError``."""

    reason = "file not found"


class ClassifierPluginError(PracticeThemesError, ValueError):
    """A classifier plug-in module cannot be imported, or does not declare its classifiers (``CLASSIFIERS``)."""


class SettingError(PracticeThemesError, ValueError):
    """A command-line option or environment variable whose value cannot be used (``--threshold x=2``)."""


class TrainingDataError(PracticeThemesError, ValueError):
    """Coded documents that cannot train a model: too few, or no theme both present and absent."""


class EmbeddingModelError(PracticeThemesError, ValueError):
    """The installed embedding model's files cannot be read as the encoder expects (a broken install)."""
