"""Everything that speaks HTTP: the application factory (``app``), the access gate and
endpoint roles (``access``, ``web``), session loading (``auth``), the per-request database
session (``db_session``), problem mapping (``problems``), rate limits (``limits``), request
logs (``logs``), request latency for the metrics (``metrics``), the health probes
(``health``), trusted proxies (``proxies``), OpenAPI (``openapi``), CSP reports
(``csp_reports``), the PWA's pages (``pwa_views``) and the API's thin views (``api``).

The API blueprints live here, under ``backend.http.api``, because they are HTTP and nothing
else: keeping them inside this package lets one layer rule cover every Flask import.

May import: services, pipeline, schemas, routing, models, core, domain, crypto, the
scheduler (started by the factory). Never the CLI. The only layer that imports Flask.
"""
