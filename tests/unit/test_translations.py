"""Track translations: what `content check` reports about them, the reader's fallback, and the merge."""

from __future__ import annotations

from pathlib import Path

from content.loader import LIBRARY_DIR, check_paths, load_track_file
from content.translation import TrackTranslation, apply, candidates, compare
from core.render import feedback_message, question_message

SOURCE = """\
id: mini
title: Mini
objective: Learn it.
units:
  - id: one
    title: One
    why: Because.
    lesson: Lesson one.
    questions:
      - id: q1
        prompt: Pick?
        explanation: Explained.
        choices:
          - text: Right
            correct: true
            feedback: Yes.
          - text: Wrong
            feedback: No.
      - id: tf
        type: true_false
        prompt: Sure?
        answer: false
        explanation: Tf explained.
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def source_hash(tmp: Path) -> str:
    track, problems, _ = load_track_file(write(tmp, "mini.yaml", SOURCE))
    assert track is not None, problems
    return track.content_hash()


def test_content_check_reports_missing_extra_changed_key_and_stale(tmp_path: Path) -> None:
    digest = source_hash(tmp_path)
    write(tmp_path, "mini.es.yaml", f"""\
translation_of: mini
language: es
source_hash: {digest}
title: Mini ES
units:
  - id: one
    title: Uno
    lesson: Lección uno.
    questions:
      - id: q1
        prompt: ¿Elige?
        choices:
          - text: Bien
            feedback: Sí.
          - text: Mal
            correct: true
          - text: Sobra
      - id: q9
        prompt: ¿Extra?
  - id: two
    title: Dos
    lesson: Dos.
""")
    write(tmp_path, "mini.de.yaml", f"""\
translation_of: mini
language: de
source_hash: {"f" * 64}
title: Mini DE
objective: Lernen.
units:
  - id: one
    title: Eins
    why: Darum.
    lesson: Lektion eins.
    questions:
      - id: q1
        prompt: Wähle?
        choices:
          - text: Richtig
            feedback: Ja.
          - text: Falsch
            feedback: Nein.
      - id: tf
        prompt: Sicher?
        answer: true
""")
    result = check_paths([tmp_path])
    lines = [str(p) for p in result.problems]
    es, de = str(tmp_path / "mini.es.yaml"), str(tmp_path / "mini.de.yaml")
    assert f"{es}:13: warning: question q1: choice 1 has no feedback" not in lines  # it has one
    assert f"{es}:16: error: question q1: choice 2 is marked correct=True here but correct=False in the source" \
        in lines
    assert f"{es}:15: warning: question q1: choice 2 has no feedback" in lines
    assert f"{es}:17: error: question q1: choice 3 does not exist in the source" in lines
    assert f"{es}:18: error: question q9 does not exist in unit one" in lines
    assert f"{es}:20: error: unit two does not exist in the source" in lines
    assert f"{es}:6: warning: unit one: question tf not translated" in lines
    assert f"{es}:6: warning: unit one: 'why' not translated" in lines
    assert f"{es}:1: warning: objective not translated" in lines
    assert f"{de}:3: warning: stale: the source mini changed after this de translation was made" in lines
    assert f"{de}:21: error: question tf: answer is True here but False in the source" in lines
    assert not result.ok and len(result.translations) == 2
    # Besides the source's own lint warning, only the translations' problems were reported.
    assert [p.message for p in result.problems if p.path not in (es, de)] == [
        "units: only 1 unit(s): too small to space out; aim for at least 3"]


def test_a_translation_without_its_source_is_named(tmp_path: Path) -> None:
    write(tmp_path, "other.yaml", SOURCE.replace("id: mini", "id: other"))
    write(tmp_path, "mini.fr.yaml", f"translation_of: mini\nlanguage: fr\nsource_hash: {'a' * 64}\n")
    [problem] = [p for p in check_paths([tmp_path]).problems if "mini.fr" in p.path]
    assert str(problem).endswith("mini.fr.yaml:1: error: translation_of: no track with id 'mini' among the "
                                 "checked files")
    write(tmp_path, "mini.fr.yaml", "translation_of: mini\nlanguage: Français!\nsource_hash: nope\n")
    messages = [p.message for p in check_paths([tmp_path / "mini.fr.yaml"]).problems]
    assert any("language tag" in m for m in messages) and any("source content hash" in m for m in messages)


def test_readers_fall_back_from_region_to_language_to_the_source() -> None:
    assert candidates("pt_BR", "en") == ["pt-BR", "pt"]
    assert candidates("es", "en") == ["es"]
    assert candidates("en", "en") == [] and candidates(None, "en") == []
    assert candidates("en_GB", "en") == ["en-GB"]
    assert candidates("de-AT", "de") == ["de-AT"]


def test_the_shipped_spanish_translation_is_complete_current_and_keeps_the_source_keys() -> None:
    source, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert source is not None
    result = check_paths([LIBRARY_DIR], strict=True)
    [es] = [t for t in result.translations if t.language == "es"]
    coverage = compare(source, es)
    assert coverage.findings == [] and not coverage.stale
    assert coverage.units == (6, 6) and coverage.questions == (11, 11)
    spanish = apply(source, es)
    for unit, mine in zip(source.units, spanish.units, strict=True):
        assert [q.id for q in unit.questions] == [q.id for q in mine.questions]
        for q, m in zip(unit.questions, mine.questions, strict=True):
            assert [c.correct for c in q.choices] == [c.correct for c in m.choices]
            assert m.prompt != q.prompt
    _, tf = spanish.question("phishing-only-email")
    assert [b.label for b in question_message(tf, 7, locale="es").buttons] == ["Verdadero", "Falso"]
    shown = feedback_message(tf, 0, locale="es")
    assert "Tu respuesta: Verdadero" in shown.text and "La respuesta correcta es: Falso" in shown.text
    assert "No exactamente." in shown.text


def test_a_partial_translation_keeps_the_source_words_for_what_it_lacks() -> None:
    source, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert source is not None
    partial = TrackTranslation.model_validate({
        "translation_of": "phishing-basics", "language": "pt", "source_hash": "b" * 64, "title": "Phishing",
        "units": [{"id": "what-phishing-is", "title": "O que é phishing"}]})
    mixed = apply(source, partial)
    assert mixed.units[0].title == "O que é phishing" and mixed.units[0].lesson == source.units[0].lesson
    assert mixed.units[1] == source.units[1]
