"""Mint a bearer token the services accept, for the demo and for scripts.

    python -m shared.tokens --nip 198001012005011001 --roles bkpsdm_admin --unit BKPSDM
    python -m shared.tokens --nip 198505052010011005 --roles partner --institution USU

Uses the same JWT_* environment variables as the services. Production tokens come from the city's
single sign-on; this command refuses to run with ENVIRONMENT=production.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from shared.http.auth import Role, mint_token
from shared.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.tokens", description=__doc__.splitlines()[0])
    parser.add_argument("--nip", required=True, help="the caller's NIP (18 digits)")
    parser.add_argument("--roles", required=True, help=f"comma-separated: {', '.join(r.value for r in Role)}")
    parser.add_argument("--unit", default=None, help="the caller's work-unit code")
    parser.add_argument("--institution", default=None, help="a partner's institution code (owns its curricula)")
    parser.add_argument("--hours", type=float, default=8.0, help="validity in hours (default 8)")
    args = parser.parse_args(argv)
    settings = ServiceSettings(service_name="tokens", http_port=1)
    if settings.environment == "production":
        parser.error("tokens are issued by the city's SSO in production")
    try:
        roles = [Role(r.strip()) for r in args.roles.split(",") if r.strip()]
    except ValueError as exc:
        parser.error(str(exc))
    print(
        mint_token(
            settings,
            nip=args.nip,
            roles=roles,
            unit_code=args.unit,
            institution=args.institution,
            ttl=timedelta(hours=args.hours),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
