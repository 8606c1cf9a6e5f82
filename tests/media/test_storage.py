"""Where pictures live: a local directory, or an S3-compatible bucket (moto's S3 server on loopback)."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from bot.media.storage import LocalStorage, MediaMissing, S3Storage, storage


def test_local_storage_writes_reads_and_refuses_keys_outside_it(tmp_path):
    local = LocalStorage(tmp_path)
    local.put("2026/12/abc_-1.jpg", b"picture", "image/jpeg")
    assert local.get("2026/12/abc_-1.jpg") == b"picture"
    assert not [p for p in tmp_path.rglob(".upload-*")]  # the temporary file was renamed into place
    with pytest.raises(MediaMissing):
        local.get("2026/12/nothing.jpg")
    for key in ("../outside.jpg", "/etc/passwd", "2026/12/a.jpg/../../b.jpg", "a b.jpg", "noextension"):
        with pytest.raises(ValueError):
            local.put(key, b"x", "image/jpeg")


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_s3_storage_keeps_pictures_in_the_bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="tp-media")
    bucket = S3Storage("tp-media", s3_endpoint, "us-east-1")
    bucket.put("2026/12/abc.png", b"\x89PNG...", "image/png")
    assert bucket.get("2026/12/abc.png") == b"\x89PNG..."
    head = bucket.client.head_object(Bucket="tp-media", Key="2026/12/abc.png")
    assert head["ContentType"] == "image/png"
    with pytest.raises(MediaMissing):
        bucket.get("2026/12/missing.png")


def test_the_settings_choose_the_storage(tmp_path, monkeypatch, s3_endpoint):
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path))
    monkeypatch.delenv("MEDIA_S3_BUCKET", raising=False)
    assert isinstance(storage(), LocalStorage) and storage().root == tmp_path
    monkeypatch.setenv("MEDIA_S3_BUCKET", "tp-media")
    monkeypatch.setenv("MEDIA_S3_ENDPOINT", s3_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert isinstance(storage(), S3Storage) and storage().bucket == "tp-media"
