"""The ``huike`` console script: run | demo | worker | createadmin."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huike.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def cmd_run(args) -> int:
    """Migrate, load the demo company on an empty database, then serve web + worker."""
    _django()
    from django.conf import settings

    _manage("migrate", "--noinput", "--verbosity", "0")
    from huike.org.models import User

    if not User.objects.exists() and not args.no_demo:
        print("Empty database: loading the demo company (huike demo)…")
        _manage("demo")
    bind = f"{args.host}:{args.port}"
    workers = str(args.workers or max(2, (os.cpu_count() or 1) + 1))
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "huike.wsgi:application",
            "--bind",
            bind,
            "--workers",
            workers,
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
    )
    worker = subprocess.Popen([sys.executable, "-m", "huike.cli", "worker"])
    print(f"Huike is running on http://{bind}/ (data in {settings.DATA_DIR}); Ctrl+C stops it.")

    def stop(_signum=None, _frame=None):
        for proc in (web, worker):
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while web.poll() is None and worker.poll() is None:
            try:
                web.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in (web, worker):
            proc.wait(timeout=30)
    return web.returncode or 0


def cmd_worker(_args) -> int:
    _django()
    _manage("run_huey")
    return 0


def cmd_demo(_args) -> int:
    _django()
    _manage("migrate", "--noinput", "--verbosity", "0")
    _manage("demo")
    return 0


def cmd_createadmin(args) -> int:
    _django()
    from huike.org.management.commands.createadmin import create_admin

    create_admin(args.username, args.password, args.mobile, args.name)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="huike", description="Huike CRM")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve the web application and the job worker")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("HUIKE_PORT", "8000")))
    run.add_argument("--workers", type=int, default=0)
    run.add_argument("--no-demo", action="store_true", help="do not load the demo company")
    run.set_defaults(func=cmd_run)
    sub.add_parser("worker", help="run the background job worker").set_defaults(func=cmd_worker)
    sub.add_parser("demo", help="load the demo company").set_defaults(func=cmd_demo)
    admin = sub.add_parser("createadmin", help="create a super administrator")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--password")
    admin.add_argument("--mobile")
    admin.add_argument("--name", default="管理员")
    admin.set_defaults(func=cmd_createadmin)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
