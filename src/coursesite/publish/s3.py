"""An S3-compatible bucket (`s3://bucket/prefix`), through boto3.

Only files whose MD5 differs from the object's ETag are uploaded, each with
its Content-Type and a Cache-Control (long and immutable for content-hashed
image variants, short for pages). Assets go first, pages next, deletions
last: a visitor never gets a page whose images are not there. Credentials
are boto3's own: the AWS_* environment, profiles, instance roles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coursesite.config.site import GroupConfig, PublishSettings
from coursesite.mediatypes import cache_control, content_type
from coursesite.publish.base import Progress, PublishError, PublishOptions, Summary
from coursesite.publish.plan import RemoteFile, local_files, make_plan

DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


class S3Publisher:
    def __init__(self, target: str, settings: PublishSettings | None):
        self.target = target
        parts = urlsplit(target)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        self.endpoint_url = settings.endpoint_url if settings else None
        self.region = settings.region if settings else None

    def publish(self, folder: Path, group: GroupConfig, options: PublishOptions,
                progress: Progress) -> Summary:
        client = self.client()
        botocore_error = _botocore_errors()
        sent = 0
        try:
            plan = make_plan(local_files(folder), self.existing(client), "md5")
            summary = Summary.of(group.name, self.target, plan, options)
            if options.dry_run:
                return summary
            uploads = plan.uploads()
            stale = plan.stale if options.delete else []
            total = len(uploads) + len(stale)
            for file in uploads:
                client.put_object(Bucket=self.bucket, Key=self.prefix + file.path,
                                  Body=file.read(), ContentType=content_type(file.path),
                                  CacheControl=cache_control(file.path),
                                  ContentMD5=_base64_md5(file.digest("md5")))
                sent += 1
                progress(sent, total)
            for start in range(0, len(stale), DELETE_BATCH):
                keys = [{"Key": self.prefix + p} for p in stale[start:start + DELETE_BATCH]]
                client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys,
                                                                  "Quiet": True})
                sent += len(keys)
                progress(sent, total)
            return summary
        except botocore_error as exc:
            done = ("nothing was changed" if not sent else
                    f"{sent} files were uploaded or deleted, assets before pages; "
                    "running the publish again finishes it")
            raise PublishError(f"S3 {self.target}: {exc}", done) from None

    def client(self) -> Any:
        try:
            import boto3
        except ImportError:
            raise PublishError("publishing to S3 needs boto3",
                               "nothing was changed; pip install 'coursesite[s3]' "
                               "(or boto3) and run the publish again") from None
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region)

    def existing(self, client: Any) -> dict[str, RemoteFile]:
        found = {}
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                  Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                etag = item["ETag"].strip('"')
                digest = None if "-" in etag else etag  # a multipart ETag is not an MD5
                found[item["Key"][len(self.prefix):]] = RemoteFile(item["Size"], digest)
        return found


def _base64_md5(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _botocore_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)
