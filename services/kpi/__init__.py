"""The kpi service: indicators and targets, report forms, yearly reports, KPI values and status."""
