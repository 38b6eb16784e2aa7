"""`uvicorn api.main:app` from a source checkout; installed, prefer `phrasecoach serve`."""

from phrasecoach.service import create_app

app = create_app()
