"""Training service: programme catalogue, enrolment of needs into programmes, completion."""
