"""The import and export jobs' examples: the products exported as CSV (the list's
filters apply) and the job followed to its file; a file of products checked by a dry
run, then imported with the failed rows left out and reported (the failed rows, their
CSV to fix); an import refused for a missing column; contacts and warehouses imported;
every other list exported. As the demo user, who administers the demo organization.

The examples show each job done, as a client finds it moments later (their tasks run
in-process here). The Postman collection, run against a served system whose worker
takes its time, leaves out the calls that need a job to have ended.
"""

from .capture import Call

JOBS = "/api/v1/data-jobs/"
JOB = f"{JOBS}{{job}}/"
IMPORT = f"{JOBS}{{import_job}}/"

# The other lists that export the same way (one example each).
LISTS = (
    "contacts",
    "warehouses",
    "stock-locations",
    "documents",
    "files",
    "comments",
    "meetings",
    "organizations",
    "organization-memberships",
)

CALLS = [
    Call(
        "Export the active products to CSV (the list's query parameters apply)",
        "POST",
        "/api/v1/products/export/",
        query={"status": "active", "ordering": "sku"},
        body={"format": "csv", "organization": "{organization}"},
        status=202,
        save={"job": "id"},
    ),
    Call("Follow the export job", "GET", JOB),
    Call(
        "Download the exported file",
        "GET",
        f"{JOB}download/",
        query={"file": "output"},
        in_postman=False,
    ),
    Call(
        "A PDF export (a readable table of the list)",
        "POST",
        "/api/v1/products/export/",
        query={"search": "chair"},
        body={"format": "pdf", "organization": "{organization}"},
        status=202,
    ),
    Call(
        "Check a file of products first (a dry run writes nothing)",
        "POST",
        "/api/v1/products/import/",
        body={"organization": "{organization}", "mode": "create", "dry_run": "true"},
        files={"file": "files/products.csv"},
        status=202,
    ),
    Call(
        "Import it, leaving out the rows that fail",
        "POST",
        "/api/v1/products/import/",
        body={"organization": "{organization}", "mode": "upsert", "on_error": "skip"},
        files={"file": "files/products.csv"},
        status=202,
        save={"import_job": "id"},
    ),
    Call("The failed rows, with what is wrong", "GET", f"{IMPORT}errors/"),
    Call(
        "Download the failed rows as CSV, to fix and import again",
        "GET",
        f"{IMPORT}download/",
        query={"file": "errors"},
        in_postman=False,
    ),
    Call(
        "A file without a column the mode needs is refused at once",
        "POST",
        "/api/v1/products/import/",
        body={"organization": "{organization}", "mode": "update"},
        files={"file": "files/contacts.csv"},
        status=400,
    ),
    Call(
        "Import contacts",
        "POST",
        "/api/v1/contacts/import/",
        body={"organization": "{organization}"},
        files={"file": "files/contacts.csv"},
        status=202,
    ),
    Call(
        "Import warehouses (or update them, by their code)",
        "POST",
        "/api/v1/warehouses/import/",
        body={"organization": "{organization}", "mode": "upsert"},
        files={"file": "files/warehouses.csv"},
        status=202,
    ),
    *(
        Call(
            f"Export the {name.replace('-', ' ')} to XLSX",
            "POST",
            f"/api/v1/{name}/export/",
            body={"format": "xlsx", "organization": "{organization}"},
            status=202,
        )
        for name in LISTS
    ),
    Call("Your import and export jobs", "GET", JOBS, query={"kind": "IMPORT"}),
    Call(
        "An export waiting for a busy worker",
        "POST",
        "/api/v1/contacts/export/",
        body={"format": "csv", "organization": "{organization}"},
        status=202,
        save={"queued_job": "id"},
        worker=False,
    ),
    Call(
        "Cancel it before it starts",
        "POST",
        f"{JOBS}{{queued_job}}/cancel/",
        in_postman=False,  # the served system's worker may have run it already
    ),
    Call(
        "A job that has ended cannot be cancelled",
        "POST",
        f"{JOB}cancel/",
        status=409,
        in_postman=False,
    ),
]
