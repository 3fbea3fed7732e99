"""The counter: walk-in sales (收银) and their receipts (小票)."""
