"""`leadline`: the ops command line (store, tenants, dashboard access, intake)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from leadline.config import default_store_url
from leadline.domain.crm import CRM_TYPES


class CommandError(Exception):
    """A refusal the user can act on (no such tenant, a duplicate, a bad value): `main` prints it as one line on
    stderr and exits 2, as argparse does for a bad command line."""


def _engine(args):
    """The store's engine for this command: one per command, closed by `main` when the command ends."""
    from leadline.store.engine import create_store_engine

    if getattr(args, "store_engine", None) is None:
        args.store_engine = create_store_engine(args.store_url)
    return args.store_engine


def db_upgrade(args) -> None:
    from leadline.store.migrate import current_revision, upgrade

    engine = _engine(args)
    upgrade(engine)
    print(f"store at revision {current_revision(engine)}")


def _tenant_config(raw: str) -> dict:
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandError(f"--config is not JSON: {exc.msg} at character {exc.pos}") from exc
    if not isinstance(config, dict):
        raise CommandError("--config must be a JSON object")
    return config


def tenants_add(args) -> None:
    from sqlalchemy.exc import IntegrityError

    from leadline.secrets import reference_problem
    from leadline.store.tenants import Tenant, add_tenant, get_tenant

    problem = reference_problem(args.webhook_secret_ref)
    if problem:
        raise CommandError(f"--webhook-secret-ref is {problem}")
    tenant = Tenant(
        tenant_id=args.tenant_id,
        name=args.name,
        status="active",
        webhook_secret_ref=args.webhook_secret_ref,
        lead_scoring_threshold=args.lead_scoring_threshold,
        primary_crm=args.primary_crm,
        secondary_crm=args.secondary_crm,
        retention_days=args.retention_days,
        requests_per_minute=args.requests_per_minute,
        config=_tenant_config(args.config),
    )
    try:
        with _engine(args).begin() as conn:
            duplicate = get_tenant(conn, tenant.tenant_id) is not None
            if not duplicate:
                add_tenant(conn, tenant)
    except IntegrityError:  # added by someone else since the check
        duplicate = True
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if duplicate:
        raise CommandError(f"tenant {tenant.tenant_id} already exists: change it with tenants set-status, "
                           "set-limits, set-crm or set-context")
    print(f"tenant {tenant.tenant_id} added")


def tenants_list(args) -> None:
    from leadline.store.tenants import list_tenants

    with _engine(args).connect() as conn:
        for t in list_tenants(conn):
            print(f"{t.tenant_id}\t{t.status}\t{t.name}\tthreshold={t.lead_scoring_threshold}\t"
                  f"crm={t.primary_crm or '-'}/{t.secondary_crm or '-'}\tlimit={t.requests_per_minute}/min "
                  f"burst={t.burst_limit}")


def tenants_set_status(args) -> None:
    from leadline.store.tenants import set_tenant_status

    with _engine(args).begin() as conn:
        if not set_tenant_status(conn, args.tenant_id, args.status):
            raise CommandError(f"no tenant {args.tenant_id}")
    print(f"tenant {args.tenant_id} is {args.status}")


def tenants_set_limits(args) -> None:
    from leadline.store.tenants import set_limits

    try:
        with _engine(args).begin() as conn:
            if not set_limits(conn, args.tenant_id, args.requests_per_minute, args.burst):
                raise CommandError(f"no tenant {args.tenant_id}")
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    burst = args.burst or f"{max(1, args.requests_per_minute // 10)} (a tenth of the minute's limit)"
    print(f"tenant {args.tenant_id}: {args.requests_per_minute} webhooks per minute, burst {burst}; "
          "intake instances apply it within a minute")


def tenants_set_crm(args) -> None:
    from leadline.store.tenants import set_crm_integration

    with _engine(args).begin() as conn:
        if not set_crm_integration(conn, args.tenant_id, args.crm_type, args.connection_id, args.status):
            raise CommandError(f"no tenant {args.tenant_id}")
    print(f"tenant {args.tenant_id}: {args.crm_type} through Airflow connection {args.connection_id} ({args.status})")


