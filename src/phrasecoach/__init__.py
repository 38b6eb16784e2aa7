"""phrasecoach: a customer-service phrasing linter and rewrite suggester.

The front door is small on purpose:

    from phrasecoach import Coach
    coach = Coach()
    report = coach.check("Date of birth?")
    print(report.findings[0].message, report.rewritten)
"""

from .engine import Coach
from .errors import PhrasecoachError
from .models import (Applicability, Edit, Finding, Report, RewriteResult, Severity, Strength,
                     Suggestion)

__version__ = "0.1.0"
__all__ = ["Coach", "Report", "Finding", "Strength", "Suggestion", "Edit", "RewriteResult",
           "Severity", "Applicability", "PhrasecoachError", "__version__"]
