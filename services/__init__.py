"""The four services of the competency-development cycle; each talks to the others only through Kafka."""
