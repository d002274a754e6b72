"""Google Sheet <-> database sync."""
