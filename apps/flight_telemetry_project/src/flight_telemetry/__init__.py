"""Manager side of the flight telemetry app: arguments, synthetic data, work plan."""
