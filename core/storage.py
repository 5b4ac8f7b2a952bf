"""Where stored files live: the local filesystem by default (MEDIA_ROOT, var/media/),
S3-compatible object storage when FILE_STORAGE_URL names a bucket:

    FILE_STORAGE_URL=s3://ACCESS_KEY:SECRET@bucket-name?endpoint_url=http://127.0.0.1:9000&region_name=eu-west-1

(django-storages' S3Storage on boto3). The credentials are optional, URL-encoded
(a secret's "/" is written %2F); without them boto3's default chain applies (the
AWS_* environment variables, an instance or task role). The query may set these
S3Storage options: endpoint_url, region_name, addressing_style (auto, path,
virtual), signature_version (s3v4 unless given), querystring_expire (seconds, 300
unless given), location (a prefix inside the bucket), default_acl (private unless
given; never a public one; empty to send none, for buckets that refuse ACLs) and
file_overwrite (false unless given).

Objects are private: there is no public URL (custom_domain is refused), and a
download is either streamed by the application or, on S3, redirected to a presigned
URL that expires within minutes (`presigned_download_url`).
"""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.http import content_disposition_header

from .downloads import safe_filename

SETTING = "FILE_STORAGE_URL"
S3_BACKEND = "storages.backends.s3.S3Storage"
DEFAULT_EXPIRE = 300
# SigV4 presigned URLs live at most a week.
MAX_EXPIRE = 7 * 24 * 60 * 60

_ADDRESSING_STYLES = {"auto", "path", "virtual"}
# Canned ACLs that grant nothing beyond the bucket's owner ("" sends no ACL at all).
_PRIVATE_ACLS = {"private", "bucket-owner-read", "bucket-owner-full-control", ""}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _improperly(message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{SETTING}: {message}")


def _text(name: str, value: str) -> str:
    if not value:
        raise _improperly(f"{name} must not be empty.")
    return value


def _endpoint_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _improperly(f"{name} must be an http:// or https:// URL, not {value!r}.")
    return value


def _addressing_style(name: str, value: str) -> str:
    if value not in _ADDRESSING_STYLES:
        raise _improperly(f"{name} must be one of {sorted(_ADDRESSING_STYLES)}, not {value!r}.")
    return value


def _expire(name: str, value: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if not 0 < seconds <= MAX_EXPIRE:
        raise _improperly(f"{name} must be a number of seconds from 1 to {MAX_EXPIRE}.")
    return seconds


def _location(name: str, value: str) -> str:
    return value.strip("/")


def _acl(name: str, value: str) -> str | None:
    if value not in _PRIVATE_ACLS:
        allowed = sorted(acl for acl in _PRIVATE_ACLS if acl)
        raise _improperly(f"{name} must be one of {allowed} (or empty), not {value!r}.")
    return value or None


def _boolean(name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _improperly(f"{name} must be true or false, not {value!r}.")


# The S3Storage options the URL's query may set, each with its parser.
_OPTIONS = {
    "endpoint_url": _endpoint_url,
    "region_name": _text,
    "addressing_style": _addressing_style,
    "signature_version": _text,
    "querystring_expire": _expire,
    "location": _location,
    "default_acl": _acl,
    "file_overwrite": _boolean,
}


def _s3_options(parts) -> dict[str, Any]:
    userinfo, at, bucket = parts.netloc.rpartition("@")
    if not bucket or ":" in bucket:
        raise _improperly("s3://[ACCESS_KEY:SECRET@]bucket-name expected (no port).")
    if parts.path not in ("", "/") or parts.fragment:
        raise _improperly("no path or fragment after the bucket (use ?location=prefix).")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "querystring_auth": True,
        "querystring_expire": DEFAULT_EXPIRE,
        "signature_version": "s3v4",
        "default_acl": "private",
        "file_overwrite": False,
        # Never a public URL, whatever AWS_S3_CUSTOM_DOMAIN may say.
        "custom_domain": None,
    }
    if at:
        access_key, colon, secret_key = userinfo.partition(":")
        access_key, secret_key = unquote(access_key), unquote(secret_key)
        if not (colon and access_key and secret_key):
            raise _improperly("credentials must be ACCESS_KEY:SECRET (URL-encoded).")
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as error:
        raise _improperly(f"malformed query ({error}).") from None
    for name, values in query.items():
        if name == "custom_domain":
            raise _improperly("custom_domain is refused: stored files have no public URL.")
        if name not in _OPTIONS:
            raise _improperly(
                f"unknown option {name!r}; the options are {', '.join(sorted(_OPTIONS))}."
            )
        if len(values) > 1:
            raise _improperly(f"option {name!r} is given more than once.")
        options[name] = _OPTIONS[name](name, values[0])
    return options


def storages_from_url(url: str, *, base: dict) -> dict:
    """Django's STORAGES: `base` with its "default" replaced by the storage that `url`
    (FILE_STORAGE_URL) names, or `base` as it is for an empty `url`. Raises
    ImproperlyConfigured for a URL that names no storage known here."""
    url = url.strip()
    if not url:
        return dict(base)
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise _improperly(f"not a URL ({error}).") from None
    if parts.scheme != "s3":
        raise _improperly(f"unknown scheme {parts.scheme!r} (s3:// expected).")
    return {**base, "default": {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(parts)}}


def presigned_download_url(
    fieldfile, *, filename: str, content_type: str, expire: int | None = None
) -> str | None:
    """A presigned GET URL of `fieldfile` that makes the browser save it as `filename`
    with `content_type`, valid for `expire` seconds (the storage's querystring_expire,
    FILE_STORAGE_URL's, by default); None where the storage has no such URL (the
    local filesystem: the caller streams the bytes itself)."""
    storage = fieldfile.storage
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages[s3] is a runtime dependency
        return None
    # Only a signed URL of the bucket itself: never an unsigned or custom-domain one.
    if not isinstance(storage, S3Storage) or not storage.querystring_auth or storage.custom_domain:
        return None
    disposition = content_disposition_header(True, safe_filename(filename))
    return storage.url(
        fieldfile.name,
        parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
        expire=expire,
    )
