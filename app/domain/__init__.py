"""Pure domain logic: enums, validation and business rules.

Nothing in this package imports Flask, SQLAlchemy sessions or HTTP code, so every
rule can be tested with literal values and reused by the views, the REST API and
the sheet sync alike.
"""
