"""The containers' health check: GET /api/v1/health/<live|ready>/ on this container's web
process; exit status 0 when it answers 200, 1 otherwise.

    python deploy/healthcheck.py live     # the image's HEALTHCHECK: the process answers
    python deploy/healthcheck.py ready    # compose's web service: it can take traffic

The health paths answer whatever Host a probe names (core.middleware.ProbeMiddleware)
and are exempt from the HTTPS redirect; a redirect is not followed, it fails the check.
The standard library only: the check starts no Django.
"""

import http.client
import sys

PORT = 8000
TIMEOUT = 4.0  # seconds: under the health checks' own timeout (5 s)


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "live"
    if which not in ("live", "ready"):
        print(f"usage: {sys.argv[0]} live|ready", file=sys.stderr)
        return 2
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=TIMEOUT)
    try:
        connection.request("GET", f"/api/v1/health/{which}/")
        response = connection.getresponse()
        body = response.read(500).decode(errors="replace")
    except OSError as error:
        print(f"{which}: {error}")
        return 1
    finally:
        connection.close()
    print(f"{which}: {response.status} {body}")
    return 0 if response.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
