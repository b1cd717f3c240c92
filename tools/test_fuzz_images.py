"""pytest: a short seeded run of tools/fuzz_images.py (300 mutated JPEG/PNG/BMP/GIF files through
`zoo predict`): no crash, no hang, bounded memory, every bad file skipped with a warning, and
--strict exits 3 naming the file. Uses the release build (`$ZOO` or .build/release/zoo)."""
import fuzz_images


def test_short_image_fuzz_campaign():
    assert fuzz_images.main(["--count", "300", "--chunk", "150", "--timeout", "60", "--max-rss", "1024"]) == 0
