"""The day around the processes: the morning check with the warehouse (process 5) and the
assistant's end-of-day report (process 6)."""
