"""Business rules: the only code that changes state or money, one package per domain.

platform/ is the plumbing every domain uses; catalogue/, orders/, payments/, ledger/, members/
and staff/ hold the rules. Packages depend one way: payments use orders, never the reverse."""
