"""Makes the PNG files that predict reads in notebooks/cnn.md and notebooks/mlp.md (numpy and zlib only).

Run it from anywhere: python3 notebooks/images/make_images.py. It needs the Debian data set for
the two images made from Fashion-MNIST test images 0 and 1.
"""
import gzip, os, struct, zlib
import numpy as np

OUT = os.path.dirname(os.path.abspath(__file__)) + '/'

def write_png(path, rgb):
    h, w, _ = rgb.shape
    raw = b''.join(b'\x00' + rgb[y].astype(np.uint8).tobytes() for y in range(h))
    def chunk(kind, data):
        c = kind + data
        return struct.pack('>I', len(data)) + c + struct.pack('>I', zlib.crc32(c) & 0xffffffff)
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
    png += chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
    open(path, 'wb').write(png)

def bilinear(img, factor):
    h, w = img.shape
    H, W = h * factor, w * factor
    ys = (np.arange(H) + 0.5) / factor - 0.5
    xs = (np.arange(W) + 0.5) / factor - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1); y1 = np.clip(y0 + 1, 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1); x1 = np.clip(x0 + 1, 0, w - 1)
    wy = np.clip(ys - y0, 0, 1)[:, None]; wx = np.clip(xs - x0, 0, 1)[None, :]
    a = img[np.ix_(y0, x0)]; b = img[np.ix_(y0, x1)]; c = img[np.ix_(y1, x0)]; d = img[np.ix_(y1, x1)]
    return (a * (1 - wx) + b * wx) * (1 - wy) + (c * (1 - wx) + d * wx) * wy

def polygon_mask(h, w, points, supersample=4):
    """Even-odd fill of a polygon, anti-aliased by supersampling."""
    n = supersample
    ys, xs = np.mgrid[0:h * n, 0:w * n]
    px = (xs + 0.5) / n; py = (ys + 0.5) / n
    inside = np.zeros(px.shape, bool)
    pts = list(points)
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        cond = (y1 > py) != (y2 > py)
        with np.errstate(divide='ignore', invalid='ignore'):
            xint = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        inside ^= cond & (px < xint)
    return inside.reshape(h, n, w, n).mean(axis=(1, 3))

def compose(background, size, objects):
    """Paints each (mask, colour, (x, y)) onto a plain background of `size` (w, h)."""
    w, h = size
    canvas = np.ones((h, w, 3)) * np.array(background, float)
    for mask, colour, (x, y) in objects:
        mh, mw = mask.shape
        region = canvas[y:y + mh, x:x + mw]
        alpha = mask[..., None]
        canvas[y:y + mh, x:x + mw] = region * (1 - alpha) + np.array(colour, float) * alpha
    return canvas

with gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz') as f:
    test = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28) / 255.0
rng = np.random.default_rng(7)

# 1. Test image 0 (an ankle boot), six times larger, dark brown on a cream background, off-centre, with noise.
boot = np.clip(1.6 * bilinear(test[0], 6), 0, 1)
img = compose((244, 239, 228), (360, 260), [(boot, (107, 58, 30), (160, 40))])
img += rng.normal(0, 4, img.shape)
write_png(OUT + 'brown-boot.png', np.clip(img, 0, 255))

# 2. Test image 1 (a pullover), five times larger, navy on light grey, in the lower-left corner.
pullover = np.clip(bilinear(test[1], 5), 0, 1)
write_png(OUT + 'navy-pullover.png', compose((233, 236, 239), (300, 300), [(pullover, (31, 58, 110), (16, 150))]))

# 3. A drawn T-shirt: body, short sleeves, round neck; red on white.
tshirt = [(80, 40), (100, 40), (120, 56), (140, 40), (160, 40), (206, 72), (186, 106), (166, 94),
          (166, 206), (74, 206), (74, 94), (54, 106), (34, 72)]
write_png(OUT + 'drawn-tshirt.png', compose((255, 255, 255), (240, 240), [(polygon_mask(240, 240, tshirt), (192, 57, 43), (0, 0))]))

# 4. Drawn trousers: waistband and two legs; slate on off-white, a wide canvas with the drawing left of centre.
trousers = [(60, 20), (140, 20), (150, 240), (112, 240), (100, 92), (88, 240), (50, 240)]
write_png(OUT + 'drawn-trousers.png', compose((250, 250, 250), (320, 260), [(polygon_mask(260, 200, trousers), (52, 73, 94), (10, 0))]))
print('ok')
