"""STORAGES["default"] for an S3-compatible bucket (MinIO, a provincial cloud's object storage):
one function for settings.py and the tests, with no Django import (settings.py loads it)."""

from __future__ import annotations


def s3_backend(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str = "us-east-1",
    prefix: str = "",
    addressing_style: str = "path",
    connect_timeout: int = 3,
    read_timeout: int = 60,
) -> dict:
    from botocore.config import Config

    return {
        # S3Storage whose url() never hands out a signed bucket address (rongmei/core/storage.py).
        "BACKEND": "rongmei.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region,
            # One bucket may hold several counties' files, each under its own prefix.
            "location": (prefix or "").strip("/"),
            "default_acl": None,  # private: the bucket's own policy, never public-read
            "file_overwrite": False,  # a second file of the same name gets a new name, as on disk
            "querystring_auth": True,
            # A file read whole (a partner's video adopted into the library) spills to disk
            # past this size instead of filling the process's memory.
            "max_memory_size": 16 * 1024 * 1024,
            # A store that does not answer fails the request in seconds (a 503 that says so,
            # rongmei/core/errors.py), not after boto's default minute.
            "client_config": Config(
                s3={"addressing_style": addressing_style},  # "path": MinIO and most private stores
                signature_version="s3v4",
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
