"""The tasks service: plans, units, users and login, duties, tasks, workflow, deadline scanner."""
