"""core.storage: FILE_STORAGE_URL parsing, and the S3 storage it configures, for real
against moto's S3-compatible server on loopback (tests/s3.py)."""

import posixpath
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

from api.v1.base_models.files.models import FileStorage
from core.storage import DEFAULT_EXPIRE, S3_BACKEND, presigned_download_url, storages_from_url
from tests.s3 import fetch, s3_client

BASE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEFAULTS = {
    "querystring_auth": True,
    "querystring_expire": DEFAULT_EXPIRE,
    "signature_version": "s3v4",
    "default_acl": "private",
    "file_overwrite": False,
    "custom_domain": None,
}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def options(url: str) -> dict:
    storages = storages_from_url(url, base=BASE)
    assert storages["staticfiles"] == BASE["staticfiles"]
    assert storages["default"]["BACKEND"] == S3_BACKEND
    return storages["default"]["OPTIONS"]


def not_found(client, bucket: str, key: str) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        return error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    return False


# --------------------------------------------------------------- storages_from_url
@pytest.mark.parametrize("url", ["", "   "])
def test_no_url_keeps_the_local_storage(url):
    storages = storages_from_url(url, base=BASE)
    assert storages == BASE
    assert storages is not BASE


def test_a_bucket_alone_gets_private_short_lived_urls_and_no_credentials():
    storages = storages_from_url("s3://my-bucket", base=BASE)
    assert storages == {
        "default": {"BACKEND": S3_BACKEND, "OPTIONS": {"bucket_name": "my-bucket", **DEFAULTS}},
        "staticfiles": BASE["staticfiles"],
    }
    # The base is left as it was.
    assert BASE["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_every_option():
    url = (
        "s3://AKIAEXAMPLE:wJalr%2FK7MDENG%2BbPxRfi@files.example-bucket"
        "?endpoint_url=http://127.0.0.1:9000&region_name=eu-west-1&addressing_style=path"
        "&signature_version=s3v4&querystring_expire=120&location=/tenant-a/uploads/"
        "&default_acl=bucket-owner-full-control&file_overwrite=true"
    )
    assert options(url) == {
        **DEFAULTS,
        "bucket_name": "files.example-bucket",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "wJalr/K7MDENG+bPxRfi",
        "endpoint_url": "http://127.0.0.1:9000",
        "region_name": "eu-west-1",
        "addressing_style": "path",
        "querystring_expire": 120,
        "location": "tenant-a/uploads",
        "default_acl": "bucket-owner-full-control",
        "file_overwrite": True,
    }


def test_credentials_are_url_decoded():
    found = options("s3://AK%40ID%3A1:s%2Fe%2Bc+r%3Ae%25t%20x@bucket-1")
    # "+" is literal in a URL's userinfo (not a space), "%3A" a colon inside a part.
    assert (found["access_key"], found["secret_key"]) == ("AK@ID:1", "s/e+c+r:e%t x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("Yes", True), ("false", False), ("0", False), ("off", False)],
)
def test_file_overwrite(value, expected):
    assert options(f"s3://bucket-1?file_overwrite={value}")["file_overwrite"] is expected


def test_an_empty_default_acl_sends_none():
    """For buckets whose owner enforces the object ownership (ACLs disabled)."""
    assert options("s3://bucket-1?default_acl=")["default_acl"] is None


def test_the_options_are_those_s3storage_takes():
    url = (
        "s3://key:secret@bucket-1?endpoint_url=http://127.0.0.1:9000&region_name=eu-west-1"
        "&addressing_style=virtual&querystring_expire=60&location=media&file_overwrite=1"
    )
    storage = S3Storage(**options(url))  # builds no connection
    assert (storage.bucket_name, storage.access_key, storage.secret_key) == (
        "bucket-1",
        "key",
        "secret",
    )
    assert (storage.endpoint_url, storage.region_name, storage.location) == (
        "http://127.0.0.1:9000",
        "eu-west-1",
        "media",
    )
    assert storage.client_config.s3 == {"addressing_style": "virtual"}
    assert storage.client_config.signature_version == "s3v4"
    assert (storage.querystring_auth, storage.querystring_expire) == (True, 60)
    assert (storage.default_acl, storage.file_overwrite, storage.custom_domain) == (
        "private",
        True,
        None,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://bucket-1",
        "file:///var/media",
        "gs://bucket-1",
        "s3://",
        "s3://key:secret@",
        "s3://bucket-1:9000",
        "s3://bucket-1/prefix",
        "s3://bucket-1#fragment",
        "s3://key@bucket-1",
        "s3://:secret@bucket-1",
        "s3://key:@bucket-1",
        "s3://bucket-1?custom_domain=cdn.example.com",
        "s3://bucket-1?querystring_auth=false",
        "s3://bucket-1?access_key=key",
        "s3://bucket-1?regionname=eu-west-1",
        "s3://bucket-1?region_name",
        "s3://bucket-1?region_name=",
        "s3://bucket-1?region_name=eu-west-1&region_name=us-east-1",
        "s3://bucket-1?endpoint_url=ftp://127.0.0.1",
        "s3://bucket-1?endpoint_url=127.0.0.1:9000",
        "s3://bucket-1?addressing_style=sideways",
        "s3://bucket-1?querystring_expire=soon",
        "s3://bucket-1?querystring_expire=0",
        "s3://bucket-1?querystring_expire=-5",
        "s3://bucket-1?querystring_expire=604801",
        "s3://bucket-1?default_acl=public-read",
        "s3://bucket-1?default_acl=authenticated-read",
        "s3://bucket-1?file_overwrite=maybe",
        "s3://[bucket-1",
    ],
)
def test_a_url_naming_no_known_storage_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="FILE_STORAGE_URL"):
        storages_from_url(url, base=BASE)


