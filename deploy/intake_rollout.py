"""`deploy.py intake` and `rollback-intake`: the webhook intake on Cloud Run.

The first deploy creates `webhook-processor` with all traffic: there is no service to check beforehand and no
revision to shift traffic from. From the second deploy on it is the runbook's gradual rollout: health check,
deploy with no traffic, 10 % -> check -> 50 % -> check -> 100 %, back to the previous revision if a check fails.
The health URL is the service's own (`status.url` + /v1/health) unless --health-url names another (a domain in
front of it).
"""

from __future__ import annotations

import json
import time
import urllib.request

from gcloud_runner import Gcloud
from production import INTAKE_SERVICE, composer_env_variables, service_account, spanner_store_url

# deployment guide (001), "Deploy webhook processing service"
INTAKE_RESOURCES = {"memory": "2Gi", "cpu": "1", "timeout": "60", "port": "8080"}
INTAKE_SCALING = {"min_instances": 1, "max_instances": 50, "concurrency": 50}
INTAKE_COMMAND = ("--command=python", "--args=-m,leadline.cli,intake,serve,--host,0.0.0.0,--port,8080")
# The address Cloud Run's front end connects from, as the container sees it: its X-Forwarded-For entry names the
# real client, which the intake's brute-force block keys on.
CLOUD_RUN_FRONT_END = "169.254.0.0/16"
SHARED_SETTINGS = ("LEADLINE_STORAGE_URL", "LEADLINE_PUBLIC_URL", "LEADLINE_LINK_KEY_REF", "LEADLINE_SECRETS_PROJECT")


def intake_environment(args) -> dict[str, str]:
    """The store of the `leadline_db` connection, and the storage, link and secret settings Composer's tasks
    get (env-variables.yaml)."""
    composer = composer_env_variables(args.project, "COMPOSER-BUCKET", args.public_url, args.link_key_ref)
    env = {"LEADLINE_STORE_URL": spanner_store_url(args.project, args.spanner_instance, args.spanner_database),
           **{name: composer[name] for name in SHARED_SETTINGS},
           "LEADLINE_TRUSTED_PROXIES": CLOUD_RUN_FRONT_END}
    if args.redis_url:  # Memorystore: every instance shares the tenants' rate limits and the brute-force blocks
        env["LEADLINE_REDIS_URL"] = args.redis_url
    return env


def intake_network_args(args) -> list[str]:
    """Direct VPC egress to reach Memorystore (private IPs only; the store and Google APIs stay public)."""
    if not args.redis_url:
        return []
    if not (args.network and args.subnet):
        raise SystemExit("--redis-url needs --network and --subnet (Direct VPC egress to Memorystore)")
    return [f"--network={args.network}", f"--subnet={args.subnet}", "--vpc-egress=private-ranges-only"]


def intake_deploy_args(args, gradual: bool) -> list[str]:
    """`gcloud run deploy` for the intake, every setting explicit (a redeploy never inherits a hand change);
    `gradual`: the new revision starts with no traffic."""
    env = intake_environment(args)
    if any("|" in f"{k}={v}" for k, v in env.items()):
        raise ValueError("an intake environment value contains '|', the delimiter used for gcloud")
    return ["run", "deploy", INTAKE_SERVICE, f"--image={args.image}", f"--region={args.region}", "--platform=managed",
            f"--service-account={args.service_account or service_account(args.project)}",
            "--allow-unauthenticated",
            f"--min-instances={args.min_instances}", f"--max-instances={args.max_instances}",
            f"--concurrency={args.concurrency}",
            *(f"--{name}={value}" for name, value in INTAKE_RESOURCES.items()),
            *INTAKE_COMMAND,
            *intake_network_args(args),
            "--set-env-vars=^|^" + "|".join(f"{k}={v}" for k, v in env.items()),
            *(["--no-traffic"] if gradual else [])]


def healthy(url: str, attempts: int = 3) -> bool:
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - an operator-given https URL
                if response.status == 200 and json.load(response).get("status") in ("healthy", "degraded"):
                    return True
        except (OSError, ValueError):
            pass
        time.sleep(2 * (attempt + 1))
    return False


def service_url(gcloud: Gcloud, region: str) -> str | None:
    """The service's https URL, or None when it does not exist yet."""
    return gcloud.probe("run", "services", "describe", INTAKE_SERVICE, f"--region={region}",
                        "--format=value(status.url)")


def revisions(gcloud: Gcloud, region: str) -> list[str]:
    out = gcloud("run", "revisions", "list", f"--service={INTAKE_SERVICE}", f"--region={region}", "--limit=2",
                 "--sort-by=~metadata.creationTimestamp", "--format=value(metadata.name)", capture=True)
    return out.split()


def route(gcloud: Gcloud, region: str, revision: str, percent: int) -> None:
    gcloud("run", "services", "update-traffic", INTAKE_SERVICE, f"--region={region}",
           f"--to-revisions={revision}={percent}")


def deploy_intake(args) -> None:
    # a dry run cannot ask whether the service exists: it shows a routine deploy, the gradual rollout
    gcloud = Gcloud(args.project, args.dry_run, dry_run_answer="https://SERVICE-URL")
    url = service_url(gcloud, args.region)
    if url is None:
        create_intake(gcloud, args)
    else:
        roll_out_intake(gcloud, args, args.health_url or f"{url}/v1/health")


def create_intake(gcloud: Gcloud, args) -> None:
    gcloud(*intake_deploy_args(args, gradual=False))
    url = service_url(gcloud, args.region)
    health_url = args.health_url or f"{url}/v1/health"
    if not healthy(health_url):
        raise SystemExit(f"{INTAKE_SERVICE} was created but {health_url} is not healthy: read its logs with "
                         f"gcloud run services logs read {INTAKE_SERVICE} --region={args.region}")
    print(f"{INTAKE_SERVICE} created at {url}, all traffic on its first revision", flush=True)


def roll_out_intake(gcloud: Gcloud, args, health_url: str) -> None:
    if not args.dry_run and not healthy(health_url):
        raise SystemExit(f"pre-deployment health check failed: {health_url}")
    gcloud(*intake_deploy_args(args, gradual=True))
    if args.dry_run:
        route(gcloud, args.region, "NEW-REVISION", 10)
        return
    new, previous = (revisions(gcloud, args.region) + [None])[:2]
    print(f"new revision {new}, previous {previous}", flush=True)
    for percent in (10, 50, 100):
        route(gcloud, args.region, new, percent)
        if percent == 100:
            break
        time.sleep(args.step_wait)
        if not healthy(health_url):
            if previous:
                route(gcloud, args.region, previous, 100)
            raise SystemExit(f"health check failed at {percent} % on {new}: rolled back to {previous}")
    print("deployment complete", flush=True)


def rollback_intake(args) -> None:
    gcloud = Gcloud(args.project)
    url = service_url(gcloud, args.region)
    if url is None:
        raise SystemExit(f"no {INTAKE_SERVICE} service in {args.region} to roll back")
    current, previous = (revisions(gcloud, args.region) + [None, None])[:2]
    if previous is None:
        raise SystemExit(f"no revision before {current} to roll back to")
    route(gcloud, args.region, previous, 100)
    health_url = args.health_url or f"{url}/v1/health"
    if not healthy(health_url):
        raise SystemExit(f"rolled back to {previous}, but {health_url} is not healthy")
    print(f"rolled back to {previous}", flush=True)
