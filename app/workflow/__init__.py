"""The service layer: every door (browser views, REST API, the sheet sync, CLI, imports) writes through here.

Each function gathers facts from the ORM, calls the pure rule of `app.domain.rules`, applies the
change and records history; refusals are `RuleViolation`s, shown translated via `messages.translate`.

- guards.check_record_write(record, item, deleting=False): the one write guard of every door: the
  write-preparation step (prepare: field checks, normalised text, defaults and stamps of whoever acts),
  ownership, the declaration of what may change in which state by whom (app.domain.rules.editable), the
  consistency of related rows and the records' rules.
- contracts.transition_contract(contract, to, reason, actor=None): the approval chain; http.transition runs
  it for the browser and the API alike.
- bookings.confirm_proof(...), bookings.publish(...), bookings.publication_problems(booking).
- money.confirm_payment(payment), money.reverse_payment(payment, reason), money.record_write_off(...),
  money lists; scope.own_rows: the one ownership filter of every hand-written list and report.
- hooks.register(): the workflow's session hooks (the audit log, slot price and customer stage histories),
  installed by the app factory.
"""
