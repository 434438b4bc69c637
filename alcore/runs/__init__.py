"""Experiment configs, the grid and its executors, the results store."""