# ------------------------------------------------------------------ against moto
def test_the_fixture_makes_the_bucket_the_default_storage(s3_storage, s3_server):
    assert isinstance(default_storage, S3Storage)
    assert default_storage.bucket_name == s3_storage
    assert default_storage.endpoint_url == s3_server
    # A FileField's storage is default_storage itself (a LazyObject), bound when the
    # model class was made, so it follows the setting too.
    assert FileStorage._meta.get_field("file").storage is default_storage


def test_default_storage_saves_and_reads_back(s3_storage, s3_server):
    name = default_storage.save("files/1/first", ContentFile(b"stored bytes\x00\xff"))
    assert name == "files/1/first"
    assert default_storage.exists(name)
    assert default_storage.size(name) == 14
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == b"stored bytes\x00\xff"
    body = s3_client(s3_server).get_object(Bucket=s3_storage, Key=name)["Body"].read()
    assert body == b"stored bytes\x00\xff"


def test_an_existing_name_is_not_overwritten(s3_storage):
    first = default_storage.save("files/1/same", ContentFile(b"one"))
    second = default_storage.save("files/1/same", ContentFile(b"two"))
    assert first == "files/1/same"
    assert second != first
    with default_storage.open(first, "rb") as stored:
        assert stored.read() == b"one"


def test_a_file_field_saves_reads_and_deletes_in_the_bucket(s3_storage, s3_server):
    record = FileStorage(organization_id=7)
    record.file.save("report.pdf", ContentFile(b"%PDF-1.7 ..."), save=False)
    name = record.file.name
    assert name.startswith("files/7/")
    client = s3_client(s3_server)
    assert client.head_object(Bucket=s3_storage, Key=name)["ContentLength"] == 12
    assert record.file.size == 12
    with record.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.7 ..."
    record.file.delete(save=False)
    assert not_found(client, s3_storage, name)


def test_a_presigned_url_downloads_the_file_under_its_name(s3_storage, s3_server):
    record = FileStorage(organization_id=1)
    record.file.save("upload", ContentFile(b"quarterly numbers"), save=False)
    before = datetime.now(UTC).replace(microsecond=0)

    url = presigned_download_url(
        record.file,
        filename="Bericht \u00fcber\r\n Q1\u202e.pdf",
        content_type="application/pdf",
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3_server
    assert parts.path == f"/{s3_storage}/{record.file.name}"
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"].startswith("test/")
    assert query["X-Amz-Expires"] == str(DEFAULT_EXPIRE)
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=5) <= signed_at <= datetime.now(UTC)
    # Control and bidi characters are gone from the name; SigV4 signs these parameters
    # with the rest, so the header cannot be changed without spoiling the signature.
    disposition = content_disposition_header(True, "Bericht \u00fcber Q1.pdf")
    assert query["response-content-disposition"] == disposition
    assert query["response-content-type"] == "application/pdf"

    status, headers, body = fetch(url)
    assert (status, body) == (200, b"quarterly numbers")
    assert headers["Content-Disposition"] == disposition
    assert headers["Content-Type"] == "application/pdf"


