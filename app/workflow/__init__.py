"""The service layer: every door (browser views, REST API, the sheet sync, CLI) writes through here.

Each function gathers facts from the ORM, calls the pure rule of `app.domain.rules`, applies the
change and records history; refusals are `RuleViolation`s, shown translated via `messages.translate`.

- guards.check_record_write(record, item, deleting=False): the rules of every write (ownership,
  status not editable directly, booking/contract customer, publication blockers, slot conflict...).
- contracts.transition_contract(contract, to, reason, actor=None): the approval chain.
- bookings.confirm_proof(...), bookings.publication_problems(booking).
- money.confirm_payment(payment), money.record_write_off(...), money lists.
- audit: the session hook writing audit_log; hooks.register() installs it and the histories (slot prices,
  customer stages) from the app factory.
"""
