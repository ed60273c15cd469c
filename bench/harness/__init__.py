"""The benchmark harness behind ``bench/run.py`` (standard library + the venv)."""
