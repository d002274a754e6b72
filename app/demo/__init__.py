"""Demo and benchmark data: pure generators (data) and the database seeders (seed)."""
