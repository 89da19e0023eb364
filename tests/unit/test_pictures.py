"""Pictures in lessons and questions: the schema, `content check`, publishing, and the console showing them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from PIL import Image as PILImage
from typer.testing import CliRunner

from bot.cli import app
from content.loader import check_paths
from content.pictures import MAX_IMAGE_BYTES, stored_key
from content.translation import apply
from core.render import lesson_message, question_message
from core.services.attachments import store_pictures
from tests.helpers import World, make_track, original_hash


def png(width: int = 40, height: int = 30, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def track_body(unit_image: dict[str, str] | None, question_image: dict[str, str] | None = None) -> dict[str, object]:
    body = make_track("pics", units=3).model_dump(mode="json", exclude_none=True)
    units = body["units"]
    assert isinstance(units, list)
    if unit_image is not None:
        units[0]["image"] = unit_image
    if question_image is not None:
        units[0]["questions"][0]["image"] = question_image
    for u in units:
        u["why"] = "It matters."
    return body


def write(folder: Path, body: dict[str, object]) -> Path:
    path = folder / "pics.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def test_a_local_picture_and_a_url_pass_and_carry_their_hash(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "red.png").write_bytes(png())
    write(tmp_path, track_body({"src": "img/red.png", "alt": "A red warning sign"},
                               {"src": "https://example.org/mail.jpg", "alt": "A suspicious email"}))
    result = check_paths([tmp_path])
    assert result.ok, [str(p) for p in result.problems]
    track = result.tracks[0]
    image = track.units[0].image
    assert image is not None and image.sha256 in result.images
    assert result.images[image.sha256].data == png() and result.images[image.sha256].media_type == "image/png"
    lesson = lesson_message(track, track.units[0], 1)
    assert lesson.image is not None
    assert (lesson.image.key, lesson.image.alt, lesson.image.url) == (
        stored_key(image.sha256), "A red warning sign", "")
    question = question_message(track.units[0].questions[0], 5)
    assert question.image is not None
    assert (question.image.url, question.image.media_type) == ("https://example.org/mail.jpg", "image/jpeg")
    # A changed picture is a changed track: it publishes as a new version.
    before = track.content_hash()
    (tmp_path / "img" / "red.png").write_bytes(png(color=(0, 0, 200)))
    assert check_paths([tmp_path]).tracks[0].content_hash() != before


@pytest.mark.parametrize(("image", "setup", "message"), [
    ({"src": "gone.png", "alt": "x"}, None, "units[0].image.src: gone.png: no such file beside the track"),
    ({"src": "fake.png", "alt": "x"}, b"not an image at all", "fake.png is not a readable image"),
    ({"src": "big.png", "alt": "x"}, b"\0" * (MAX_IMAGE_BYTES + 1), "keep pictures under 5 MB"),
    ({"src": "thin.png", "alt": "x"}, png(2, 200), "longer side at most 20 times the shorter"),
    ({"src": "photo.png", "alt": "x"}, "jpeg", "is a image/jpeg file but its name says image/png"),
    ({"src": "pic.png"}, png(), "units[0].image: missing required key 'alt'"),
    ({"src": "pic.png", "alt": "  "}, png(), "units[0].image.alt"),
    ({"src": "pic.bmp", "alt": "x"}, png(), "an image file must end in .gif, .jpeg, .jpg, .png, .webp"),
    ({"src": "../pic.png", "alt": "x"}, png(), "a path relative to the track file, inside its folder"),
    ({"src": "ftp://example.org/a.png", "alt": "x"}, None, "must start with https:// or http://"),
    ({"src": "pic.png", "alt": "x" * 301}, png(), "units[0].image.alt"),
])
def test_content_check_names_what_is_wrong_with_a_picture(tmp_path: Path, image: dict[str, str],
                                                          setup: bytes | str | None, message: str) -> None:
    if setup is not None:
        data = setup
        if setup == "jpeg":
            buf = io.BytesIO()
            PILImage.new("RGB", (10, 10)).save(buf, "JPEG")
            data = buf.getvalue()
        assert isinstance(data, bytes)
        (tmp_path / image["src"].rsplit("/", 1)[-1]).write_bytes(data)
    path = write(tmp_path, track_body(image))
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "image:" in ln)
    result = CliRunner().invoke(app, ["content", "check", str(path)])
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ": error: " in ln]
    assert len(errors) == 1, result.stderr
    # The line named is the picture's (image:, src: or alt:), so the author lands on it.
    assert any(errors[0].startswith(f"{path}:{n}:") for n in (line, line + 1, line + 2)), errors[0]
    assert message in errors[0]
    assert "Traceback" not in result.stderr


def test_a_track_without_pictures_keeps_its_hash() -> None:
    # A picture-free track hashes as it did before pictures existed, so publishing it makes no new version.
    track = make_track("drill", units=3)
    assert track.content_hash() == original_hash(track)


def test_the_console_shows_the_alt_text_and_the_picture_file(tmp_path: Path, world: World) -> None:
    (tmp_path / "red.png").write_bytes(png())
    write(tmp_path, track_body({"src": "red.png", "alt": "A red warning sign"},
                               {"src": "https://example.org/mail.jpg", "alt": "A suspicious email"}))
    result = check_paths([tmp_path])
    world.publish(result.tracks[0])
    world.do(lambda s: store_pictures(s, result.images, world.clock.now()))
    leo = world.person("leo@example.org")
    world.campaign(["leo@example.org"], cid="drill-c", track="pics")
    world.tick(datetime(2027, 1, 4, 8, 31, tzinfo=UTC))
    (_, lesson), = world.inbox(leo, "lesson")
    lines = lesson.footer.splitlines()
    assert lines[0] == "🖼 A red warning sign"
    assert Path(lines[1].removeprefix("📎 ")).read_bytes() == png()
    (_, question), = world.inbox(leo, "question")
    assert question.footer.splitlines()[-2:] == ["🖼 A suspicious email", "🔗 https://example.org/mail.jpg"]


def test_a_translation_gives_the_pictures_alt_text_in_its_language(tmp_path: Path) -> None:
    (tmp_path / "red.png").write_bytes(png())
    write(tmp_path, track_body({"src": "red.png", "alt": "A red warning sign"},
                               {"src": "https://example.org/mail.jpg", "alt": "A suspicious email"}))
    source = check_paths([tmp_path]).tracks[0]
    (tmp_path / "pics.es.yaml").write_text(yaml.safe_dump({
        "translation_of": "pics", "language": "es", "source_hash": source.content_hash(),
        "units": [{"id": "u1", "lesson": "Lección 1.", "image_alt": "Una señal de aviso roja",
                   "questions": [{"id": "u1-q1", "image_alt": "Un correo sospechoso"}]}]}), encoding="utf-8")
    result = check_paths([tmp_path])
    assert not result.errors, result.errors
    spanish = apply(source, result.translations[0])
    lesson = lesson_message(spanish, spanish.units[0], 1, locale="es")
    question = question_message(spanish.units[0].questions[0], 1, locale="es")
    assert lesson.image is not None and question.image is not None
    assert (lesson.image.alt, question.image.alt) == ("Una señal de aviso roja", "Un correo sospechoso")
    assert lesson.image.key == stored_key(source.units[0].image.sha256 or "")  # the same picture file
    assert source.units[0].image.alt == "A red warning sign"  # the source is left as it was
