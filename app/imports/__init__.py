"""Import of customers, contacts, activities, contracts, bookings, payments and ad slots from CSV, .xlsx and
the team's own Google Sheets: one engine (app.imports.engine) behind three doors (CLI, REST, browser).

The pure parts have no Flask in them: `readers` (files -> rows), `values` (cells -> Python values),
`mapping` (headers -> fields). `engine` applies rows as the importing user through the one write guard.
"""
