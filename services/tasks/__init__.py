"""The tasks service: plans, org units, users and login, duties, tasks, workflow, deadline scanner."""