def test_a_presigned_url_expires_when_asked(s3_storage):
    name = default_storage.save("files/1/short", ContentFile(b"brief"))
    fieldfile = FileStorage(organization_id=1, file=name).file

    url = presigned_download_url(fieldfile, filename="a.txt", content_type="text/plain", expire=1)

    # moto (5.2.5) checks neither the signature nor the expiry of a presigned URL (a GET
    # of this URL seconds later still succeeds there), so what is checked is what the
    # URL asks of S3: to be refused one second after X-Amz-Date.
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["1"]
    assert fetch(url)[0] == 200


def test_delete_removes_the_object(s3_storage, s3_server):
    name = default_storage.save("files/1/doomed", ContentFile(b"x"))
    client = s3_client(s3_server)
    assert not not_found(client, s3_storage, name)
    default_storage.delete(name)
    assert not_found(client, s3_storage, name)
    assert not default_storage.exists(name)
    default_storage.delete(name)  # deleting what is gone is no error


def test_listdir_walks_a_prefix_and_tells_modification_times(s3_storage):
    before = datetime.now(UTC).replace(microsecond=0)
    for name in ("files/1/a", "files/1/b", "files/2/sub/c", "elsewhere/d"):
        default_storage.save(name, ContentFile(b"x"))

    assert default_storage.listdir("files") == (["1", "2"], [])
    assert default_storage.listdir("files/1") == ([], ["a", "b"])
    assert default_storage.listdir("nothing-here") == ([], [])

    def walk(directory):  # as the orphan clean-up does (files/services.py)
        directories, files = default_storage.listdir(directory)
        yield from (posixpath.join(directory, name) for name in files)
        for sub in directories:
            yield from walk(posixpath.join(directory, sub))

    names = sorted(walk("files"))
    assert names == ["files/1/a", "files/1/b", "files/2/sub/c"]
    for name in names:
        modified = default_storage.get_modified_time(name)
        assert modified.tzinfo is not None
        assert before - timedelta(seconds=5) <= modified <= datetime.now(UTC)


def test_objects_are_stored_private(s3_storage, s3_server):
    sent = []
    client = default_storage.connection.meta.client
    client.meta.events.register(
        "before-parameter-build.s3.PutObject", lambda params, **kwargs: sent.append(params)
    )
    name = default_storage.save("files/1/secret", ContentFile(b"confidential"))

    assert sent[0]["ACL"] == "private"
    grants = s3_client(s3_server).get_object_acl(Bucket=s3_storage, Key=name)["Grants"]
    assert grants
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    assert not [g for g in grants if g["Grantee"].get("URI") in (ALL_USERS, AUTHENTICATED_USERS)]
    # Without its signature the object is refused.
    assert fetch(f"{s3_server}/{s3_storage}/{name}")[0] == 403


def test_no_presigned_url_on_the_local_filesystem(settings):
    assert isinstance(default_storage, FileSystemStorage)
    record = FileStorage(organization_id=1)
    record.file.save("local", ContentFile(b"on disk"), save=False)
    assert record.file.path.startswith(str(settings.MEDIA_ROOT))
    assert presigned_download_url(record.file, filename="a.txt", content_type="text/plain") is None


@pytest.mark.parametrize(
    "storage",
    [
        S3Storage(bucket_name="bucket-1", custom_domain="cdn.example.com"),
        S3Storage(bucket_name="bucket-1", querystring_auth=False),
    ],
    ids=["custom domain", "unsigned"],
)
def test_no_presigned_url_from_an_s3_storage_that_would_give_a_public_one(storage):
    fieldfile = FileStorage(organization_id=1, file="files/1/x").file
    fieldfile.storage = storage
    assert presigned_download_url(fieldfile, filename="a.txt", content_type="text/plain") is None
