"""The AGILab backend: apps run by AGILab's own public API (AgiEnv, AGI.*, RunRequest) in its Python."""
