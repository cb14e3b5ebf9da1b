"""A local S3 server for the tests (tests/test_object_storage.py) and for trying the bucket by hand:
moto's S3 server on 127.0.0.1, in this process, in memory. It stands in for the center's own
MinIO or cloud bucket; nothing talks to an outside host."""

from __future__ import annotations

import logging
import uuid

ACCESS_KEY = "rongmei-test"
SECRET_KEY = "rongmei-test-secret"  # noqa: S105 - moto accepts any pair


class S3Server:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # not a line per request
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def __enter__(self) -> S3Server:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop()

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
        )

    def new_bucket(self) -> Bucket:
        name = f"rongmei-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return Bucket(self, name)


class Bucket:
    """One bucket of the server, as the tests look into it (by key, prefix included)."""

    def __init__(self, server: S3Server, name: str) -> None:
        self.server, self.name = server, name

    def backend(self, **options) -> dict:
        """STORAGES["default"] for this bucket, as settings.py makes it from RONGMEI_S3_*."""
        from rongmei.core.s3conf import s3_backend

        return s3_backend(bucket=self.name, endpoint_url=self.server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, **options)

    def keys(self, prefix: str = "") -> set[str]:
        pages = self.server.client().get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.server.client().put_object(Bucket=self.name, Key=key, Body=data)

    def delete(self, key: str) -> None:
        self.server.client().delete_object(Bucket=self.name, Key=key)

    def contents(self, prefix: str = "") -> dict[str, bytes]:
        return {key: self.read(key) for key in sorted(self.keys(prefix))}

    def drop(self) -> None:
        client = self.server.client()
        for key in self.keys():
            client.delete_object(Bucket=self.name, Key=key)
        client.delete_bucket(Bucket=self.name)
