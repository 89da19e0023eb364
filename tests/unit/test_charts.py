"""Digest charts (core.charts): real renders, checked as PNG and SVG files."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from core.charts import PersonWeek, progress_chart, week_label

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parents[2]


def cohort(people: int, weeks: int = 6, seed: int = 7) -> list[PersonWeek]:
    rng = random.Random(seed)
    rows = []
    for i in range(people):
        done, skill = 0, rng.uniform(0.4, 0.95)
        for w in range(weeks):
            k = rng.choice([0, 2, 3, 4])
            done = min(20, done + k)
            rows.append(PersonWeek(f"Learner {i:02d}", date(2025, 5, 5) + timedelta(weeks=w), done, 20, k,
                                   sum(rng.random() < skill for _ in range(k))))
    return rows


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_small_team_renders_a_chat_sized_png() -> None:
    data = progress_chart(cohort(5), "Security basics · week to Jun 9")
    assert png_size(data) == (900, 500)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert 10_000 < len(data) < 400_000


def test_forty_people_grow_the_chart_within_bounds() -> None:
    data = progress_chart(cohort(40), "Whole department")
    width, height = png_size(data)
    assert width == 900 and 500 < height <= 1600


def test_empty_data_still_renders() -> None:
    data = progress_chart([], "Nobody started yet")
    assert png_size(data) == (900, 500)


def test_people_without_answers_or_units_render() -> None:
    rows = [PersonWeek("New starter", date(2025, 6, 2), 0, 0, 0, 0),
            PersonWeek("Quiet one", date(2025, 6, 2), 0, 12, 0, 0)]
    assert png_size(progress_chart(rows, "Week one")) == (900, 500)


def test_svg_variant_is_valid_xml() -> None:
    data = progress_chart(cohort(12), "Web dashboard", fmt="svg")
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # Text is drawn as glyph paths (the file needs no fonts); matplotlib names each text in a comment.
    assert b"<!-- Web dashboard -->" in data and b"<!-- Accuracy by week -->" in data


def test_same_data_gives_the_same_png_bytes() -> None:
    rows = cohort(6)
    assert progress_chart(rows, "Stable") == progress_chart(rows, "Stable")


def test_renders_concurrently_without_shared_state() -> None:
    jobs = [(cohort(n, seed=n), f"Team {n}") for n in (3, 9, 15, 4)]
    serial = [progress_chart(rows, title) for rows, title in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda job: progress_chart(*job), jobs))
    assert threaded == serial


def test_locale_changes_the_words() -> None:
    rows = cohort(3)
    german = progress_chart(rows, "T", locale="de-DE", fmt="svg")
    assert b"<!-- Trefferquote pro Woche -->" in german and b"<!-- 2.6. -->" in german
    assert b"Accuracy" not in german
    assert week_label(date(2025, 6, 2)) == "Jun 2"
    assert week_label(date(2025, 6, 2), "de_AT") == "2.6."
    assert week_label(date(2025, 6, 2), "xx") == "Jun 2"  # untranslated locales fall back to English


def test_importing_core_charts_does_not_load_matplotlib() -> None:
    code = "import sys, core.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         timeout=60)
    assert out.stdout.strip() == "False"


def test_long_names_are_cut_to_the_measured_room() -> None:
    rows = [PersonWeek("Maximiliane Wolkenstein-Oberhausen", date(2025, 6, 2), 3, 10, 3, 2),
            PersonWeek("Иван Петров", date(2025, 6, 2), 1, 10, 1, 0)]
    svg = progress_chart(rows, "Names", fmt="svg").decode()
    assert "<!-- Иван Петров -->" in svg
    assert "Wolkenstein-Oberhausen -->" not in svg
    assert "<!-- Maximiliane" in svg and "… -->" in svg


def test_namesakes_with_ids_get_a_bar_each() -> None:
    rows = [PersonWeek("Alex Kim", date(2025, 6, 2), 3, 10, 3, 2, person_id=1),
            PersonWeek("Alex Kim", date(2025, 6, 2), 7, 10, 2, 2, person_id=2)]
    svg = progress_chart(rows, "Namesakes", fmt="svg").decode()
    assert svg.count("<!-- Alex Kim -->") == 4  # two bar labels and two legend entries
    assert "<!-- 3/10 -->" in svg and "<!-- 7/10 -->" in svg


def test_digest_chart_reuses_a_layout_and_stays_deterministic() -> None:
    from core.digest_chart import digest_png

    small, big = cohort(5), cohort(10)
    first = digest_png(small, "Your team's progress")
    assert png_size(first) == (720, 400)
    assert digest_png(big, "Your team's progress") != first  # another layout: team line and band
    assert digest_png(small, "Your team's progress") == first  # the reused figure leaves nothing behind
    assert png_size(digest_png(cohort(25), "Big team"))[1] > 400
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda _: digest_png(small, "Your team's progress"), range(4))) == [first] * 4
    assert png_size(digest_png([], "Nothing yet")) == (720, 400)


def test_digest_chart_draws_each_name_beside_its_bar_and_cuts_long_ones() -> None:
    import io

    from PIL import Image, ImageChops

    from core.digest_chart import digest_png, fit

    def changed(a: bytes, b: bytes) -> tuple[int, int, int, int] | None:
        diff = ImageChops.difference(Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB"))
        return diff.getbbox()

    rows = cohort(10)
    renamed = [r if r.person != "Learner 03" else PersonWeek("Zoe Quist", *list(vars(r).values())[1:]) for r in rows]
    box = changed(digest_png(rows, "Team"), digest_png(renamed, "Team"))
    assert box is not None and box[2] < 116  # only the name column left of the bars (at x = 116 px) changed
    assert box[3] - box[1] < 20  # on one row
    cut = fit("Maximiliane Wolkenstein-Oberhausen", 9, 1.33)
    assert cut.startswith("Maximiliane") and cut.endswith("…") and "Oberhausen" not in cut
    assert fit("Иван Петров", 9, 1.33) == "Иван Петров"


def test_digest_chart_is_a_small_palette_png_in_the_exact_colours() -> None:
    import io

    from PIL import Image

    from core.charts import PALETTE, TRACK_GREY
    from core.digest_chart import digest_png

    def rgb(colour: str) -> tuple[int, int, int]:
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)

    for people, bars in ((5, PALETTE[:5]), (10, PALETTE[:1])):
        png = digest_png(cohort(people), "Your team's progress")
        image = Image.open(io.BytesIO(png))
        assert (image.format, image.mode, image.size) == ("PNG", "P", (720, 400))
        assert len(png) < 25_000
        counts = {colour: n for n, colour in image.convert("RGB").getcolors(256) or []}
        assert counts[(255, 255, 255)] > 720 * 400 // 2  # white paper, not a near-white
        assert counts[rgb(TRACK_GREY)] > 1000
        for colour in bars:
            assert counts[rgb(colour)] > 1000  # each bar in its exact colour


def test_digest_chart_shows_each_name_beside_its_own_bar() -> None:
    import io

    from PIL import Image, ImageChops

    from core.digest_chart import digest_png

    rows = cohort(10)
    first = Image.open(io.BytesIO(digest_png(rows, "Team"))).convert("RGB")
    centres = []
    for name in sorted({r.person for r in rows}):
        # A letter more keeps the order (best progress first, then by name) and moves only this name.
        longer = [PersonWeek(r.person + "x" if r.person == name else r.person, *list(vars(r).values())[1:])
                  for r in rows]
        second = Image.open(io.BytesIO(digest_png(longer, "Team"))).convert("RGB")
        box = ImageChops.difference(first, second).getbbox()
        assert box is not None and box[2] < 116 and box[3] - box[1] < 16, (name, box)
        centres.append((box[1] + box[3]) // 2)
    assert len(set(centres)) == 10  # ten names on ten rows


def test_glyphs_draw_words_as_pillow_draws_them() -> None:
    from matplotlib.font_manager import FontProperties, findfont
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    from core.chart_pixels import Glyphs

    path = findfont(FontProperties())
    rng = random.Random(3)
    letters = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,-'’/()ÄÖÜäöüßéçñøłŠİ"
               "АБВГДЖЗИЛПФЦЩЮЯбвгджзилпфцщюяΑΓΔΘΛΠΣΦΨΩαβγδθλπσφψω…fjTeAVWaYoLT")
    for pixels in (7 * 80 / 72, 9 * 80 / 72):
        basic = ImageFont.truetype(path, pixels, layout_engine=ImageFont.Layout.BASIC)
        full = ImageFont.truetype(path, pixels)
        glyphs = Glyphs(basic, full)
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 20))) for _ in range(150)]
        # Text that needs shaping (Arabic, a combining accent) goes through Pillow's full layout.
        for text in [*words, "Jos\u0065\u0301 Núñez", "علي حسن", "Learner 07", "Maximiliane Wolk…"]:
            xy, anchor = (rng.uniform(150, 250), rng.uniform(20, 60)), rng.choice(["lm", "rm"])
            simple = "\u0301" not in text and "ع" not in text
            expected, drawn = Image.new("RGB", (400, 80), "white"), Image.new("RGB", (400, 80), "white")
            ImageDraw.Draw(expected).text(xy, text, fill=(34, 34, 34), font=basic if simple else full, anchor=anchor)
            glyphs.draw(drawn, xy, text, (34, 34, 34), anchor)
            diff = ImageChops.difference(expected, drawn)
            # Where two glyphs overlap the blend may round one level apart; nothing else differs.
            assert max(high for _, high in diff.getextrema()) <= (1 if simple else 0), (text, xy, anchor)
            assert glyphs.length(text) == (basic if simple else full).getlength(text)


def test_digest_chart_bytes_do_not_depend_on_the_charts_drawn_before() -> None:
    from core.digest_chart import digest_png

    with ThreadPoolExecutor(1) as pool:  # a fresh thread: its own layouts and palettes
        alone = pool.submit(digest_png, cohort(5), "Team").result()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(digest_png, cohort(2, seed=3), "Team").result()
        pool.submit(digest_png, cohort(12, seed=4), "Team").result()
        assert pool.submit(digest_png, cohort(5), "Team").result() == alone
