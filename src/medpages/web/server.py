"""Run the web app with uvicorn: `medpages serve` calls `run(project, ...)`.

One process serves the app object directly; several (`workers` > 1) each build their own app
through the import-string factory `medpages.web.app:app_from_environment`, told which project by
MEDPAGES_PROJECT. They share sessions, rate limits and pages through the database.
"""

from __future__ import annotations

import importlib.util
import os

from medpages.project import Project

BACKLOG = 2048
KEEP_ALIVE_SECONDS = 5
# Connections and requests in flight per process before new ones get a 503: enough for a few
# hundred readers on keep-alive connections, few enough that a flood cannot exhaust memory.
CONCURRENCY_LIMIT = 1000


def server_options(host: str, port: int, workers: int) -> dict[str, object]:
    """What uvicorn is given: the fast loop and parser when installed, the limits above."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "backlog": BACKLOG,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "limit_concurrency": CONCURRENCY_LIMIT,
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "proxy_headers": False,  # the app reads X-Forwarded-* itself, only with [web] trusted_proxy
        "server_header": False,
        "access_log": False,
        "log_level": "warning",
    }


def run(project: Project, *, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """Serve the project's web app until interrupted; the arguments override `[web]` in medpages.toml."""
    import uvicorn

    web = project.settings.web
    options = server_options(host or web.host, web.port if port is None else port, workers or web.workers)
    shown = options["host"] if ":" not in str(options["host"]) else f"[{options['host']}]"
    if int(options["workers"]) > 1:
        from medpages.web.app import PROJECT_VARIABLE

        print(f"medpages: serving {project.root} at http://{shown}:{options['port']}/ "
              f"({options['workers']} workers; Ctrl+C to stop)", flush=True)
        os.environ[PROJECT_VARIABLE] = str(project.root)
        uvicorn.run("medpages.web.app:app_from_environment", factory=True, **options)
        return
    from medpages.web.app import create_app

    app = create_app(project)
    options.pop("workers")
    if options["port"] == 0:
        config = uvicorn.Config(app, **options)
        server = uvicorn.Server(config)
        _print_bound_url(server, str(shown))
        server.run()
        return
    print(f"medpages: serving {project.root} at http://{shown}:{options['port']}/ (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, **options)


def _print_bound_url(server, shown: str) -> None:  # type: ignore[no-untyped-def]
    """With port 0 the address is known only once the socket is bound: print it then."""
    startup = server.startup

    async def startup_then_print(sockets=None):  # type: ignore[no-untyped-def]
        await startup(sockets=sockets)
        for listener in getattr(server, "servers", []):
            for sock in listener.sockets:
                print(f"medpages: listening on http://{shown}:{sock.getsockname()[1]}/", flush=True)
                return

    server.startup = startup_then_print
