"""The benchmarks of DESIGN section 8: `make bench` runs them all (`python -m bench`)."""
