"""`make bench` and the scale test: realistic conversations replayed over the REST webhook under load."""
