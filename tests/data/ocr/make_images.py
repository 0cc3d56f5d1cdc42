"""Renders the OCR test images of this folder (run once; the PNG/JPEG files are committed).

Text written for this repository, set in the DejaVu fonts (Debian fonts-dejavu-core) over plain
backgrounds and over the photographs of ../images, so that a text detector, recognizer and
direction classifier see real glyphs. Deterministic: fixed positions, no randomness.
"""
from PIL import Image, ImageDraw, ImageFont, ImageFilter
import os

here = os.path.dirname(os.path.abspath(__file__))
images = os.path.join(here, "..", "images")
fonts = "/usr/share/fonts/truetype/dejavu/"
def font(name, size): return ImageFont.truetype(fonts + name, size)

def page(path, size, background, blocks, blur=0.0):
    if isinstance(background, str):
        img = Image.open(os.path.join(images, background)).convert("RGB")
        img = img.resize(size, Image.BILINEAR)
    else:
        img = Image.new("RGB", size, background)
    d = ImageDraw.Draw(img)
    for (x, y, text, f, color) in blocks:
        d.text((x, y), text, font=f, fill=color)
    if blur: img = img.filter(ImageFilter.GaussianBlur(blur))
    img.save(os.path.join(here, "pages", path), quality=88)

os.makedirs(os.path.join(here, "pages"), exist_ok=True)
os.makedirs(os.path.join(here, "lines"), exist_ok=True)
sans, serif, mono, bold = "DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf"

page("letter.png", (640, 640), (250, 248, 240), [
    (40, 40, "Dear Ms. Alvarez,", font(serif, 26), (20, 20, 20)),
    (40, 100, "Thank you for your order of March 12. The parcel", font(serif, 20), (20, 20, 20)),
    (40, 132, "left our warehouse this morning and should reach", font(serif, 20), (20, 20, 20)),
    (40, 164, "you within three working days.", font(serif, 20), (20, 20, 20)),
    (40, 230, "Order number: 48-2291-7", font(mono, 22), (30, 30, 90)),
    (40, 270, "Items: 2 lamps, 1 rug, 4 cushions", font(mono, 22), (30, 30, 90)),
    (40, 360, "Kind regards,", font(serif, 20), (20, 20, 20)),
    (40, 400, "The Lighthouse Store team", font(bold, 24), (120, 20, 20)),
    (40, 560, "www.example.com  +1 555 0100", font(sans, 16), (90, 90, 90)),
])
page("receipt.jpg", (480, 640), (236, 236, 228), [
    (60, 30, "CORNER BAKERY", font(bold, 32), (0, 0, 0)),
    (60, 90, "2 x Sourdough loaf     7.80", font(mono, 20), (10, 10, 10)),
    (60, 125, "1 x Rye bread          3.25", font(mono, 20), (10, 10, 10)),
    (60, 160, "3 x Cinnamon roll      6.60", font(mono, 20), (10, 10, 10)),
    (60, 195, "1 x Coffee, large      2.90", font(mono, 20), (10, 10, 10)),
    (60, 250, "TOTAL                 20.55", font(mono, 24), (0, 0, 0)),
    (60, 300, "Card payment approved", font(sans, 18), (10, 10, 10)),
    (60, 560, "Thank you - see you soon!", font(sans, 18), (10, 10, 10)),
], blur=0.6)
page("poster.jpg", (640, 480), "coffee.png", [
    (30, 30, "OPEN DAILY", font(bold, 56), (255, 255, 255)),
    (30, 110, "Fresh coffee from 7 am", font(sans, 30), (255, 240, 200)),
    (30, 400, "Free Wi-Fi inside", font(bold, 28), (250, 250, 250)),
])
page("sign.jpg", (640, 480), "rocket.jpg", [
    (40, 300, "LAUNCH PAD 39A", font(bold, 44), (255, 220, 0)),
    (40, 360, "Authorized personnel only", font(sans, 26), (255, 255, 255)),
])
page("wall.jpg", (640, 640), "brick.png", [
    (60, 200, "PARKING AT REAR", font(bold, 48), (250, 250, 250)),
    (60, 280, "Max stay 2 hours", font(serif, 34), (255, 255, 255)),
])
page("label.png", (640, 360), (255, 255, 255), [
    (30, 30, "Ingredients: wheat flour, water,", font(sans, 22), (0, 0, 0)),
    (30, 62, "sea salt, yeast. May contain sesame.", font(sans, 22), (0, 0, 0)),
    (30, 120, "Best before: 2027-01-15", font(mono, 24), (0, 0, 0)),
    (30, 170, "Net weight 500 g", font(bold, 30), (0, 0, 0)),
    (30, 260, "Store in a cool, dry place.", font(serif, 22), (60, 60, 60)),
])

lines = [
    ("invoice.png", "Invoice 2291 due on 14 May", serif),
    ("street.png", "221B Baker Street, London", sans),
    ("price.png", "Total amount: 1,249.00 EUR", mono),
    ("menu.png", "Soup of the day with bread", serif),
    ("platform.png", "Platform 4 - departs 10:35", bold),
    ("warning.png", "Do not open while running", sans),
    ("phone.png", "Call us at +1 555 0142", mono),
    ("title.png", "A Short History of Maps", bold),
]
for i, (name, text, f) in enumerate(lines):
    fnt = font(f, 30)
    width = int(fnt.getlength(text)) + 24
    img = Image.new("RGB", (width, 48), (245, 245, 245) if i % 2 == 0 else (255, 255, 250))
    ImageDraw.Draw(img).text((12, 6), text, font=fnt, fill=(15, 15, 15) if i % 3 else (20, 30, 120))
    if i % 4 == 3: img = img.rotate(180)  # upside-down lines, what a direction classifier is for
    img.save(os.path.join(here, "lines", name))
