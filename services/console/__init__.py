"""The web console: the pages employees, supervisors, unit heads, BKPSDM and partners work in."""
