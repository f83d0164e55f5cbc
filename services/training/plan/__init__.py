"""The phased implementation plan: phases and batches, the needs the planner reads, and the planning run
(load the year, let the pure planner decide, write what changed), requested and scheduled."""
