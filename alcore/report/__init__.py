"""The report: figures, the explorer, notebook plumbing, parameters and the book builder."""
