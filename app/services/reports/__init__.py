"""Reports: the console home's live figures of the day (dashboard)."""