def tenants_set_context(args) -> None:
    """What the tenant sells, where, and what a qualified lead is: config.business_context (validated)."""
    from pydantic import ValidationError

    from leadline.domain.context import BusinessContext
    from leadline.store.tenants import set_config_section

    raw = Path(args.file).read_text() if args.file else args.json
    try:
        context = BusinessContext.model_validate_json(raw)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, error['loc'])) or 'context'}: {error['msg']}"
                           for error in exc.errors())
        raise CommandError(f"invalid business context: {exc.error_count()} error(s): {errors}") from exc
    with _engine(args).begin() as conn:
        if not set_config_section(conn, args.tenant_id, "business_context", context.model_dump(mode="json")):
            raise CommandError(f"no tenant {args.tenant_id}")
    print(f"tenant {args.tenant_id}: {len(context.services)} services, "
          f"{len(context.service_area.cities)} service-area cities, qualification {context.qualification.model_dump()}")


def access_grant(args) -> None:
    from leadline.store.members import grant

    with _engine(args).begin() as conn:
        if not grant(conn, args.tenant_id, args.username):
            raise CommandError(f"no tenant {args.tenant_id}")
    print(f"{args.username} may see tenant {args.tenant_id} in the dashboard")


def access_revoke(args) -> None:
    from leadline.store.members import revoke

    with _engine(args).begin() as conn:
        revoke(conn, args.tenant_id, args.username)
    print(f"{args.username} may no longer see tenant {args.tenant_id}")


def intake_serve(args) -> None:
    from leadline.config import IntakeSettings
    from leadline.intake.app import create_app
    from leadline.intake.server import serve

    settings = IntakeSettings.from_env()
    settings = type(settings)(**{**settings.__dict__, "store_url": args.store_url})
    serve(create_app(settings), settings, args.host, args.port, args.log_level, args.access_log)


def privacy_erase(args) -> None:
    import getpass

    from leadline.privacy import ErasureError, erase_person

    try:
        result = erase_person(_engine(args), args.tenant, phone=args.phone, email=args.email,
                              requested_by=args.requested_by or getpass.getuser(), delete_in_crm=args.delete_in_crm)
    except ErasureError as exc:
        raise CommandError(str(exc)) from exc
    print(json.dumps(result, indent=2, default=str))


