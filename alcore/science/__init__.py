"""The science: result tables, statistics, the paper's takeaways as tests, their calibration."""
