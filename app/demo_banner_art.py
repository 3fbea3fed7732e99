"""The pictures of the demo's banners (app/static/demo/*.png, loaded by app/demo_marketing.py):
drawn once with Pillow and committed, since their Chinese needs a CJK font that not every
machine running the demo has. Run `python -m app.demo_banner_art [font.ttc]` to draw them again
(WenQuanYi Micro Hei by default: Debian's fonts-wqy-microhei)."""

import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FOLDER = Path(__file__).parent / "static" / "demo"
WIDTH, HEIGHT = 750, 300  # the mini-program's carousel is 5:2
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
WHITE, INK = (255, 255, 255), (40, 40, 40)
BRAND, YELLOW = (0, 112, 74), (250, 200, 0)

# file: (background, accent, title, subtitle, button, picture)
BANNERS = {
    "coupon-centre": (
        BRAND,
        YELLOW,
        "领券中心 好券限量领",
        "满200减10 · 加油9.5折 · 95#每升直降0.3元",
        "立即领取",
        "coupon",
    ),
    "topup-gift": (
        (214, 92, 36),
        (255, 226, 140),
        "充值有礼",
        "充1000送80 再送满150减8券2张",
        "去充值",
        "coins",
    ),
    "km001-special": (
        (22, 94, 168),
        YELLOW,
        "北京路站专享",
        "满300减20 · 每人限领1张 · 本站可用",
        "去下单",
        "coupon",
    ),
    "dali-route": (
        (0, 122, 138),
        (255, 236, 170),
        "苍山洱海 加满再出发",
        "大理古城站 · 下关洱河站 欢迎您",
        "看油站",
        "hills",
    ),
    "member-code": (
        (104, 62, 160),
        (255, 210, 90),
        "到店出示会员码",
        "享会员价 · 可用钱包和优惠券付款",
        "打开会员码",
        "code",
    ),
}


def draw(background, accent, title, subtitle, button, picture, font_path=FONT) -> Image.Image:
    s = SCALE
    img = Image.new("RGB", (WIDTH * s, HEIGHT * s), background)
    d = ImageDraw.Draw(img)
    light = tuple(min(255, c + 28) for c in background)
    d.ellipse([430 * s, -160 * s, 900 * s, 310 * s], fill=light)  # soft shapes behind
    d.ellipse([-120 * s, 200 * s, 180 * s, 500 * s], fill=light)
    d.rectangle([0, 0, 10 * s, HEIGHT * s], fill=accent)
    big = ImageFont.truetype(font_path, 50 * s)
    small = ImageFont.truetype(font_path, 24 * s)
    label = ImageFont.truetype(font_path, 22 * s)
    d.text((48 * s, 62 * s), title, font=big, fill=WHITE, stroke_width=s, stroke_fill=WHITE)
    d.text((50 * s, 148 * s), subtitle, font=small, fill=accent)
    width = d.textlength(button, font=label) + 56 * s
    d.rounded_rectangle([50 * s, 206 * s, 50 * s + width, 252 * s], 23 * s, fill=accent)
    d.text((78 * s, 216 * s), button + " ›", font=label, fill=INK)
    PICTURES[picture](d, accent, background, s, font_path)
    return img.resize((WIDTH, HEIGHT), Image.LANCZOS)


def _coupon(d, accent, background, s, font_path) -> None:
    box = [560 * s, 70 * s, 710 * s, 230 * s]
    d.rounded_rectangle(box, 18 * s, fill=WHITE)
    for y in (70, 230):  # the notches of a ticket
        d.ellipse([620 * s, (y - 14) * s, 648 * s, (y + 14) * s], fill=background)
    d.line([634 * s, 92 * s, 634 * s, 208 * s], fill=accent, width=3 * s)
    font = ImageFont.truetype(font_path, 44 * s)
    d.text((576 * s, 118 * s), "¥", font=font, fill=background)
    d.text((650 * s, 118 * s), "券", font=font, fill=background)


def _coins(d, accent, background, s, font_path) -> None:
    for i, (x, y) in enumerate(((600, 170), (640, 130), (580, 100))):
        d.ellipse(
            [x * s, y * s, (x + 90) * s, (y + 90) * s], fill=accent, outline=WHITE, width=4 * s
        )
        font = ImageFont.truetype(font_path, 40 * s)
        d.text(((x + 25) * s, (y + 20) * s), "¥" if i != 1 else "礼", font=font, fill=background)


def _hills(d, accent, background, s, font_path) -> None:
    d.ellipse([600 * s, 40 * s, 660 * s, 100 * s], fill=accent)  # the sun
    d.polygon([(470 * s, 300 * s), (590 * s, 120 * s), (700 * s, 300 * s)], fill=(0, 90, 100))
    d.polygon([(560 * s, 300 * s), (680 * s, 150 * s), (790 * s, 300 * s)], fill=(0, 70, 82))
    d.rectangle([430 * s, 250 * s, 750 * s, 300 * s], fill=(90, 190, 210))  # the lake


def _code(d, accent, background, s, font_path) -> None:
    """A member code: a white card with a QR-like pattern (drawn, not a real code)."""
    d.rounded_rectangle([560 * s, 60 * s, 720 * s, 220 * s], 16 * s, fill=WHITE)
    rng, cell, left, top = random.Random("member-code"), 6, 577, 77

    def block(col: int, row: int, size: int, fill) -> None:
        x, y = left + col * cell, top + row * cell
        d.rectangle([x * s, y * s, (x + size * cell) * s - 1, (y + size * cell) * s - 1], fill=fill)

    finders = ((0, 0), (14, 0), (0, 14))
    for row in range(21):
        for col in range(21):
            near = any(fc - 1 <= col <= fc + 7 and fr - 1 <= row <= fr + 7 for fc, fr in finders)
            if not near and rng.random() < 0.5:
                block(col, row, 1, INK)
    for col, row in finders:
        block(col, row, 7, INK)
        block(col + 1, row + 1, 5, WHITE)
        block(col + 2, row + 2, 3, INK)


PICTURES = {"coupon": _coupon, "coins": _coins, "hills": _hills, "code": _code}


def main(font_path: str = FONT) -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, spec in BANNERS.items():
        img = draw(*spec, font_path=font_path)
        img = img.quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        img.save(FOLDER / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
