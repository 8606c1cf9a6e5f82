"""Where pictures' bytes live: a local directory by default (MEDIA_DIR), an S3-compatible bucket when
MEDIA_S3_BUCKET is set (several replicas then share it). Keys are chosen by bot.media.files, never by a client."""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from bot.core.settings import PROJECT_ROOT, settings

_KEY = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*\.[a-z]{2,4}")


class MediaMissing(LookupError):
    """The record names a file the storage no longer has."""


def _faults() -> tuple:
    """What a storage or database failure raises (the caller answers with an apology, never a stack trace)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from sqlalchemy.exc import SQLAlchemyError

    return (OSError, SQLAlchemyError, BotoCoreError, ClientError)


MEDIA_FAULTS = _faults()


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a media key: {key!r}")
    return key


class LocalStorage:
    """Files under one directory, written atomically (a reader never sees half a picture)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.root / _checked(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return (self.root / _checked(key)).read_bytes()
        except FileNotFoundError:
            raise MediaMissing(key) from None


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Tencent COS, Aliyun OSS in S3 mode)."""

    def __init__(self, bucket: str, endpoint: str = "", region: str = "") -> None:
        import boto3  # only when configured: boto3 takes a moment to import
        from botocore.config import Config

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint or None, region_name=region or None,
                                   config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 3}))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise MediaMissing(key) from None
            raise


def storage() -> Storage:
    """The configured storage (one per configuration: a test or a reload that changes it gets a new one)."""
    config = settings()
    return _storage(config.media_s3_bucket, config.media_s3_endpoint, config.media_s3_region, config.media_dir)


@lru_cache(maxsize=4)
def _storage(bucket: str, endpoint: str, region: str, directory: str) -> Storage:
    if bucket:
        return S3Storage(bucket, endpoint, region)
    root = Path(directory)
    return LocalStorage(root if root.is_absolute() else PROJECT_ROOT / root)
