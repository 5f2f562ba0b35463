"""The WSGI server the mock runs under (waitress with an elastic thread pool), started and stopped cleanly.

Shared by the CLI (mockserver.cli), the zones (mockserver.zones), the pytest plugin's live server and
the conformance kit; mockserver.cli re-exports both functions.
"""

from __future__ import annotations

import threading


def build_server(app, host: str, port: int, threads: int = 8):
    """A waitress server (the production WSGI server the README recommends); port 0 picks a free port.

    Its thread pool is elastic: a worker in an emulated wait (latency, thread-limit queue) is replaced
    for the wait's duration, so ``threads`` workers always serve other requests (mockserver.waiting).
    """
    from waitress.server import create_server

    from mockserver.waiting import ElasticDispatcher

    dispatcher = ElasticDispatcher()
    dispatcher.set_thread_count(threads)
    return create_server(app, host=host, port=port, threads=threads, ident="Microsoft-IIS/10.0",
                         clear_untrusted_proxy_headers=True, _dispatcher=dispatcher)


def stop_server(server, thread: threading.Thread | None = None, timeout: float = 30.0) -> None:
    """Stop a server started with ``build_server`` whose ``run()`` is looping in ``thread``.

    The sockets are closed from inside the server's own loop (via its trigger), so the loop ends cleanly
    instead of failing on a descriptor closed under its feet.
    """
    from waitress import wasyncore

    socket_map = getattr(server, "_map", None) if hasattr(server, "trigger") else None
    if socket_map is not None and thread is not None and thread.is_alive():
        if not _close_from_loop(server, socket_map, thread, timeout):
            # The trigger is gone (its pipe was closed or reported invalid, so the loop closed it):
            # close what is left from here; the loop sees an empty map and ends.
            wasyncore.close_all(socket_map, ignore_all=True)
            thread.join(timeout)
    else:
        server.close()
    server.task_dispatcher.shutdown()


def _close_from_loop(server, socket_map, thread: threading.Thread, timeout: float) -> bool:
    """Ask the loop to close its own sockets; False when its trigger can no longer be pulled."""
    from waitress import wasyncore

    trigger = server.trigger
    if getattr(trigger, "_closed", False):
        return False
    try:
        trigger.pull_trigger(lambda: wasyncore.close_all(socket_map, ignore_all=True))
    except OSError:
        return False
    thread.join(timeout)
    return True


def bind_error_message(host: str, port: int, exc: OSError) -> str:
    """Why ``host:port`` could not be bound, and what to try instead, in one line."""
    import errno

    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use: stop the program using it, choose another port "
                f"with --port N, or use --port 0 to pick a free one")
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} on {host}: use a port above 1023, or --port 0"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: not an address of this machine (use --host 127.0.0.1)"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc} (try --port 0)"
