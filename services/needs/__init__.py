"""Needs service: competency standards, assessments and the training-needs analysis (AKPK)."""
