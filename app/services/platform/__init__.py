"""Shared plumbing every domain uses: the unit of work, the outbox, Idempotency-Key answers,
the audit log, the clock, money arithmetic, service errors and the partners' clients.
It depends on no domain package."""
