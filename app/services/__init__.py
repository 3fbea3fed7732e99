"""Business rules: the only code that changes state or money."""
