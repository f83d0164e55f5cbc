"""Seats: enrolments in batches, attendance, scores, placement papers and completion."""
