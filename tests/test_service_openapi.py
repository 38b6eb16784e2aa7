"""The OpenAPI schema lists every endpoint, with request examples, and /docs serves it."""

from __future__ import annotations

from fastapi.routing import APIRoute

from phrasecoach import languagetool, service
from service_support import make_app, served

EXPECTED = {
    ("/healthz", "get"), ("/readyz", "get"),
    ("/v1/check", "post"), ("/v1/rewrite", "post"), ("/v1/score", "post"), ("/v1/rules", "get"), ("/v1/rules/{rule_id}", "get"),
    ("/v2/check", "get"), ("/v2/check", "post"), ("/v2/languages", "get"), ("/v2/info", "get"),
    ("/v2/healthcheck", "get"), ("/v2/maxtextlength", "get"),
}


def test_openapi_lists_every_endpoint():
    app = make_app()
    with served(app) as c:
        schema = c.get("/openapi.json").json()
        docs = c.get("/docs")
    listed = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert listed == EXPECTED
    # and every public route of the service's routers is among them
    routes = {(r.path, m.lower()) for router in (service.health, service.v1, languagetool.router)
              for r in router.routes if isinstance(r, APIRoute) and r.include_in_schema
              for m in r.methods}
    assert routes == EXPECTED
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_openapi_has_examples_and_error_shapes():
    with served(make_app()) as c:
        schema = c.get("/openapi.json").json()
    comps = schema["components"]["schemas"]
    assert {"text": "Date of birth?"} in comps["CheckRequest"]["examples"]
    assert comps["RewriteRequest"]["examples"]
    check = schema["paths"]["/v1/check"]["post"]["responses"]
    assert {"200", "401", "413", "422", "503"} <= set(check)
    assert check["413"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    lt = schema["paths"]["/v2/check"]["post"]
    assert "application/x-www-form-urlencoded" in lt["requestBody"]["content"]
    assert lt["responses"]["200"]["content"]["application/json"]["example"]["matches"]
