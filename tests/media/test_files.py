"""Pictures as records on SQLite and PostgreSQL: stored with a thumbnail, found by their random id, limited per
conversation."""

import pytest

from bot.media import files
from bot.media.files import NotAPicture
from bot.store.db import transaction
from tests.media.pictures import SVG, picture


@pytest.fixture
def media_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    return tmp_path / "media"


def test_a_picture_is_stored_with_its_thumbnail_and_found_by_its_id(database, media_dir):
    photo = picture("PNG", size=(1000, 500))
    with transaction() as session:
        record = files.save_picture(session, photo, "web-abc", "socketio", "customer")
        media_id = record.id
        assert files.reference(record) == {"id": media_id, "type": "image", "width": 1000, "height": 500}
    assert len(media_id) == 24 and record.key.endswith(f"{media_id}.png")
    with transaction() as session:
        assert files.picture_bytes(session, media_id) == (photo, "image/png")
        small, kind = files.picture_bytes(session, media_id, thumbnail=True)
        assert kind == "image/jpeg" and len(small) < len(photo)
        with pytest.raises(LookupError):
            files.picture_bytes(session, "no-such-picture")
        with pytest.raises(LookupError):
            files.picture_bytes(session, "x" * 400)
    assert files.widget_url(media_id, thumbnail=True) == f"/widget/media/{media_id}/thumb"


def test_nothing_is_stored_for_a_refused_picture(database, media_dir):
    with transaction() as session, pytest.raises(NotAPicture):
        files.save_picture(session, SVG, "web-abc", "socketio", "customer")
    assert not media_dir.exists() or not [p for p in media_dir.rglob("*") if p.is_file()]


def test_a_conversation_sends_at_most_media_per_hour_pictures(database, media_dir, monkeypatch):
    monkeypatch.setenv("MEDIA_PER_HOUR", "2")
    photo = picture("JPEG", size=(64, 64))
    with transaction() as session:
        for _ in range(2):
            files.save_picture(session, photo, "web-abc", "socketio", "customer")
        with pytest.raises(NotAPicture, match="您发送的图片较多"):
            files.save_picture(session, photo, "web-abc", "socketio", "customer")
        files.save_picture(session, photo, "web-other", "socketio", "customer")  # another conversation
        files.save_picture(session, photo, "web-abc", "socketio", "agent", None)  # the agent's are not limited
