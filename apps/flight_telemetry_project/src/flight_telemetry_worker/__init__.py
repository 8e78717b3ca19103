"""Worker side of the flight telemetry app (shipped to every worker host)."""
