"""The counter: walk-in sales (收银) and their receipts (小票); shifts (交接班) and the daily close
(日结) in counter.shifts."""
