"""Suite-wide setup.

Most tests exercise the engine's mechanisms (formats, rewrites, the service, QA scoring) through
rules that real-text measurement keeps at the `picky` level (docs/quality.md), so the suite runs
at `picky` unless a test asks for a level itself. What the default level shows is tested in
tests/test_levels.py with `Coach(level="default")` and a clean environment.
"""

import os

os.environ["PHRASECOACH_LEVEL"] = "picky"