def _default_store_url(parser: argparse.ArgumentParser) -> str:
    """The store the environment names; a connection that names none is a usage error, not a traceback."""
    try:
        return default_store_url()
    except ValueError as exc:
        parser.error(str(exc))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadline")
    parser.add_argument("--store-url", default=_default_store_url(parser), help=(
        "SQLAlchemy URL of the Leadline store (default: LEADLINE_STORE_URL, else the leadline_db connection in "
        "AIRFLOW_CONN_LEADLINE_DB, as Airflow's tasks read it, with its credentials, else "
        "$LEADLINE_HOME/leadline.db); Spanner without a key_path or impersonation_chain uses Application Default "
        "Credentials (gcloud auth application-default login)"))
    sub = parser.add_subparsers(required=True)
    db = sub.add_parser("db", help="store schema").add_subparsers(required=True)
    for name in ("init", "upgrade"):
        db.add_parser(name, help="apply all migrations (on Spanner: creates the database when absent, and on "
                      "the emulator its instance)").set_defaults(func=db_upgrade)
    tenants = sub.add_parser("tenants", help="tenant registry").add_subparsers(required=True)
    _add_tenant_commands(tenants)
    access = sub.add_parser("access", help="dashboard access per Airflow user").add_subparsers(required=True)
    for name, func in (("grant", access_grant), ("revoke", access_revoke)):
        command = access.add_parser(name, help=f"{name} an Airflow user's access to a tenant's dashboard")
        command.add_argument("username")
        command.add_argument("tenant_id")
        command.set_defaults(func=func)
    intake = sub.add_parser("intake", help="webhook intake").add_subparsers(required=True)
    serve = intake.add_parser("serve", help="run the intake standalone under uvicorn (the Cloud Run shape)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8081)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    serve.set_defaults(func=intake_serve)
    privacy = sub.add_parser("privacy", help="one person's data (erasure requests)").add_subparsers(required=True)
    _add_privacy_commands(privacy)
    return parser


def _add_tenant_commands(tenants: argparse._SubParsersAction) -> None:
    from leadline.store.tenants import (
        DEFAULT_LEAD_SCORING_THRESHOLD,
        DEFAULT_REQUESTS_PER_MINUTE,
        DEFAULT_RETENTION_DAYS,
    )

    add = tenants.add_parser("add", help="register an active tenant")
    add.add_argument("tenant_id")
    add.add_argument("--name", required=True)
    add.add_argument("--webhook-secret-ref", required=True, help="env:NAME, file:PATH or gsm:projects/P/secrets/S")
    add.add_argument("--lead-scoring-threshold", type=int, default=DEFAULT_LEAD_SCORING_THRESHOLD)
    add.add_argument("--primary-crm", choices=CRM_TYPES)
    add.add_argument("--secondary-crm", choices=CRM_TYPES)
    add.add_argument("--retention-days", type=int, default=DEFAULT_RETENTION_DAYS)
    add.add_argument("--requests-per-minute", type=int, default=DEFAULT_REQUESTS_PER_MINUTE)
    add.add_argument("--config", default="{}", help="tenant config JSON (callrail_company_id, crm_config, ...)")
    add.set_defaults(func=tenants_add)
    tenants.add_parser("list").set_defaults(func=tenants_list)
    status = tenants.add_parser("set-status", help="pause, resume or deactivate a tenant")
    status.add_argument("tenant_id")
    status.add_argument("status", choices=["active", "paused", "inactive"])
    status.set_defaults(func=tenants_set_status)
    limits = tenants.add_parser("set-limits", help="the tenant's webhook rate limit and burst (runbook 002: "
                                "right-size a tenant's limits)")
    limits.add_argument("tenant_id")
    limits.add_argument("--requests-per-minute", type=int, required=True)
    limits.add_argument("--burst", type=int, help="most requests admitted at once (default: a tenth of a minute's)")
    limits.set_defaults(func=tenants_set_limits)
    crm = tenants.add_parser("set-crm", help="point a tenant's CRM at an Airflow connection (crm_integrations)")
    crm.add_argument("tenant_id")
    crm.add_argument("crm_type", choices=CRM_TYPES)
    crm.add_argument("connection_id", help="e.g. hubspot_acme; the connection holds the CRM credentials")
    crm.add_argument("--status", choices=["active", "disabled"], default="active")
    crm.set_defaults(func=tenants_set_crm)
    business = tenants.add_parser("set-context", help="what the tenant sells (services with synonyms), its service "
                                  "area and what a qualified lead is (config.business_context)")
    business.add_argument("tenant_id")
    source = business.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", help="JSON file: business_name, industry, services[{name, synonyms}], "
                        "service_area{description, cities}, qualification{min_budget, require_service_area}")
    source.add_argument("--json", help="the same JSON inline")
    business.set_defaults(func=tenants_set_context)


def _add_privacy_commands(privacy: argparse._SubParsersAction) -> None:
    erase = privacy.add_parser("erase", help="remove or anonymise one person's data everywhere Leadline stores it "
                               "within the tenant; records the erasure; lists (or deletes) the CRM records")
    erase.add_argument("--tenant", required=True)
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="the person's phone number, any format")
    who.add_argument("--email", help="the person's email address")
    erase.add_argument("--requested-by", help="who asked for it (default: the OS user)")
    erase.add_argument("--delete-in-crm", action=argparse.BooleanOptionalAction, default=None,
                       help="delete the CRM records too (default: the tenant's config privacy.delete_in_crm)")
    erase.set_defaults(func=privacy_erase)


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except CommandError as error:
        parser.exit(2, f"leadline: {error}\n")
    finally:
        if getattr(args, "store_engine", None) is not None:
            args.store_engine.dispose()


if __name__ == "__main__":
    main()
