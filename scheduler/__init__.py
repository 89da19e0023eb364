"""When things happen: cadence maths, planner, outbox dispatcher, escalation, digests, worker."""
