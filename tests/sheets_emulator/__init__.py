"""Google Sheets API v4 emulator for tests (real gspread over HTTP).

    from tests.sheets_emulator import SheetsEmulator
"""
from .model import ApiError
from .server import LogEntry, SheetsEmulator, error_body

__all__ = ["ApiError", "LogEntry", "SheetsEmulator", "error_body"]
