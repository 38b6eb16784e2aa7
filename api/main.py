"""`uvicorn api.main:app` from a source checkout; installed, prefer `phrasecoach serve`.

`phrasecoach serve` also gives uvicorn the request-header deadline (`header_timeout_s`, against
slowloris clients); running uvicorn yourself, add `--http phrasecoach.serving:HeaderTimeoutProtocol`
(10 s).
"""

from phrasecoach.service import create_app

app = create_app()
